/**
 * What the benchmarks on the production topology (a private `vibflow cluster`) share: their worker
 * processes and client, and their figures: a process's peak memory, the size of Temporal's
 * databases in the cluster's PostgreSQL, and a workflow's history across its continue-as-new chain.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { clusterPaths } from '../src/devserver/cluster/layout';
import { DB_USER, findPostgres, postgresPassword } from '../src/devserver/cluster/postgres';
import { writeWorkflowBundle } from '../src/workflowBundle';
import { spawnWorkerProcess, type WorkerProcess } from '../test/support/workerProcess';
import type { HistoryEvent } from './events';

/**
 * `count` vibflow worker processes on the task queue (from a workflow bundle written in `work`)
 * and a client, all of them ended by the cleanups pushed (run them in reverse order).
 */
export async function workersAndClient(options: { work: string; address: string; taskQueue: string; count: number; cleanups: (() => Promise<unknown>)[] }): Promise<{ workers: WorkerProcess[]; client: Client }> {
  const { work, address, taskQueue, count, cleanups } = options;
  const bundle = path.join(work, 'workflow-bundle.js');
  await writeWorkflowBundle(bundle);
  const workers: WorkerProcess[] = [];
  for (let i = 0; i < count; i++) {
    const worker = await spawnWorkerProcess({ taskQueue, address, bundlePath: bundle, args: ['--log-format', 'json'] });
    workers.push(worker);
    cleanups.push(() => worker.stop());
  }
  const connection = await Connection.connect({ address });
  cleanups.push(() => connection.close());
  return { workers, client: new Client({ connection }) };
}

/** Peak resident memory of a process, from the kernel's own high-water mark. */
export function peakRssMb(pid: number): number {
  const match = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return match ? Number(match[1]) / 1024 : NaN;
}

/** pg_database_size of Temporal's databases (temporal, temporal_visibility), in MB; throws when psql fails. */
export function databaseSizesMb(dir: string, port: number): Record<string, number> {
  const psql = path.join(findPostgres().binDir, 'psql');
  const sql = "SELECT datname, pg_database_size(datname) FROM pg_database WHERE datname LIKE 'temporal%' ORDER BY 1";
  const result = spawnSync(psql, ['-h', '127.0.0.1', '-p', String(port), '-U', DB_USER, '-d', 'temporal', '-At', '-F', ' ', '-c', sql], {
    env: { ...process.env, PGPASSWORD: postgresPassword(clusterPaths(dir)) },
    encoding: 'utf8',
  });
  if (result.status !== 0) throw new Error(`psql: ${result.stderr.trim()}`);
  return Object.fromEntries(result.stdout.trim().split('\n').map((line) => {
    const [name, bytes] = line.split(' ');
    return [name, Number(bytes) / 1024 / 1024];
  }));
}

/** "temporal 170 MB, temporal_visibility 220 MB" */
export function formatSizesMb(sizes: Readonly<Record<string, number>>): string {
  return Object.entries(sizes).map(([name, mb]) => `${name} ${mb.toFixed(0)} MB`).join(', ');
}

/** Every run of a workflow (its continue-as-new chain): each run's history length, and all events when asked to keep them. */
export async function chainHistory(client: Client, workflowId: string, firstRunId: string, keepEvents = false): Promise<{ perRun: number[]; events: HistoryEvent[] }> {
  const perRun: number[] = [];
  const events: HistoryEvent[] = [];
  let runId: string | undefined = firstRunId;
  while (runId && perRun.length < 10_000) {
    const history = await client.workflow.getHandle(workflowId, runId).fetchHistory();
    perRun.push(history.events?.length ?? 0);
    if (keepEvents) events.push(...(history.events ?? []));
    runId = history.events?.at(-1)?.workflowExecutionContinuedAsNewEventAttributes?.newExecutionRunId ?? undefined;
  }
  return { perRun, events };
}
