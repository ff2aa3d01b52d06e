/**
 * A vibflow worker in its own OS process (`vibflow worker`), so tests can SIGKILL it the way a
 * crash or an OOM kill would, with the prebuilt workflow bundle to start fast.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { assertNoCanary } from './secretCanary';

export interface WorkerProcess {
  readonly pid: number;
  readonly exited: Promise<number | null>;
  kill(signal: NodeJS.Signals): void;
  /** SIGTERM, then SIGKILL if it is still there after the grace time. */
  stop(): Promise<void>;
  output(): string;
  /** The ready log line's fields when the worker logs JSON (e.g. its metrics URL). */
  readonly ready: Record<string, unknown>;
}

const BIN = path.resolve(__dirname, '../../bin/vibflow.js');

export interface WorkerProcessOptions {
  readonly taskQueue: string;
  /** Defaults to the test run's dev server; `false` leaves it to envconfig (a profile, TEMPORAL_*). */
  readonly address?: string | false;
  /** More environment variables, e.g. TEMPORAL_PROFILE. */
  readonly env?: Readonly<Record<string, string>>;
  /** A prebuilt workflow bundle; defaults to the test run's. */
  readonly bundlePath?: string;
  /** The vibflow entry point; defaults to this checkout's bin/vibflow.js. */
  readonly bin?: string;
  /** More `vibflow worker` flags, e.g. ['--metrics-port', '0']. */
  readonly args?: readonly string[];
}

function readyRecord(output: string): Record<string, unknown> {
  const line = output.split('\n').find((l) => l.includes('vibflow worker ready')) ?? '';
  try {
    return JSON.parse(line) as Record<string, unknown>;
  } catch {
    return {};
  }
}

export async function spawnWorkerProcess(options: WorkerProcessOptions): Promise<WorkerProcess> {
  const address = options.address ?? process.env.VIBFLOW_TEST_TEMPORAL_ADDRESS;
  if (address === undefined) throw new Error('no Temporal address: run integration tests through jest (global setup)');
  // A deployment of the test's own (unless it names one), as every test file has its own task queue
  // and some run another build of the workflow code.
  const deployment = options.args?.includes('--deployment') ? [] : ['--deployment', `test-${options.taskQueue}`];
  const args = [options.bin ?? BIN, 'worker', ...(address ? ['--address', address] : []), '--task-queue', options.taskQueue, ...deployment, ...(options.args ?? [])];
  const child: ChildProcess = spawn(process.execPath, args, {
    env: { ...process.env, VIBFLOW_WORKFLOW_BUNDLE: options.bundlePath ?? process.env.VIBFLOW_TEST_WORKFLOW_BUNDLE, ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`worker did not become ready in 60 s:\n${output}`)), 60_000);
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      if (output.includes('vibflow worker ready') && output.slice(output.indexOf('vibflow worker ready')).includes('\n')) {
        clearTimeout(timer);
        resolve();
      }
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`worker exited (${code}) before it was ready:\n${output}`));
    });
  });
  return {
    pid: child.pid ?? -1,
    exited,
    kill: (signal) => child.kill(signal),
    output: () => output,
    ready: readyRecord(output),
    /** Also checks, once the process is gone, that its log never showed the secret canary. */
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
        await exited;
        clearTimeout(timer);
      }
      assertNoCanary(`the log of worker process ${child.pid}`, output);
    },
  };
}
