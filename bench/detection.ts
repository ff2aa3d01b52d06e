/**
 * Benchmark 6: detection latency. Installs of 6 s started at random moments, polled every 1 s:
 * for each, the time from the simulated job reaching 100 % to the workflow completing (its close
 * time). Median and p99, and p99 against the poll interval. Target: p99 <= poll interval + 0.5 s.
 * Usage: npx ts-node bench/detection.ts [installs] [pollSeconds]
 */
import { installResult, startInstall } from '../src/api/installs';
import { median, percentile, printFigures } from './figures';
import { withStack } from './stack';

async function main(): Promise<void> {
  const [installs = 100, pollSeconds = 1] = process.argv.slice(2).map(Number);
  await withStack({ hosts: installs, basePort: 0, addressBase: '127.47.0.1', installSeconds: 6 }, { tuning: {} }, async ({ simulator, client, taskQueue }) => {
    const handles = await Promise.all(simulator.inventory.hosts.map(async (host) => {
      // Random phase between a job's end and the next poll.
      await new Promise((resolve) => setTimeout(resolve, Math.random() * 5_000));
      return startInstall(client, { host, bundleUri: 'file:///vmfs/volumes/ds1/detect-1.0.0.zip', pollInterval: `${pollSeconds}s` }, taskQueue);
    }));
    await Promise.all(handles.map((handle) => installResult(handle)));
    const latencies = await Promise.all(handles.map(async (handle, index) => {
      const closed = (await handle.describe()).closeTime?.getTime() ?? NaN;
      const job = simulator.stats().hosts[simulator.inventory.hosts[index].name].jobs[0];
      return (closed - job.endedAt) / 1000;
    }));
    const p99 = percentile(latencies, 99);
    // Where the slowest one's time went: its last events, relative to the job's end.
    const slowest = latencies.indexOf(Math.max(...latencies));
    const jobEnd = simulator.stats().hosts[simulator.inventory.hosts[slowest].name].jobs[0].endedAt;
    const events = (await handles[slowest].fetchHistory()).events ?? [];
    const trail = events.slice(-24).map((e) => {
      const at = Number(e.eventTime?.seconds ?? 0) * 1000 + Math.round((e.eventTime?.nanos ?? 0) / 1e6);
      return `${((at - jobEnd) / 1000).toFixed(2).padStart(6)} s  ${Object.keys(e).find((k) => k.endsWith('Attributes'))?.replace('EventAttributes', '')}`;
    });
    process.stdout.write(`\nslowest install's last events (seconds after its job ended):\n${trail.join('\n')}\n`);
    printFigures(`detection latency: ${installs} installs, ${pollSeconds} s polls (job at 100 % -> workflow closed)`, [
      ['median', `${median(latencies).toFixed(2)} s`],
      ['p99', `${p99.toFixed(2)} s`],
      ['max', `${Math.max(...latencies).toFixed(2)} s`],
      ['p99 - poll interval', `${(p99 - pollSeconds).toFixed(2)} s (target <= 0.5 s)`],
    ]);
  });
}

main().catch((err) => {
  process.stderr.write(`${err instanceof Error ? err.stack : String(err)}\n`);
  process.exitCode = 1;
});
