/**
 * The whole stack on one machine for a benchmark: dev server (in-memory), simulated fleet and an
 * in-process worker, or a prebuilt workflow bundle for worker processes the benchmark runs itself.
 * Torn down in reverse order, whatever happens.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { DefaultLogger, Runtime } from '@temporalio/worker';
import { closeAllClients } from '../src/activities/connections';
import { startDevServer, type DevServer } from '../src/devserver/devServer';
import { startSimulator, type Simulator, type SimulatorOptions } from '../src/simulator';
import { createWorker, type VibflowWorkerOptions } from '../src/worker';
import { writeWorkflowBundle } from '../src/workflowBundle';

Runtime.install({ logger: new DefaultLogger('WARN') });

export interface Stack {
  readonly server: DevServer;
  readonly simulator: Simulator;
  readonly client: Client;
  readonly taskQueue: string;
  /** The workflow bundle for worker processes (external workers only). */
  readonly bundlePath?: string;
}

export type BenchWorker = { readonly tuning: VibflowWorkerOptions['tuning'] } | 'external';

async function prebuiltBundle(cleanups: (() => Promise<unknown>)[]): Promise<string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'vibflow-bench-'));
  cleanups.push(() => rm(dir, { recursive: true, force: true }));
  const file = path.join(dir, 'workflow-bundle.js');
  await writeWorkflowBundle(file);
  return file;
}

export async function withStack<T>(
  simulatorOptions: SimulatorOptions,
  workerChoice: BenchWorker,
  body: (stack: Stack) => Promise<T>,
): Promise<T> {
  const cleanups: (() => Promise<unknown>)[] = [];
  try {
    const server = await startDevServer({ ui: false, log: () => undefined });
    cleanups.push(() => server.stop());
    const simulator = await startSimulator(simulatorOptions);
    cleanups.push(() => simulator.stop());
    const taskQueue = 'bench';
    let bundlePath: string | undefined;
    if (workerChoice === 'external') {
      bundlePath = await prebuiltBundle(cleanups);
    } else {
      const { worker, connection: workerConnection } = await createWorker({ address: server.address, taskQueue, tuning: workerChoice.tuning });
      const running = worker.run();
      cleanups.push(async () => {
        worker.shutdown();
        await running;
        await closeAllClients();
        await workerConnection.close();
      });
    }
    const connection = await Connection.connect({ address: server.address });
    cleanups.push(() => connection.close());
    return await body({ server, simulator, client: new Client({ connection }), taskQueue, ...(bundlePath ? { bundlePath } : {}) });
  } finally {
    for (const cleanup of cleanups.reverse()) await cleanup().catch(() => undefined);
  }
}
