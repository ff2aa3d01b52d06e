/**
 * A rollout as it moves: on a terminal, a totals line and one bar per installing host, redrawn in
 * place; otherwise a plain line whenever the totals change.
 */
import { copyLine, stagingLine, type RolloutProgress } from '../workflows/rolloutState';
import { LiveBlock, progressBar } from './liveBlock';
import { waitingByVcenter, waitingText, type LiveHost } from './liveHosts';
import { stateText, totalsText } from './rolloutReport';

export type HostProgress = Pick<LiveHost, 'percent' | 'activity' | 'retrying'>;

export interface RolloutView {
  update(progress: RolloutProgress, live: ReadonlyMap<string, HostProgress>): void;
  stop(): void;
}

/** How many host bars fit comfortably; the totals line covers the rest. */
export const MAX_BARS = 20;

export function createRolloutView(out: NodeJS.WriteStream = process.stdout): RolloutView {
  return out.isTTY ? new LiveBars(out) : new PlainLines(out);
}

class PlainLines implements RolloutView {
  private last = '';
  constructor(private readonly out: NodeJS.WritableStream) {}
  update(progress: RolloutProgress, live: ReadonlyMap<string, HostProgress>): void {
    // While the bundle is staged, the line follows the uploads (bytes done and rate of each copy).
    const staging = progress.phase === 'staging' && progress.staging
      ? ` | ${stagingLine(progress.staging)}${progress.staging.copies.filter((c) => c.state === 'uploading' || c.state === 'verifying').map((c) => `; ${copyLine(c)}`).join('')}`
      : '';
    const waiting = waitingByVcenter(progress, live);
    const totals = `[${stateText(progress)}] ${totalsText(progress.totals)}${staging}`;
    const line = `${totals}${waiting.map((w) => `; waiting: ${waitingText(w)}`).join('')}`;
    // A line when the totals, the staging or who waits (and since when) change, not at every retry attempt.
    const key = JSON.stringify([totals, waiting.map((w) => [w.vcenter, w.hosts, w.retry.since])]);
    if (key !== this.last) this.out.write(`${new Date().toISOString().slice(11, 19)} ${line}\n`);
    this.last = key;
  }
  stop(): void {}
}

class LiveBars implements RolloutView {
  private readonly block: LiveBlock;
  constructor(out: NodeJS.WriteStream) {
    this.block = new LiveBlock(out);
  }
  update(progress: RolloutProgress, live: ReadonlyMap<string, HostProgress>): void {
    const t = progress.totals;
    const running = progress.rows.filter((r) => r.state === 'running');
    const label = (text: string) => text.padEnd(Math.min(16, Math.max(8, ...running.map((r) => r.host.length))));
    this.block.draw([
      `${label('rollout')} ${progressBar((t.hosts - t.pending - t.running) / Math.max(1, t.hosts))} ${totalsText(t)} | ${stateText(progress)}`,
      ...(progress.staging ? [stagingLine(progress.staging)] : []),
      ...(progress.phase === 'staging' ? (progress.staging?.copies ?? []).slice(0, MAX_BARS).map((c) => `${label(c.datastore)} ${progressBar(c.sizeBytes ? c.bytesDone / c.sizeBytes : 1)} ${copyLine(c)}`) : []),
      ...(progress.vcenters ?? []).map((v) => `${label(v.name)} ${progressBar((v.totals.hosts - v.totals.pending - v.totals.running) / Math.max(1, v.totals.hosts))} ${v.unreadable ? `not read: ${v.unreadable}` : totalsText(v.totals)}`),
      ...running.slice(0, MAX_BARS).map((row) => {
        const host = live.get(row.host);
        return `${label(row.host)} ${progressBar((host?.percent ?? 0) / 100)} ${String(host?.percent ?? 0).padStart(3)}% | ${host?.activity ?? 'starting'}`;
      }),
      ...(running.length > MAX_BARS ? [`... and ${running.length - MAX_BARS} more installing`] : []),
      ...waitingByVcenter(progress, live).map((w) => `waiting: ${waitingText(w)}`),
    ]);
  }
  stop(): void {
    this.block.close();
  }
}
