/**
 * 10,000 hosts on the production topology: a private `vibflow cluster` (PostgreSQL, two Temporal
 * server nodes behind one client address), two vibflow worker processes, the CIM simulator with
 * 10,000 hosts, and one rollout whose hosts the workers read a page at a time from an inventory
 * file (neither the input nor any history holds the whole fleet). Prints the makespan against the
 * ideal, installs per minute, the parent's history per run, the database size and the workers'
 * memory. With VIBFLOW_BENCH_TEMPORAL_ADDRESS it uses that Temporal instead (no database figure).
 * Usage: npm run bench -- fleet10k, or node ... bench/fleet10k.ts [hosts] [concurrency] [installSeconds] [poll]
 */
import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { rolloutResult, startRollout } from '../src/api/rollouts';
import { clusterDown, clusterUp } from '../src/devserver/cluster/cluster';
import { startSimulator } from '../src/simulator';
import { placeBundle } from '../test/support/bundles';
import { freeClusterPorts } from '../test/support/cluster';
import { chainHistory, databaseSizesMb, formatSizesMb, peakRssMb, workersAndClient } from './clusterBench';
import { printFigures } from './figures';

const WORKERS = 2;

async function main(): Promise<void> {
  const [hosts = 10_000, concurrency = 400, installSeconds = 20, pollSeconds = 10] = process.argv.slice(2).map(Number);
  const work = await mkdtemp(path.join(os.tmpdir(), 'vibflow-fleet10k-'));
  // PostgreSQL runs as its own user and must reach its data directory inside.
  await chmod(work, 0o755);
  const cleanups: (() => Promise<unknown>)[] = [async () => rm(work, { recursive: true, force: true })];
  try {
    let address = process.env.VIBFLOW_BENCH_TEMPORAL_ADDRESS;
    let database: (() => string) | undefined;
    if (!address) {
      const dir = path.join(work, 'cluster');
      const ports = await freeClusterPorts();
      const up = await clusterUp({ dir, ports });
      cleanups.push(() => clusterDown({ dir }));
      address = up.status.clientAddress;
      database = () => {
        try {
          return formatSizesMb(databaseSizesMb(dir, ports.postgres));
        } catch (err) {
          return `unknown (${(err as Error).message})`;
        }
      };
    }
    process.stdout.write(`Temporal at ${address}; starting ${hosts} simulated hosts...\n`);
    const simulator = await startSimulator({ hosts, basePort: 0, addressBase: '127.100.0.1', installSeconds, jobRetentionSeconds: 3_600 });
    cleanups.push(() => simulator.stop());
    const inventory = path.join(work, 'inventory.json');
    await writeFile(inventory, JSON.stringify(simulator.inventory));
    // One real offline bundle that every host reads (and the simulator reads once).
    const tag = Date.now().toString(36);
    const bundleUri = await placeBundle(simulator, `file:///vmfs/volumes/${simulator.datastores[0].name}/fleet10k-${tag}.zip`, [{ name: `fleet10k-${tag}`, version: '1.0.0' }]);
    const taskQueue = `fleet10k-${Date.now().toString(36)}`;
    const { workers, client } = await workersAndClient({ work, address, taskQueue, count: WORKERS, cleanups });
    const started = Date.now();
    const handle = await startRollout(client, {
      rolloutId: `fleet10k-${Date.now().toString(36)}`,
      fromFile: { path: inventory },
      bundleUri,
      pollInterval: `${pollSeconds}s`,
      maxConcurrency: concurrency,
      maxFailures: 0,
    }, taskQueue);
    const ticker = setInterval(() => {
      const done = simulator.stats().hosts;
      const finished = Object.values(done).filter((h) => h.jobs.some((j) => j.outcome === 'succeeded')).length;
      process.stdout.write(`${((Date.now() - started) / 1000).toFixed(0)} s: ${finished} of ${hosts} hosts installed\n`);
    }, 60_000);
    const result = await rolloutResult(handle).finally(() => clearInterval(ticker));
    const wall = (Date.now() - started) / 1000;
    const ideal = Math.ceil(hosts / concurrency) * installSeconds;
    const stats = simulator.stats();
    const runs = (await chainHistory(client, handle.workflowId, handle.firstExecutionRunId)).perRun;
    printFigures(`${hosts} hosts on ${database ? 'the cluster (PostgreSQL, two server nodes)' : `Temporal at ${address}`}, ${WORKERS} workers`, [
      ['concurrency / install time / poll', `${concurrency} / ${installSeconds} s / ${pollSeconds} s`],
      ['outcome', `${result.outcome}: ${result.totals.succeeded} succeeded, ${result.totals.failed} failed`],
      ['InstallFromURI calls (one per host)', `${stats.fleet.installFromUri} for ${hosts} hosts`],
      ['makespan', `${wall.toFixed(0)} s against an ideal of ${ideal} s: ratio ${(wall / ideal).toFixed(3)}`],
      ['installs completed per minute', (result.totals.succeeded / (wall / 60)).toFixed(0)],
      ['parent runs, history events per run', `${runs.length} runs: ${Math.min(...runs)}-${Math.max(...runs)} events (mean ${(runs.reduce((a, b) => a + b, 0) / runs.length).toFixed(0)})`],
      ['database size at the end', database ? database() : 'not measured (external Temporal)'],
      ['worker peak memory (RSS)', workers.map((w) => `${peakRssMb(w.pid).toFixed(0)} MB`).join(', ')],
    ]);
  } finally {
    for (const cleanup of cleanups.reverse()) await cleanup().catch((err: unknown) => process.stderr.write(`cleanup: ${(err as Error).message}\n`));
  }
}

main().catch((err) => {
  process.stderr.write(`${err instanceof Error ? err.stack : String(err)}\n`);
  process.exitCode = 1;
});
