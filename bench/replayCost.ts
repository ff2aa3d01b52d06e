/**
 * Benchmark 7: what replaying an install costs the worker, by how far its run had got. A worker
 * replays a run from its first event whenever the install is not in its sticky cache: after a
 * restart, or on every poll once the cache is smaller than the installs it runs. Records one
 * install's history live (100 ms polls), then replays it cut after N polls, many times each,
 * through the SDK's replayer with the production workflow bundle.
 * Usage: npx ts-node bench/replayCost.ts [replaysPerLength] [longestRunInPolls]
 */
import { Worker } from '@temporalio/worker';
import { startInstall } from '../src/api/installs';
import { bundleWorkflows } from '../src/workflowBundle';
import { waitFor } from '../test/support/waitFor';
import type { HistoryEvent } from './events';
import { printFigures } from './figures';
import { withStack } from './stack';

/** The history up to the N-th poll's timer firing, i.e. a run that had polled N times. */
function afterPolls(events: readonly HistoryEvent[], polls: number): HistoryEvent[] {
  const fired = events.map((e, i) => (e.timerFiredEventAttributes ? i : -1)).filter((i) => i >= 0);
  return events.slice(0, fired[polls] ?? events.length);
}

async function main(): Promise<void> {
  const [replays = 100, longest = 200] = process.argv.slice(2).map(Number);
  await withStack({ hosts: 1, basePort: 0, addressBase: '127.48.0.1', installSeconds: 3600 }, { tuning: {} }, async ({ temporal, simulator, client, taskQueue, bundleUri }) => {
    const handle = await startInstall(client, { host: simulator.inventory.hosts[0], bundleUri: await bundleUri('replay'), pollInterval: '100ms', maxPollsPerRun: 5000 }, taskQueue);
    const timersFired = async () => ((await handle.fetchHistory()).events ?? []).filter((e) => e.timerFiredEventAttributes).length;
    await waitFor(async () => (await timersFired()) > longest, `${longest} polls`, 300_000, 1000);
    const events = (await handle.fetchHistory()).events ?? [];
    await handle.terminate();
    const workflowBundle = { code: await bundleWorkflows() };

    const rows: [string, string][] = [];
    for (const polls of [0, 10, 25, 50, 100, longest]) {
      const history = { events: afterPolls(events, polls) };
      const cpu = process.cpuUsage();
      const started = performance.now();
      for await (const result of Worker.runReplayHistories(
        { workflowBundle },
        Array.from({ length: replays }, (_, i) => ({ workflowId: `${handle.workflowId}-${i}`, history })),
      )) {
        if (result.error) throw result.error;
      }
      const used = process.cpuUsage(cpu);
      rows.push([`run with ${polls} polls (${history.events.length} events)`,
        `${((used.user + used.system) / 1000 / replays).toFixed(1)} ms CPU, ${((performance.now() - started) / replays).toFixed(1)} ms per replay`]);
    }
    printFigures(`replaying an evicted install, ${replays} replays per length (${temporal.label} recorded the history)`, rows);
  });
}

main().catch((err) => {
  process.stderr.write(`${err instanceof Error ? err.stack : String(err)}\n`);
  process.exitCode = 1;
});
