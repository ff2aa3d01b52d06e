/**
 * The whole stack on one machine for a benchmark: dev server (in-memory), simulated fleet and an
 * in-process worker. Torn down in reverse order, whatever happens.
 */
import { Client, Connection } from '@temporalio/client';
import { DefaultLogger, Runtime } from '@temporalio/worker';
import { closeAllClients } from '../src/activities/connections';
import { startDevServer, type DevServer } from '../src/devserver/devServer';
import { startSimulator, type Simulator, type SimulatorOptions } from '../src/simulator';
import { createWorker, type VibflowWorkerOptions } from '../src/worker';

Runtime.install({ logger: new DefaultLogger('WARN') });

export interface Stack {
  readonly server: DevServer;
  readonly simulator: Simulator;
  readonly client: Client;
  readonly taskQueue: string;
}

export async function withStack<T>(
  simulatorOptions: SimulatorOptions,
  workerTuning: VibflowWorkerOptions['tuning'],
  body: (stack: Stack) => Promise<T>,
): Promise<T> {
  const cleanups: (() => Promise<unknown>)[] = [];
  try {
    const server = await startDevServer({ ui: false, log: () => undefined });
    cleanups.push(() => server.stop());
    const simulator = await startSimulator(simulatorOptions);
    cleanups.push(() => simulator.stop());
    const taskQueue = 'bench';
    const { worker, connection: workerConnection } = await createWorker({ address: server.address, taskQueue, ...(workerTuning ? { tuning: workerTuning } : {}) });
    const running = worker.run();
    cleanups.push(async () => {
      worker.shutdown();
      await running;
      await closeAllClients();
      await workerConnection.close();
    });
    const connection = await Connection.connect({ address: server.address });
    cleanups.push(() => connection.close());
    return await body({ server, simulator, client: new Client({ connection }), taskQueue });
  } finally {
    for (const cleanup of cleanups.reverse()) await cleanup().catch(() => undefined);
  }
}

export function printFigures(title: string, rows: readonly (readonly [string, string | number])[]): void {
  const width = Math.max(...rows.map(([k]) => k.length));
  process.stdout.write(`\n== ${title}\n${rows.map(([k, v]) => `${k.padEnd(width)}  ${v}`).join('\n')}\n`);
}
