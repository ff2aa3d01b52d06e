/**
 * A 10,000-host remediation on the production topology: a private `vibflow cluster` (PostgreSQL,
 * two Temporal server nodes), two `vibflow worker` processes, 4 simulated vCenters (each its own
 * vcsim process with 50 clusters of 50 hosts and their CIM hosts), one inventory naming them all,
 * and ONE remediation rollout across them (pre-check, maintenance mode, install, reboot, verify,
 * exit maintenance mode on every host) within a concurrency, per-vCenter and per-cluster limit.
 * Prints progress every 60 s and then the figures: outcome, InstallFromURI calls and reboots
 * (the simulators' counters), the makespan against the ideal for the limits, host steps per
 * second, the workers' peak memory, PostgreSQL's growth, history events per host and vCenter SOAP
 * calls per host (counted by the vCenter simulators themselves). About an hour on 2 cores; not in
 * the default `npm run bench` list.
 * Usage: npm run bench -- remediation10k, or
 *   node -r ts-node/register/transpile-only bench/remediation10k.ts [vcenters=4] [clustersPerVcenter=50] [hostsPerCluster=50]
 *     [maxConcurrency=400] [maxPerVcenter=100] [maxPerCluster=2] [pollSeconds=5]
 */
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { temporal as proto } from '@temporalio/proto';
import { rolloutProgress, rolloutResult, startRollout } from '../src/api/rollouts';
import { vcentersSource } from '../src/inventory/vcenterHosts';
import { clusterDown, clusterUp } from '../src/devserver/cluster/cluster';
import { startVcenterFleet, type VcenterFleetStats } from '../src/simulator';
import { rolloutChildId } from '../src/workflows/fleetRollout';
import { remediationInstallId } from '../src/workflows/remediateHost';
import { placeBundle } from '../test/support/bundles';
import { freeClusterPorts } from '../test/support/cluster';
import { chainHistory, databaseSizesMb, formatSizesMb, peakRssMb, workersAndClient } from './clusterBench';
import type { HistoryEvent } from './events';
import { printFigures } from './figures';

const WORKERS = 2;
/** The simulated durations of one host's remediation. */
const TIMES = { maintenanceSeconds: 1, installSeconds: 5, rebootSeconds: 5 };
/** Remediation children (and their install children) whose histories are read for the per-host figures. */
const SAMPLE = 50;
/** Steps of one host's remediation: pre-check, enter maintenance mode, install, reboot (and wait for the host), verify, exit maintenance mode. */
const STEPS_PER_HOST = 6;

const [VCENTERS = 4, CLUSTERS = 50, PER_CLUSTER_HOSTS = 50, CONCURRENCY = 400, PER_VCENTER = 100, PER_CLUSTER = 2, POLL_SECONDS = 5] = process.argv.slice(2).map(Number);

const elapsed = (since: number) => `${((Date.now() - since) / 1000).toFixed(0)} s`;
const log = (line: string) => process.stdout.write(`${new Date().toISOString().slice(11, 19)} ${line}\n`);

const eventType = (e: HistoryEvent) =>
  (typeof e.eventType === 'number' ? (proto.api.enums.v1.EventType[e.eventType] ?? String(e.eventType)) : String(e.eventType ?? 'unknown')).replace(/^EVENT_TYPE_/, '');
/** Activities a history ran: scheduled ones and local ones (a marker each). */
const activitiesIn = (events: readonly HistoryEvent[]) => events.filter((e) => ['ACTIVITY_TASK_SCHEDULED', 'MARKER_RECORDED'].includes(eventType(e))).length;

function soapSummary(stats: VcenterFleetStats, before: VcenterFleetStats, hosts: number): { perHost: string; top: string } {
  const delta = Object.entries(stats.fleet.soapCallsByMethod)
    .map(([method, n]) => [method, n - (before.fleet.soapCallsByMethod[method] ?? 0)] as const)
    .filter(([, n]) => n > 0)
    .sort((a, b) => b[1] - a[1]);
  const all = delta.reduce((sum, [, n]) => sum + n, 0);
  return {
    perHost: `${(all / hosts).toFixed(1)} (${all} SOAP requests in all)`,
    top: delta.slice(0, 6).map(([method, n]) => `${method} ${(n / hosts).toFixed(2)}`).join(', '),
  };
}

