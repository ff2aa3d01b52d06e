/**
 * The rollout's own history per remediated host: a remediation rollout of HOSTS hosts (default
 * 1,000) through one simulated vCenter (clusters of 50, short simulated durations), with the worker
 * in this process. Counts every event of the parent's runs (the continue-as-new chain) and divides
 * by the hosts remediated; also the event types that make up most of it. Target: <= 10 per host.
 * Usage: npm run bench -- rollout-parent-history, or node ... bench/rolloutParentHistory.ts [hosts] [concurrency]
 */
import { temporal as proto } from '@temporalio/proto';
import { closeAllVcenterSessions } from '../src/activities/vcenterSessions';
import { rolloutResult, startRollout } from '../src/api/rollouts';
import { vcentersSource } from '../src/inventory/vcenterHosts';
import { chainHistory } from './clusterBench';
import type { HistoryEvent } from './events';
import { printFigures } from './figures';
import { withStack } from './stack';

const [HOSTS = 1_000, CONCURRENCY = 100] = process.argv.slice(2).map(Number);
const CLUSTER_SIZE = 50;

/** "EVENT_TYPE_CHILD_WORKFLOW_EXECUTION_STARTED" and the like, by count. */
function byType(events: readonly HistoryEvent[]): [string, number][] {
  const counts = new Map<string, number>();
  for (const e of events) {
    // fetchHistory gives the enum's number: named as the Web UI names it.
    const type = (typeof e.eventType === 'number' ? (proto.api.enums.v1.EventType[e.eventType] ?? String(e.eventType)) : String(e.eventType ?? 'unknown')).replace(/^EVENT_TYPE_/, '');
    counts.set(type, (counts.get(type) ?? 0) + 1);
  }
  return [...counts.entries()].sort((a, b) => b[1] - a[1]);
}

async function main(): Promise<void> {
  const clusters = Math.ceil(HOSTS / CLUSTER_SIZE);
  await withStack(
    { hosts: HOSTS, basePort: 0, addressBase: '127.44.0.1', installSeconds: 1, jobRetentionSeconds: 3_600, vcenter: { clusters, rebootSeconds: 1, maintenanceSeconds: 0 } },
    { tuning: {} },
    async ({ temporal, simulator, client, taskQueue, bundleUri }) => {
      try {
        const started = Date.now();
        const handle = await startRollout(client, {
          rolloutId: `bench-parent-history-${Date.now().toString(36)}`,
          fromVcenters: vcentersSource(simulator.vcenterInventory!),
          bundleUri: await bundleUri('drv'),
          remediate: {},
          maxConcurrency: CONCURRENCY,
          maxFailures: 0,
          pollInterval: '1s',
        }, taskQueue);
        const result = await rolloutResult(handle);
        const wall = (Date.now() - started) / 1000;
        const { perRun, events } = await chainHistory(client, handle.workflowId, handle.firstExecutionRunId, true);
        const runs = perRun.length;
        const remediated = result.totals.succeeded;
        const perHost = events.length / Math.max(remediated, 1);
        printFigures(`rollout parent history per remediated host (${temporal.label})`, [
          ['hosts / clusters / concurrency', `${HOSTS} / ${clusters} / ${CONCURRENCY}`],
          ['outcome', `${result.outcome}: ${remediated} succeeded, ${result.totals.failed} failed, ${result.totals.skipped} skipped in ${wall.toFixed(0)} s`],
          ['parent runs (continue-as-new), events in all', `${runs} runs, ${events.length} events`],
          ['parent events per remediated host (target <= 10)', perHost.toFixed(2)],
          ['largest event types, per host', byType(events).slice(0, 6).map(([t, n]) => `${t} ${(n / Math.max(remediated, 1)).toFixed(2)}`).join(', ')],
        ]);
      } finally {
        await closeAllVcenterSessions();
      }
    },
  );
}

main().catch((err) => {
  process.stderr.write(`${err instanceof Error ? err.stack : String(err)}\n`);
  process.exitCode = 1;
});
