/**
 * Benchmark 6: detection latency. Installs of 6 s started at random moments, polled every 1 s by
 * one compiled `vibflow worker` process: for each, the time from the simulated job reaching 100 %
 * to the workflow completing (its close time). Several runs, each in two ways: unwatched, as a
 * rollout's children are, and watched, each install followed like `vibflow install --wait` does
 * (its progress query every second). Target: p99 <= poll interval + 0.5 s in every run.
 * Usage: npx ts-node bench/detection.ts [installs] [pollSeconds] [runs]
 */
import type { WorkflowHandle } from '@temporalio/client';
import { followInstall, startInstall } from '../src/api/installs';
import type { Simulator } from '../src/simulator';
import { compileProject, spawnCompiledWorker } from './compiledWorker';
import { eventMs } from './events';
import { median, percentile, printFigures } from './figures';
import { withStack, type Stack } from './stack';

type Follow = 'unwatched' | 'watched';

interface RunFigures {
  readonly latencies: number[];
  /** Workflow tasks the server had to time out (a task the worker lost); each costs the timeout. */
  readonly lostTasks: number;
  readonly slowestTrail: string;
}

async function trail(handle: WorkflowHandle, jobEnd: number): Promise<string> {
  const events = (await handle.fetchHistory()).events ?? [];
  return events.slice(-12).map((e) =>
    `${((eventMs(e) - jobEnd) / 1000).toFixed(2).padStart(6)} s  ${Object.keys(e).find((k) => k.endsWith('Attributes'))?.replace('EventAttributes', '')}`).join('\n');
}

async function detectionRun(stack: Stack, follow: Follow, run: number, pollSeconds: number): Promise<RunFigures> {
  const { simulator, client, taskQueue, bundleUri } = stack;
  const uri = await bundleUri(`detect-${follow}-${run}`);
  const handles = await Promise.all(simulator.inventory.hosts.map(async (host) => {
    // Random phase between a job's end and the next poll.
    await new Promise((resolve) => setTimeout(resolve, Math.random() * 5_000));
    return startInstall(client, { host, bundleUri: uri, pollInterval: `${pollSeconds}s` }, taskQueue);
  }));
  await Promise.all(handles.map((handle) => (follow === 'watched' ? followInstall(handle, () => undefined) : handle.result())));
  const jobEnd = (index: number) => lastJobEnd(simulator, index);
  const latencies = await Promise.all(handles.map(async (handle, index) => {
    const closed = (await handle.describe()).closeTime?.getTime() ?? NaN;
    return (closed - jobEnd(index)) / 1000;
  }));
  const histories = await Promise.all(handles.map((handle) => handle.fetchHistory()));
  const lostTasks = histories.flatMap((h) => h.events ?? []).filter((e) => e.workflowTaskTimedOutEventAttributes).length;
  const slowest = latencies.indexOf(Math.max(...latencies));
  return { latencies, lostTasks, slowestTrail: await trail(handles[slowest], jobEnd(slowest)) };
}

function lastJobEnd(simulator: Simulator, hostIndex: number): number {
  const jobs = simulator.stats().hosts[simulator.inventory.hosts[hostIndex].name].jobs;
  return jobs[jobs.length - 1].endedAt;
}

async function main(): Promise<void> {
  const [installs = 100, pollSeconds = 1, runs = 5] = process.argv.slice(2).map(Number);
  const target = pollSeconds + 0.5;
  compileProject();
  await withStack({ hosts: installs, basePort: 0, addressBase: '127.47.0.1', installSeconds: 6 }, 'external', async (stack) => {
    const worker = await spawnCompiledWorker({ taskQueue: stack.taskQueue, address: stack.temporal.address, ...(stack.bundlePath ? { bundlePath: stack.bundlePath } : {}) });
    try {
      const rows: [string, string][] = [];
      for (const follow of ['unwatched', 'watched'] as const) {
        const results: RunFigures[] = [];
        for (let run = 1; run <= runs; run++) results.push(await detectionRun(stack, follow, run, pollSeconds));
        const slowest = results.reduce((a, b) => (Math.max(...b.latencies) > Math.max(...a.latencies) ? b : a));
        process.stdout.write(`\n${follow}: slowest install's last events (seconds after its job ended):\n${slowest.slowestTrail}\n`);
        const p99s = results.map((r) => percentile(r.latencies, 99));
        rows.push(
          [`${follow}: median per run`, results.map((r) => median(r.latencies).toFixed(2)).join(', ') + ' s'],
          [`${follow}: p99 per run`, `${p99s.map((p) => p.toFixed(2)).join(', ')} s`],
          [`${follow}: max per run`, results.map((r) => Math.max(...r.latencies).toFixed(2)).join(', ') + ' s'],
          [`${follow}: lost workflow tasks per run`, results.map((r) => r.lostTasks).join(', ')],
          [`${follow}: runs with p99 <= ${target} s`, `${p99s.filter((p) => p <= target).length} of ${runs}`],
        );
      }
      printFigures(`detection latency: ${installs} installs, ${pollSeconds} s polls, job at 100 % -> workflow closed (${stack.temporal.label})`, rows);
    } finally {
      await worker.stop();
    }
  });
}

main().catch((err) => {
  process.stderr.write(`${err instanceof Error ? err.stack : String(err)}\n`);
  process.exitCode = 1;
});
