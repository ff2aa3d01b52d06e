/**
 * Benchmark 4: worker footprint. One compiled `vibflow worker` process (as in the image, not
 * through ts-node) drives 1,000 concurrent installs (simulated, installs far longer than the run)
 * polling every 10 s, once per worker setup, each on a fresh stack: every install in the sticky
 * cache with Node's default heap; the heap limits of WORKER_NODE_OPTIONS with the worker's default
 * cache; and a bounded cache with those limits. Prints peak RSS, polls served and CPU seconds per
 * 1,000 polls over a steady-state window, and each setup's memory and throughput against the first.
 * Usage: npx ts-node bench/footprint.ts [installs] [pollSeconds] [windowSeconds] [boundedCache]
 */
import { startInstall } from '../src/api/installs';
import { waitFor } from '../test/support/waitFor';
import { compileProject, spawnCompiledWorker } from './compiledWorker';
import { printFigures } from './figures';
import { processUsage } from './processUsage';
import { withStack } from './stack';

const MB = 1024 * 1024;

/** The heap limits the README recommends for a worker (NODE_OPTIONS). */
export const WORKER_NODE_OPTIONS = '--max-old-space-size=256 --max-semi-space-size=2';

interface WorkerSetup {
  readonly name: string;
  /** The worker's default when not given. */
  readonly maxCachedWorkflows?: number;
  readonly nodeOptions?: string;
}

interface Footprint {
  readonly label: string;
  readonly idleRss: number;
  readonly peakRss: number;
  readonly endRss: number;
  readonly pollsPerSecond: number;
  readonly cpuSeconds: number;
  readonly polls: number;
}

async function measure(setup: WorkerSetup, installs: number, pollSeconds: number, windowSeconds: number): Promise<Footprint> {
  return withStack({ hosts: installs, basePort: 0, addressBase: '127.45.0.1', installSeconds: 3600 }, 'external', async ({ temporal, simulator, client, taskQueue, bundleUri, bundlePath }) => {
    const worker = await spawnCompiledWorker({
      taskQueue,
      address: temporal.address,
      ...(bundlePath ? { bundlePath } : {}),
      ...(setup.maxCachedWorkflows ? { args: ['--max-cached-workflows', String(setup.maxCachedWorkflows)] } : {}),
      ...(setup.nodeOptions ? { env: { NODE_OPTIONS: setup.nodeOptions } } : {}),
    });
    let peakRss = 0;
    const sample = () => {
      peakRss = Math.max(peakRss, processUsage(worker.pid).rssBytes);
    };
    const sampler = setInterval(sample, 500);
    try {
      const idleRss = processUsage(worker.pid).rssBytes;
      const hosts = simulator.inventory.hosts;
      const uri = await bundleUri('footprint');
      for (let i = 0; i < hosts.length; i += 100) {
        await Promise.all(hosts.slice(i, i + 100).map((host) =>
          startInstall(client, { host, bundleUri: uri, pollInterval: `${pollSeconds}s` }, taskQueue)));
      }
      // Steady state: every install started and past its first poll.
      const polls = () => Object.values(simulator.stats().hosts).reduce((sum, h) => sum + (h.operations.GetInstance ?? 0), 0);
      await waitFor(() => simulator.stats().fleet.installFromUri === installs && polls() >= 2 * installs, 'every install started and polled', 300_000, 500);
      const before = { usage: processUsage(worker.pid), polls: polls(), at: Date.now() };
      await new Promise((resolve) => setTimeout(resolve, windowSeconds * 1000));
      const after = { usage: processUsage(worker.pid), polls: polls(), at: Date.now() };
      sample();
      const served = after.polls - before.polls;
      return {
        label: temporal.label, idleRss, peakRss, endRss: after.usage.rssBytes,
        pollsPerSecond: served / ((after.at - before.at) / 1000), cpuSeconds: after.usage.cpuSeconds - before.usage.cpuSeconds, polls: served,
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
  const setups: WorkerSetup[] = [
    { name: 'every install cached, default heap', maxCachedWorkflows: installs + 100 },
    { name: 'heap limits, default cache', nodeOptions: WORKER_NODE_OPTIONS },
    { name: `cache of ${boundedCache}, heap limits`, maxCachedWorkflows: boundedCache, nodeOptions: WORKER_NODE_OPTIONS },
  ];
  const rows: [string, string][] = [];
  let reference: Footprint | undefined;
  for (const setup of setups) {
    const f = await measure(setup, installs, pollSeconds, windowSeconds);
    reference ??= f;
    rows.push(
      [`${setup.name}: RSS idle / peak / end of window`, `${[f.idleRss, f.peakRss, f.endRss].map((b) => (b / MB).toFixed(0)).join(' / ')} MB (target <= 400 MB)`],
      [`${setup.name}: polls served`, `${f.pollsPerSecond.toFixed(1)}/s of ${(installs / pollSeconds).toFixed(0)}/s asked`],
      [`${setup.name}: CPU seconds per 1,000 polls`, (f.cpuSeconds / f.polls * 1000).toFixed(2)],
      [`${setup.name}: peak RSS, throughput against the first`, `${(f.peakRss / reference.peakRss).toFixed(2)}x, ${(f.pollsPerSecond / reference.pollsPerSecond).toFixed(2)}x (target >= 0.95x)`],
    );
  }
  printFigures(`worker footprint: ${installs} concurrent installs, ${pollSeconds} s polls, ${windowSeconds} s window (${reference?.label}); heap limits: NODE_OPTIONS='${WORKER_NODE_OPTIONS}'`, rows);
}

main().catch((err) => {
  process.stderr.write(`${err instanceof Error ? err.stack : String(err)}\n`);
  process.exitCode = 1;
});
