/**
 * Remediation overhead: what vibflow adds around the work vCenter and the host do. Six hosts in
 * two clusters, one host per cluster at a time; each host needs 2 s to enter maintenance mode,
 * 10 s to install, 5 s to reboot and 2 s to leave maintenance mode (the simulators' settings).
 * Prints, per host, its wall time against the sum of maintenance-mode entry, install and reboot
 * (the issue's ratio), and the rollout's makespan against its ideal (three hosts per cluster in a
 * row, clusters in parallel).
 * Usage: npm run bench -- remediation
 */
import { closeAllVcenterSessions } from '../src/activities/vcenterSessions';
import { rolloutResult, startRollout } from '../src/api/rollouts';
import { vcentersSource } from '../src/inventory/vcenterHosts';
import type { RemediationResult } from '../src/workflows/remediationResult';
import { median, printFigures } from './figures';
import { withStack } from './stack';

const TIMES = { maintenanceSeconds: 2, installSeconds: 10, rebootSeconds: 5 };
const HOSTS = 6;
const CLUSTERS = 2;

async function main(): Promise<void> {
  await withStack(
    { hosts: HOSTS, basePort: 0, addressBase: '127.42.0.1', installSeconds: TIMES.installSeconds, vcenter: { clusters: CLUSTERS, rebootSeconds: TIMES.rebootSeconds, maintenanceSeconds: TIMES.maintenanceSeconds } },
    { tuning: {} },
    async ({ temporal, simulator, client, taskQueue, bundleUri }) => {
      try {
        const started = Date.now();
        const handle = await startRollout(client, {
          rolloutId: `bench-remediation-${Date.now().toString(36)}`,
          fromVcenters: vcentersSource(simulator.vcenterInventory!),
          bundleUri: await bundleUri('drv'),
          remediate: {},
          maxConcurrency: HOSTS,
          pollInterval: '1s',
        }, taskQueue);
        const result = await rolloutResult(handle);
        const wall = (Date.now() - started) / 1000;
        const hosts = await Promise.all(result.rows.map(async (row) =>
          (await client.workflow.getHandle(row.installWorkflowId as string).result()) as RemediationResult));
        const work = TIMES.maintenanceSeconds + TIMES.installSeconds + TIMES.rebootSeconds;
        const ratios = hosts.map((h) => h.timings.totalSeconds / work);
        const perCluster = HOSTS / CLUSTERS;
        const ideal = perCluster * (work + TIMES.maintenanceSeconds);
        const steps = (pick: (h: RemediationResult) => number | null) => median(hosts.map((h) => pick(h) ?? NaN)).toFixed(1);
        printFigures(`remediation overhead (${temporal.label})`, [
          ['hosts / clusters / per cluster at once', `${HOSTS} / ${CLUSTERS} / 1`],
          ['succeeded and verified', `${hosts.filter((h) => h.outcome === 'succeeded' && h.verified).length} of ${HOSTS}`],
          ['per host: maintenance entry + install + reboot (simulated work)', `${TIMES.maintenanceSeconds} + ${TIMES.installSeconds} + ${TIMES.rebootSeconds} = ${work} s`],
          ['per host: measured step times, median (entry / install / reboot)', `${steps((h) => h.timings.maintenanceEnterSeconds)} / ${steps((h) => h.timings.installSeconds)} / ${steps((h) => h.timings.rebootSeconds)} s`],
          ['per host: wall time, median (max)', `${median(hosts.map((h) => h.timings.totalSeconds)).toFixed(1)} s (${Math.max(...hosts.map((h) => h.timings.totalSeconds)).toFixed(1)} s)`],
          ['per host: wall / (entry + install + reboot), median (max)', `${median(ratios).toFixed(3)} (${Math.max(...ratios).toFixed(3)})`],
          ['per host: time beyond all simulated work incl. leaving maintenance mode, median', `${(median(hosts.map((h) => h.timings.totalSeconds)) - work - TIMES.maintenanceSeconds).toFixed(1)} s`],
          ['rollout makespan, measured / ideal', `${wall.toFixed(1)} s / ${ideal} s = ${(wall / ideal).toFixed(3)}`],
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
