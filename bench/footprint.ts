/**
 * Benchmark 4: worker footprint. One compiled `vibflow worker` process (as in the image, not
 * through ts-node) drives 1,000 concurrent installs (simulated, installs far longer than the run)
 * polling every 10 s; once with every install in its sticky cache and once with the cache bounded,
 * side by side. Prints peak RSS and CPU seconds per 1,000 polls over a steady-state window.
 * Usage: npx ts-node bench/footprint.ts [installs] [pollSeconds] [windowSeconds] [boundedCache]
 */
import { startInstall } from '../src/api/installs';
import { waitFor } from '../test/support/waitFor';
import { compileProject, spawnCompiledWorker } from './compiledWorker';
import { printFigures } from './figures';
import { processUsage } from './processUsage';
import { withStack } from './stack';

const MB = 1024 * 1024;

interface Footprint {
  readonly idleRss: number;
  readonly peakRss: number;
  readonly endRss: number;
  readonly windowSeconds: number;
  readonly polls: number;
  readonly cpuSeconds: number;
}

async function measure(installs: number, pollSeconds: number, windowSeconds: number, maxCached: number): Promise<Footprint> {
  return withStack({ hosts: installs, basePort: 0, addressBase: '127.45.0.1', installSeconds: 3600 }, 'external', async ({ server, simulator, client, taskQueue, bundlePath }) => {
    const worker = await spawnCompiledWorker({
      taskQueue, address: server.address, ...(bundlePath ? { bundlePath } : {}), args: ['--max-cached-workflows', String(maxCached)],
    });
    let peakRss = 0;
    const sample = () => {
      peakRss = Math.max(peakRss, processUsage(worker.pid).rssBytes);
    };
    const sampler = setInterval(sample, 500);
    try {
      const idleRss = processUsage(worker.pid).rssBytes;
      const hosts = simulator.inventory.hosts;
      for (let i = 0; i < hosts.length; i += 100) {
        await Promise.all(hosts.slice(i, i + 100).map((host) =>
          startInstall(client, { host, bundleUri: 'file:///vmfs/volumes/ds1/footprint-1.0.0.zip', pollInterval: `${pollSeconds}s` }, taskQueue)));
      }
      // Steady state: every install started and past its first poll.
      const polls = () => Object.values(simulator.stats().hosts).reduce((sum, h) => sum + (h.operations.GetInstance ?? 0), 0);
      await waitFor(() => simulator.stats().fleet.installFromUri === installs && polls() >= 2 * installs, 'every install started and polled', 300_000, 500);
      const before = { usage: processUsage(worker.pid), polls: polls(), at: Date.now() };
      await new Promise((resolve) => setTimeout(resolve, windowSeconds * 1000));
      const after = { usage: processUsage(worker.pid), polls: polls(), at: Date.now() };
      sample();
      return {
        idleRss, peakRss, endRss: after.usage.rssBytes, windowSeconds: (after.at - before.at) / 1000,
        polls: after.polls - before.polls, cpuSeconds: after.usage.cpuSeconds - before.usage.cpuSeconds,
      };
    } finally {
      clearInterval(sampler);
      await worker.stop();
    }
  });
}

async function main(): Promise<void> {
  const [installs = 1000, pollSeconds = 10, windowSeconds = 60, boundedCache = 250] = process.argv.slice(2).map(Number);
  compileProject();
  const rows: [string, string][] = [];
  for (const cache of [installs + 100, boundedCache]) {
    const f = await measure(installs, pollSeconds, windowSeconds, cache);
    rows.push(
      [`cache ${cache}: RSS idle / peak / end of window`, `${[f.idleRss, f.peakRss, f.endRss].map((b) => (b / MB).toFixed(0)).join(' / ')} MB (target <= 400 MB)`],
      [`cache ${cache}: polls served`, `${(f.polls / f.windowSeconds).toFixed(1)}/s of ${(installs / pollSeconds).toFixed(0)}/s asked`],
      [`cache ${cache}: CPU seconds per 1,000 polls`, (f.cpuSeconds / f.polls * 1000).toFixed(2)],
    );
  }
  printFigures(`worker footprint: ${installs} concurrent installs, ${pollSeconds} s polls, ${windowSeconds} s window`, rows);
}

main().catch((err) => {
  process.stderr.write(`${err instanceof Error ? err.stack : String(err)}\n`);
  process.exitCode = 1;
});
