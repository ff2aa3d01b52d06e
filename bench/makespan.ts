/**
 * Benchmark 1: rollout makespan against the ideal. 500 simulated hosts, 10 s installs, 1 s polls,
 * 50 at a time: ideal = 500 / 50 x 10 s = 100 s. Prints measured wall time, the ideal, the ratio,
 * and where a host's slot spends its time beyond the install.
 * Usage: npx ts-node bench/makespan.ts [hosts] [concurrency] [installSeconds]
 */
import { rolloutResult, startRollout } from '../src/api/rollouts';
import { printFigures } from './figures';
import { slotRows, slotTimes } from './slotTimes';
import { withStack } from './stack';

async function main(): Promise<void> {
  const [hosts = 500, concurrency = 50, installSeconds = 10] = process.argv.slice(2).map(Number);
  await withStack(
    { hosts, basePort: 0, addressBase: '127.40.0.1', installSeconds },
    { tuning: { maxConcurrentActivityTaskExecutions: 200, maxConcurrentLocalActivityExecutions: 200, maxConcurrentWorkflowTaskExecutions: 50, maxCachedWorkflows: 2_000 } },
    async ({ temporal, simulator, client, taskQueue, bundleUri }) => {
      const started = Date.now();
      const handle = await startRollout(
        client,
        { rolloutId: `bench-${Date.now().toString(36)}`, hosts: simulator.inventory.hosts, bundleUri: await bundleUri('bench'), pollInterval: '1s', maxConcurrency: concurrency },
        taskQueue,
      );
      const result = await rolloutResult(handle);
      const wall = (Date.now() - started) / 1000;
      const ideal = (hosts / concurrency) * installSeconds;
      const stats = simulator.stats();
      const history = await client.workflow.getHandle(handle.workflowId).fetchHistory();
      printFigures(`rollout makespan (${temporal.label})`, [
        ['hosts / concurrency / install time', `${hosts} / ${concurrency} / ${installSeconds} s`],
        ['succeeded', `${result.totals.succeeded} of ${hosts}`],
        ['peak concurrent jobs (simulator)', stats.fleet.peakConcurrentJobs],
        ['InstallFromURI calls', stats.fleet.installFromUri],
        ['parent runs (continue-as-new)', result.runs],
        ['parent history events, last run', history.events?.length ?? 0],
        ...(result.runs === 1 ? slotRows(await slotTimes(client, handle.workflowId, stats)) : []),
        ['measured wall time', `${wall.toFixed(1)} s`],
        ['ideal', `${ideal.toFixed(1)} s`],
        ['ratio measured / ideal', (wall / ideal).toFixed(3)],
      ]);
    },
  );
}

main().catch((err) => {
  process.stderr.write(`${err instanceof Error ? err.stack : String(err)}\n`);
  process.exitCode = 1;
});
