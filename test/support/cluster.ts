/**
 * Helpers for tests on the real cluster: the `vibflow cluster` command as a child process (so its
 * processes must outlive it), free ports for a private cluster, and a meter of the longest pause in
 * the hosts' traffic.
 */
import { spawn } from 'node:child_process';
import path from 'node:path';
import type { ClusterPorts } from '../../src/devserver/cluster/layout';
import { portInUse } from '../../src/devserver/cluster/readiness';
import type { Simulator } from '../../src/simulator';

const BIN = path.resolve(__dirname, '../../bin/vibflow.js');

export interface CliResult {
  readonly status: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** `vibflow cluster ARGS...`, asynchronously: a simulator in the test process keeps serving meanwhile. */
export function clusterCli(args: readonly string[], timeoutMs = 300_000): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, 'cluster', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.once('error', reject);
    child.once('exit', (status) => {
      clearTimeout(timer);
      resolve({ status, stdout, stderr });
    });
  });
}

/** Ports for a private cluster: a random block of loopback ports none of which is taken. */
export async function freeClusterPorts(): Promise<ClusterPorts> {
  for (let attempt = 0; attempt < 20; attempt++) {
    const base = 20_000 + Math.floor(Math.random() * 1_200) * 10; // node ports below 32768 (MAX_FIRST_NODE_PORT)
    const ports: ClusterPorts = { client: base, ui: base + 1, postgres: base + 2, nodes: base + 10 };
    const all = [base, base + 1, base + 2, ...Array.from({ length: 20 }, (_, i) => base + 10 + i)];
    const taken = await Promise.all(all.map((port) => portInUse('127.0.0.1', port)));
    if (!taken.includes(true)) return ports;
  }
  throw new Error('no free block of 30 loopback ports found in 20 tries');
}

export const portFlags = (ports: ClusterPorts): string[] =>
  ['--port', ports.client, '--ui-port', ports.ui, '--pg-port', ports.postgres, '--node-ports', ports.nodes].map(String);

/**
 * Samples the simulator's request counters. Every discovery, InstallFromURI and poll counts as
 * progress, so a pause in a host's requests is a stalled install, and a pause in the whole fleet's
 * a stalled rollout.
 */
export class ProgressGapMeter {
  /** Per host and for the fleet ('*'): request count, when it last changed, and the pauses seen. */
  private readonly tracks = new Map<string, { count: number; changedAt: number; gaps: { endedAt: number; ms: number }[] }>();
  private readonly timer: NodeJS.Timeout;

  constructor(private readonly simulator: Simulator, everyMs = 100) {
    this.timer = setInterval(() => this.sample(), everyMs);
  }

  private sample(): void {
    const now = Date.now();
    const stats = this.simulator.stats();
    const counts: [string, number][] = Object.entries(stats.hosts).map(([host, h]) => [host, Object.values(h.operations).reduce((a, b) => a + b, 0)]);
    counts.push(['*', stats.fleet.requests]);
    for (const [key, count] of counts) {
      const track = this.tracks.get(key);
      if (!track) {
        this.tracks.set(key, { count, changedAt: now, gaps: [] });
      } else if (count !== track.count) {
        // A host's pause counts only once it has begun (its first request), not while it waits its turn.
        if (track.count > 0) track.gaps.push({ endedAt: now, ms: now - track.changedAt });
        track.count = count;
        track.changedAt = now;
      }
    }
  }

  /** The longest pause that ended between FROM and TO (epoch ms): of the fleet, and of any one host. */
  longestGaps(from: number, to = Number.POSITIVE_INFINITY): { fleetMs: number; hostMs: number; host: string } {
    const longest = (key: string) =>
      Math.max(0, ...(this.tracks.get(key)?.gaps ?? []).filter((g) => g.endedAt > from && g.endedAt <= to).map((g) => g.ms));
    const hosts = [...this.tracks.keys()].filter((key) => key !== '*');
    const worst = hosts.reduce((a, b) => (longest(b) > longest(a) ? b : a), hosts[0] ?? '');
    return { fleetMs: longest('*'), hostMs: longest(worst), host: worst };
  }

  stop(): void {
    clearInterval(this.timer);
  }
}
