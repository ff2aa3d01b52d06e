/**
 * Chaos scenarios: a rollout while workers are SIGKILLed at random, the Temporal server is killed
 * and restarted, the network drops requests and hosts reboot. The verdict compares the rollout's
 * report with the simulator's ground truth. Every loop here is bounded.
 */
import type { Client } from '@temporalio/client';
import { rolloutResult, startRollout } from '../../src/api/rollouts';
import type { Simulator } from '../../src/simulator';
import type { RolloutResult } from '../../src/workflows/rolloutState';
import { placeBundle } from './bundles';
import { spawnWorkerProcess, type WorkerProcess } from './workerProcess';

export interface ChaosOptions {
  readonly name: string;
  readonly client: Client;
  readonly simulator: Simulator;
  readonly address: string;
  readonly bundlePath?: string;
  readonly taskQueue: string;
  readonly maxConcurrency: number;
  /** Kill the worker every 2-5 s (random), at most this many times. */
  readonly maxKills: number;
  /** The rollout's failure budget (a rebooted host may legitimately fail). */
  readonly hostsAllowedToFail?: number;
  /** Called once, mid-rollout, for scenario-specific trouble (server restart, host reboot). */
  readonly midway?: () => Promise<void>;
  readonly seed?: number;
}

export interface ChaosSummary {
  readonly scenario: string;
  readonly hosts: number;
  readonly kills: number;
  readonly faults: number;
  readonly outcomesCorrect: number;
  readonly duplicates: number;
  readonly lost: number;
  readonly result: RolloutResult;
}

export async function runChaos(options: ChaosOptions): Promise<ChaosSummary> {
  let random = options.seed ?? 42;
  const next = () => ((random = (random * 1103515245 + 12345) % 2 ** 31), random / 2 ** 31);
  const spawn = () => spawnWorkerProcess({ taskQueue: options.taskQueue, address: options.address, ...(options.bundlePath ? { bundlePath: options.bundlePath } : {}) });
  const bundleUri = await placeBundle(options.simulator, 'file:///vmfs/volumes/datastore1/chaos-1.0.0.zip', [{ name: 'chaos', version: '1.0.0' }]);
  let worker: WorkerProcess = await spawn();
  let finished = false;
  let killer: Promise<void> = Promise.resolve();
  try {
    const handle = await startRollout(
      options.client,
      {
        rolloutId: `chaos-${options.name.replace(/[^A-Za-z0-9]+/g, '-')}-${Date.now().toString(36)}`,
        hosts: options.simulator.inventory.hosts,
        bundleUri,
        pollInterval: '1s',
        maxConcurrency: options.maxConcurrency,
        maxFailures: options.hostsAllowedToFail ?? 0,
      },
      options.taskQueue,
    );
    const ended = rolloutResult(handle).finally(() => (finished = true));
    let kills = 0;
    killer = (async () => {
      while (!finished && kills < options.maxKills) {
        await Promise.race([ended.catch(() => undefined), new Promise((r) => setTimeout(r, 2_000 + next() * 3_000))]);
        if (finished) break;
        worker.kill('SIGKILL');
        await worker.exited;
        kills++;
        if (kills === Math.ceil(options.maxKills / 2) && options.midway) await options.midway();
        worker = await spawn();
      }
    })();
    const result = await ended;
    await killer;
    const stats = options.simulator.stats();
    let outcomesCorrect = 0;
    let duplicates = 0;
    let lost = 0;
    for (const row of result.rows) {
      const host = stats.hosts[row.host];
      const truth = host.jobs.at(-1)?.outcome;
      const reported = row.state === 'succeeded' ? 'succeeded' : row.state;
      if ((truth === 'succeeded' || truth === 'unchanged') === (reported === 'succeeded')) outcomesCorrect++;
      duplicates += Math.max(0, host.installFromUri - 1);
      if (row.state === 'pending' || row.state === 'running' || row.state === 'skipped') lost++;
    }
    return { scenario: options.name, hosts: result.rows.length, kills, faults: stats.fleet.faultsInjected, outcomesCorrect, duplicates, lost, result };
  } finally {
    finished = true;
    await killer.catch(() => undefined);
    await worker.stop();
  }
}

export function chaosTable(summaries: readonly ChaosSummary[]): string {
  const header = ['scenario', 'hosts', 'kills', 'faults', 'outcomes correct', 'duplicates', 'data lost'];
  const rows = summaries.map((s) => [s.scenario, s.hosts, s.kills, s.faults, `${s.outcomesCorrect}/${s.hosts}`, s.duplicates, s.lost].map(String));
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  return [header, ...rows].map((r) => r.map((c, i) => c.padEnd(widths[i])).join('  ')).join('\n');
}
