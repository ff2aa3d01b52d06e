/**
 * What the tests that drive the vibflow CLI as a user would each need: a simulator that writes its
 * inventory file into a fresh directory, and a test worker on a task queue of its own. Call it in
 * a describe block: it registers the beforeAll that starts them and the afterAll that stops them.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { startSimulator, type Simulator, type SimulatorOptions } from '../../src/simulator';
import { startTestWorker, temporalAddress, uniqueTaskQueue, type TestWorker } from './temporal';

export interface CliStack {
  readonly simulator: Simulator;
  /** A directory for the test's own files, removed at the end. */
  readonly dir: string;
  /** The simulator's inventory file. */
  readonly inventory: string;
  readonly taskQueue: string;
  /** The CLI flags that reach this stack's Temporal and task queue. */
  temporal(): string[];
}

export function useCliStack(name: string, simulatorOptions: Omit<SimulatorOptions, 'inventoryFile'>, setupTimeoutMs?: number): CliStack {
  const taskQueue = uniqueTaskQueue(name);
  let simulator: Simulator | undefined;
  let worker: TestWorker | undefined;
  let dir: string | undefined;
  const started = <T>(value: T | undefined): T => {
    if (value === undefined) throw new Error(`the ${name} stack is used before its beforeAll ran`);
    return value;
  };

  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), `vibflow-${name}-`));
    simulator = await startSimulator({ ...simulatorOptions, inventoryFile: path.join(dir, 'inventory.json') });
    worker = await startTestWorker({ taskQueue });
  }, setupTimeoutMs);

  afterAll(async () => {
    await worker?.shutdown();
    await simulator?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  return {
    get simulator() { return started(simulator); },
    get dir() { return started(dir); },
    get inventory() { return path.join(started(dir), 'inventory.json'); },
    taskQueue,
    temporal: () => ['--address', temporalAddress(), '--task-queue', taskQueue],
  };
}
