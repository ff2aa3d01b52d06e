/**
 * Benchmark 5: recovery. 100 installs poll every 2 s through one compiled `vibflow worker` process, which is
 * SIGKILLed; a new worker process starts. For each install, the time from the new worker's start
 * (spawn) to its next poll at the simulator: median and max. Target: median <= 5 s.
 * Usage: npx ts-node bench/recovery.ts [installs] [pollSeconds]
 */
import { startInstall } from '../src/api/installs';
import { waitFor } from '../test/support/waitFor';
import { compileProject, spawnCompiledWorker } from './compiledWorker';
import { median, percentile, printFigures } from './figures';
import { withStack } from './stack';

async function main(): Promise<void> {
  const [installs = 100, pollSeconds = 2] = process.argv.slice(2).map(Number);
  compileProject();
  await withStack({ hosts: installs, basePort: 0, addressBase: '127.46.0.1', installSeconds: 3600 }, 'external', async ({ temporal, simulator, client, taskQueue, bundleUri, bundlePath }) => {
    const spawn = () => spawnCompiledWorker({ taskQueue, address: temporal.address, ...(bundlePath ? { bundlePath } : {}) });
    const first = await spawn();
    const hosts = simulator.inventory.hosts;
    const uri = await bundleUri('recovery');
    await Promise.all(hosts.map((host) =>
      startInstall(client, { host, bundleUri: uri, pollInterval: `${pollSeconds}s` }, taskQueue)));
    const polls = (name: string) => simulator.stats().hosts[name].operations.GetInstance ?? 0;
    await waitFor(() => hosts.every((h) => polls(h.name) >= 2), 'every install polling', 120_000);
    first.kill('SIGKILL');
    await first.exited;
    const pollsAtKill = new Map(hosts.map((h) => [h.name, polls(h.name)]));

    const startedAt = Date.now();
    const second = await spawn();
    const readyAfter = (Date.now() - startedAt) / 1000;
    try {
      // Sampled every 50 ms: at a 2 s poll interval the first new poll is the one lastRequestAt shows.
      const recovered = new Map<string, number>();
      await waitFor(() => {
        const stats = simulator.stats().hosts;
        for (const { name } of hosts) {
          if (!recovered.has(name) && (stats[name].operations.GetInstance ?? 0) > (pollsAtKill.get(name) ?? 0)) {
            recovered.set(name, ((stats[name].lastRequestAt.GetInstance ?? 0) - startedAt) / 1000);
          }
        }
        return recovered.size === hosts.length;
      }, 'a poll of every install by the new worker', 120_000, 50);
      const seconds = [...recovered.values()];
      printFigures(`recovery: ${installs} installs polling every ${pollSeconds} s, worker SIGKILLed, a new one started (${temporal.label})`, [
        ['new worker process ready after', `${readyAfter.toFixed(1)} s`],
        ['new worker start -> next poll, median', `${median(seconds).toFixed(1)} s (target <= 5 s)`],
        ['new worker start -> next poll, p90', `${percentile(seconds, 90).toFixed(1)} s`],
        ['new worker start -> next poll, max', `${Math.max(...seconds).toFixed(1)} s`],
        ['InstallFromURI calls (must equal installs)', simulator.stats().fleet.installFromUri],
      ]);
    } finally {
      await second.stop();
    }
  });
}

main().catch((err) => {
  process.stderr.write(`${err instanceof Error ? err.stack : String(err)}\n`);
  process.exitCode = 1;
});
