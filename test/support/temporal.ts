/** Temporal helpers for integration tests: one client per test file, workers on the shared bundle. */
import { randomUUID } from 'node:crypto';
import { Client, Connection } from '@temporalio/client';
import { DefaultLogger, NativeConnection, Runtime, Worker } from '@temporalio/worker';
import * as activities from '../../src/activities';
import { closeAllClients } from '../../src/activities/connections';
import { closeAllVcenterSessions } from '../../src/activities/vcenterSessions';

// Worker lifecycle chatter drowns test output; warnings and errors still show.
Runtime.install({ logger: new DefaultLogger('WARN') });

function env(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set: run integration tests through jest (global setup)`);
  return value;
}

export const temporalAddress = (): string => env('VIBFLOW_TEST_TEMPORAL_ADDRESS');
export const workflowBundlePath = (): string => env('VIBFLOW_TEST_WORKFLOW_BUNDLE');

export function uniqueTaskQueue(label: string): string {
  return `test-${label}-${randomUUID().slice(0, 8)}`;
}

let shared: { client: Client; connection: Connection } | undefined;

/** A client cached for the test file and closed after its last test. */
export async function testClient(): Promise<Client> {
  if (!shared) {
    const connection = await Connection.connect({ address: temporalAddress() });
    shared = { client: new Client({ connection }), connection };
  }
  return shared.client;
}

afterAll(async () => {
  await shared?.connection.close();
  shared = undefined;
  await closeAllClients();
  await closeAllVcenterSessions();
});

export interface TestWorker {
  readonly worker: Worker;
  shutdown(): Promise<void>;
}

/** An in-process worker with the product's activities on the prebuilt workflow bundle. */
export async function startTestWorker(options: { taskQueue: string }): Promise<TestWorker> {
  const connection = await NativeConnection.connect({ address: temporalAddress() });
  const worker = await Worker.create({
    connection,
    taskQueue: options.taskQueue,
    activities,
    workflowBundle: { codePath: workflowBundlePath() },
  });
  const running = worker.run();
  return {
    worker,
    async shutdown() {
      if (worker.getState() === 'RUNNING') worker.shutdown();
      await running;
      await connection.close();
    },
  };
}
