/**
 * The whole stack on one machine for a benchmark: Temporal, a simulated fleet and an in-process
 * worker, or a prebuilt workflow bundle for worker processes the benchmark runs itself.
 * Temporal is a fresh in-memory dev server, or the server at VIBFLOW_BENCH_TEMPORAL_ADDRESS (e.g.
 * the client address `vibflow cluster up` prints). Torn down in reverse order, whatever happens.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { DefaultLogger, Runtime } from '@temporalio/worker';
import { closeAllClients } from '../src/activities/connections';
import { startDevServer } from '../src/devserver/devServer';
import { startSimulator, type Simulator, type SimulatorOptions } from '../src/simulator';
import { createWorker, type VibflowWorkerOptions } from '../src/worker';
import { writeWorkflowBundle } from '../src/workflowBundle';
import { placeBundle } from '../test/support/bundles';

Runtime.install({ logger: new DefaultLogger('WARN') });

export interface BenchTemporal {
  readonly address: string;
  /** Where the figures were measured, for their heading. */
  readonly label: string;
  /** It outlives the benchmark, so what the benchmark leaves running must be ended. */
  readonly longLived: boolean;
}

export interface Stack {
  readonly temporal: BenchTemporal;
  readonly simulator: Simulator;
  readonly client: Client;
  /** Unique per run, so that a long-lived server never hands this run's tasks to another's worker. */
  readonly taskQueue: string;
  /**
   * A real offline bundle holding one VIB `name` 1.0.0, written once per name on the datastore
   * every host mounts, at a URI unique to this run (install workflow ids derive from host and bundle).
   */
  bundleUri(name: string): Promise<string>;
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

async function benchTemporal(cleanups: (() => Promise<unknown>)[]): Promise<BenchTemporal> {
  const address = process.env.VIBFLOW_BENCH_TEMPORAL_ADDRESS;
  if (address) return { address, label: `Temporal at ${address}`, longLived: true };
  const server = await startDevServer({ ui: false, log: () => undefined });
  cleanups.push(() => server.stop());
  return { address: server.address, label: 'dev server', longLived: false };
}

/** Installs longer than the benchmark would otherwise wait on a long-lived server for a worker. */
async function terminateRunning(client: Client, taskQueue: string): Promise<void> {
  for await (const workflow of client.workflow.list({ query: `TaskQueue = '${taskQueue}' AND ExecutionStatus = 'Running'` })) {
    await client.workflow.getHandle(workflow.workflowId, workflow.runId).terminate('benchmark finished').catch(() => undefined);
  }
}

export async function withStack<T>(
  simulatorOptions: SimulatorOptions,
  workerChoice: BenchWorker,
  body: (stack: Stack) => Promise<T>,
): Promise<T> {
  const cleanups: (() => Promise<unknown>)[] = [];
  try {
    const temporal = await benchTemporal(cleanups);
    const simulator = await startSimulator(simulatorOptions);
    cleanups.push(() => simulator.stop());
    const runTag = Date.now().toString(36);
    const taskQueue = `bench-${runTag}`;
    let bundlePath: string | undefined;
    if (workerChoice === 'external') {
      bundlePath = await prebuiltBundle(cleanups);
    } else {
      const { worker, connection: workerConnection } = await createWorker({ address: temporal.address, taskQueue, tuning: workerChoice.tuning });
      const running = worker.run();
      cleanups.push(async () => {
        worker.shutdown();
        await running;
        await closeAllClients();
        await workerConnection.close();
      });
    }
    const connection = await Connection.connect({ address: temporal.address });
    cleanups.push(() => connection.close());
    const client = new Client({ connection });
    if (temporal.longLived) cleanups.push(() => terminateRunning(client, taskQueue));
    const placed = new Map<string, Promise<string>>();
    const bundleUri = (name: string): Promise<string> => {
      let uri = placed.get(name);
      if (!uri) {
        uri = placeBundle(simulator, `file:///vmfs/volumes/${simulator.datastores[0].name}/${name}-${runTag}.zip`, [{ name, version: '1.0.0' }]);
        placed.set(name, uri);
      }
      return uri;
    };
    return await body({
      temporal,
      simulator,
      client,
      taskQueue,
      bundleUri,
      ...(bundlePath ? { bundlePath } : {}),
    });
  } finally {
    for (const cleanup of cleanups.reverse()) await cleanup().catch(() => undefined);
  }
}