async function main(): Promise<void> {
  const hosts = VCENTERS * CLUSTERS * PER_CLUSTER_HOSTS;
  const work = await mkdtemp(path.join(os.tmpdir(), 'vibflow-remediation10k-'));
  // PostgreSQL runs as its own user and must reach its data directory inside.
  await chmod(work, 0o755);
  const cleanups: (() => Promise<unknown>)[] = [async () => rm(work, { recursive: true, force: true })];
  const cleanUp = async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup().catch((err: unknown) => process.stderr.write(`cleanup: ${(err as Error).message}\n`));
  };
  // Stopped early (SIGTERM, Ctrl-C): the cluster, the workers and the simulators go with it.
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    process.once(signal, () => {
      log(`${signal}: stopping the cluster, the workers and the simulators`);
      void cleanUp().finally(() => process.exit(130));
    });
  }
  try {
    const setup = Date.now();
    const dir = path.join(work, 'cluster');
    const ports = await freeClusterPorts();
    log(`cluster in ${dir}: starting`);
    const up = await clusterUp({ dir, ports });
    cleanups.push(() => clusterDown({ dir }));
    const address = up.status.clientAddress;
    log(`Temporal at ${address} (${elapsed(setup)}); starting ${VCENTERS} vCenters of ${CLUSTERS} clusters x ${PER_CLUSTER_HOSTS} hosts...`);
    const fleet = await startVcenterFleet({
      vcenters: VCENTERS,
      clusters: CLUSTERS,
      hostsPerCluster: PER_CLUSTER_HOSTS,
      hosts: { basePort: 0, installSeconds: TIMES.installSeconds, jobRetentionSeconds: 3_600 },
      vcenter: { rebootSeconds: TIMES.rebootSeconds, maintenanceSeconds: TIMES.maintenanceSeconds },
      addressBase: '127.100.0.1',
      inventoryFile: path.join(work, 'inventory.json'),
    });
    cleanups.push(() => fleet.stop());
    // One real offline bundle at the same URI on each vCenter's datastore.
    const tag = Date.now().toString(36);
    const bundleUri = `file:///vmfs/volumes/${fleet.vcenters[0].simulator.datastores[0].name}/remediation10k-${tag}.zip`;
    for (const { simulator } of fleet.vcenters) await placeBundle(simulator, bundleUri, [{ name: `r10k-${tag}`, version: '1.0.0' }]);
    const taskQueue = `remediation10k-${tag}`;
    const { workers, client } = await workersAndClient({ work, address, taskQueue, count: WORKERS, cleanups });
    log(`ready in ${elapsed(setup)}: ${hosts} hosts, ${WORKERS} workers`);

    const databaseBefore = databaseSizesMb(dir, ports.postgres);
    const statsBefore = await fleet.stats();
    const rolloutId = `remediation10k-${tag}`;
    const started = Date.now();
    const handle = await startRollout(client, {
      rolloutId,
      fromVcenters: vcentersSource(fleet.inventory),
      bundleUri,
      remediate: {},
      maxConcurrency: CONCURRENCY,
      maxPerVcenter: PER_VCENTER,
      maxPerCluster: PER_CLUSTER,
      // A measurement, not a guard: a few failed hosts are counted, not a reason to stop.
      maxFailures: Math.ceil(hosts / 100),
      pollInterval: `${POLL_SECONDS}s`,
    }, taskQueue);
    const ticker = setInterval(() => {
      void (async () => {
        const [progress, stats] = await Promise.all([rolloutProgress(handle).catch(() => undefined), fleet.stats().catch(() => undefined)]);
        const t = progress?.totals;
        const totals = t ? `${t.succeeded} succeeded, ${t.failed} failed, ${t.skipped} skipped, ${t.running} running (${progress.phase}, run ${progress.runs})` : 'progress query unanswered';
        const counters = stats ? `; ${stats.fleet.installFromUri} InstallFromURI, ${stats.fleet.reboots} reboots, ${stats.fleet.soapCalls - statsBefore.fleet.soapCalls} SOAP requests` : '';
        log(`${elapsed(started)}: ${totals}${counters}`);
      })();
    }, 60_000);
    const result = await rolloutResult(handle).finally(() => clearInterval(ticker));
    const wall = (Date.now() - started) / 1000;
    log(`rollout ended after ${wall.toFixed(0)} s: ${result.outcome}; reading the figures`);

    const stats = await fleet.stats();
    const databaseAfter = databaseSizesMb(dir, ports.postgres);
    const growth = Object.entries(databaseAfter).map(([name, mb]) => `${name} ${(databaseBefore[name] ?? 0).toFixed(0)} -> ${mb.toFixed(0)} MB`).join(', ');
    const parent = await chainHistory(client, handle.workflowId, handle.firstExecutionRunId);
    const parentEvents = parent.perRun.reduce((a, b) => a + b, 0);
    // A random sample of the hosts: their remediation's history and its install's.
    const names = fleet.inventory.vcenters.flatMap((v) => v.hosts.map((h) => (VCENTERS > 1 ? `${v.name}/${h.name}` : h.name)));
    const sample = [...names].sort(() => Math.random() - 0.5).slice(0, SAMPLE);
    const sampled: { remediation: number; install: number; activities: number }[] = [];
    for (const name of sample) {
      const id = rolloutChildId(rolloutId, name, true);
      try {
        const remediation = await client.workflow.getHandle(id).fetchHistory();
        const install = await client.workflow.getHandle(remediationInstallId(id)).fetchHistory();
        sampled.push({
          remediation: remediation.events?.length ?? 0,
          install: install.events?.length ?? 0,
          activities: activitiesIn(remediation.events ?? []) + activitiesIn(install.events ?? []),
        });
      } catch (err) {
        process.stderr.write(`history of ${id}: ${(err as Error).message}\n`);
      }
    }
    const mean = (pick: (s: (typeof sampled)[number]) => number) => sampled.reduce((n, s) => n + pick(s), 0) / Math.max(sampled.length, 1);
    const remediated = result.totals.succeeded;
    // The ideal: every limit lets through hosts in waves of one remediation's simulated work each
    // (enter maintenance mode, install, reboot, exit maintenance mode: T = 1 + 5 + 5 + 1 = 12 s),
    // and the binding limit sets the number of waves:
    //   max(ceil(hosts / maxConcurrency), ceil(hostsPerVcenter / maxPerVcenter), ceil(hostsPerCluster / maxPerCluster)) x T.
    const perHostSeconds = 2 * TIMES.maintenanceSeconds + TIMES.installSeconds + TIMES.rebootSeconds;
    const waves = Math.max(Math.ceil(hosts / CONCURRENCY), Math.ceil((CLUSTERS * PER_CLUSTER_HOSTS) / PER_VCENTER), Math.ceil(PER_CLUSTER_HOSTS / PER_CLUSTER));
    const ideal = waves * perHostSeconds;
    const soap = soapSummary(stats, statsBefore, hosts);
    printFigures(`${hosts}-host remediation through ${VCENTERS} simulated vCenters on the cluster (PostgreSQL, two server nodes), ${WORKERS} workers`, [
      ['vCenters x clusters x hosts', `${VCENTERS} x ${CLUSTERS} x ${PER_CLUSTER_HOSTS} = ${hosts}`],
      ['limits: concurrency / per vCenter / per cluster, poll', `${CONCURRENCY} / ${PER_VCENTER} / ${PER_CLUSTER}, ${POLL_SECONDS} s`],
      ['simulated: maintenance entry (and exit) / install / reboot', `${TIMES.maintenanceSeconds} / ${TIMES.installSeconds} / ${TIMES.rebootSeconds} s`],
      ['outcome', `${result.outcome}: ${result.totals.succeeded} succeeded, ${result.totals.failed} failed, ${result.totals.skipped} skipped`],
      ['InstallFromURI calls / reboots (one each per host)', `${stats.fleet.installFromUri - statsBefore.fleet.installFromUri} / ${stats.fleet.reboots - statsBefore.fleet.reboots} for ${hosts} hosts`],
      ['makespan', `${wall.toFixed(0)} s (${(wall / 60).toFixed(1)} min) against an ideal of ${waves} waves x ${perHostSeconds} s = ${ideal} s: ratio ${(wall / ideal).toFixed(2)}`],
      ['hosts remediated per minute', (remediated / (wall / 60)).toFixed(0)],
      [`host steps per second (${STEPS_PER_HOST} per host: pre-check, enter MM, install, reboot, verify, exit MM)`, ((remediated * STEPS_PER_HOST) / wall).toFixed(1)],
      [`activities per second (sample's activities per host x hosts / makespan)`, ((mean((s) => s.activities) * remediated) / wall).toFixed(1)],
      ['parent: runs, history events per host', `${parent.perRun.length} runs, ${parentEvents} events: ${(parentEvents / hosts).toFixed(2)} per host`],
      [`children (sample of ${sampled.length}): events per host, remediation + install`, `${mean((s) => s.remediation).toFixed(1)} + ${mean((s) => s.install).toFixed(1)} = ${mean((s) => s.remediation + s.install).toFixed(1)} (${mean((s) => s.activities).toFixed(1)} activities)`],
      ['history events per host in all (parent + children)', (parentEvents / hosts + mean((s) => s.remediation + s.install)).toFixed(1)],
      ['vCenter SOAP calls per host', soap.perHost],
      ['vCenter SOAP calls per host, largest methods', soap.top],
      ['PostgreSQL before the rollout -> at the end', growth],
      ['PostgreSQL at the end', formatSizesMb(databaseAfter)],
      ['worker peak memory (RSS)', workers.map((w) => `${peakRssMb(w.pid).toFixed(0)} MB`).join(', ')],
    ]);
  } finally {
    await cleanUp();
  }
}

main().catch((err) => {
  process.stderr.write(`${err instanceof Error ? err.stack : String(err)}\n`);
  process.exitCode = 1;
});
