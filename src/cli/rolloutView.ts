/**
 * A rollout as it moves: on a terminal, one bar per installing host plus a totals line; otherwise
 * a plain line whenever the totals change. And the report formats (table, CSV, JSON).
 */
import { MultiBar, type SingleBar } from 'cli-progress';
import type { HostRow, RolloutProgress, RolloutTotals } from '../workflows/rolloutState';

export interface HostProgress {
  readonly percent: number;
  readonly jobStatus: string;
}

export interface RolloutView {
  update(progress: RolloutProgress, live: ReadonlyMap<string, HostProgress>): void;
  stop(): void;
}

const summary = (t: RolloutTotals) =>
  `${t.succeeded + t.failed + t.cancelled}/${t.hosts} done: ${t.succeeded} succeeded, ${t.failed} failed, ${t.cancelled} cancelled, ${t.running} running, ${t.pending} pending${t.skipped ? `, ${t.skipped} skipped` : ''}`;

export function createRolloutView(out: NodeJS.WriteStream = process.stdout): RolloutView {
  return out.isTTY ? new LiveBars(out) : new PlainLines(out);
}

class PlainLines implements RolloutView {
  private last = '';
  constructor(private readonly out: NodeJS.WritableStream) {}
  update(progress: RolloutProgress): void {
    const line = `[${progress.phase}${progress.paused ? ', paused' : ''}] ${summary(progress.totals)}`;
    if (line !== this.last) this.out.write(`${new Date().toISOString().slice(11, 19)} ${line}\n`);
    this.last = line;
  }
  stop(): void {}
}

/** How many host bars fit comfortably; the totals line covers the rest. */
const MAX_BARS = 20;

class LiveBars implements RolloutView {
  private readonly bars: MultiBar;
  private readonly totals: SingleBar;
  private readonly hostBars = new Map<string, SingleBar>();
  constructor(out: NodeJS.WriteStream) {
    this.bars = new MultiBar({ stream: out, format: '{label} [{bar}] {percentage}% {status}', hideCursor: true, clearOnComplete: false, barsize: 24 });
    this.totals = this.bars.create(1, 0, { label: 'rollout'.padEnd(12), status: '' });
  }
  update(progress: RolloutProgress, live: ReadonlyMap<string, HostProgress>): void {
    const t = progress.totals;
    this.totals.setTotal(Math.max(1, t.hosts));
    this.totals.update(t.succeeded + t.failed + t.cancelled, { status: `${progress.phase}${progress.paused ? ' (paused)' : ''}: ${summary(t)}` });
    const running = progress.rows.filter((r) => r.state === 'running').slice(0, MAX_BARS);
    for (const [host, bar] of this.hostBars) {
      if (!running.some((r) => r.host === host)) {
        this.bars.remove(bar);
        this.hostBars.delete(host);
      }
    }
    for (const row of running) {
      const state = live.get(row.host);
      const bar = this.hostBars.get(row.host) ?? this.bars.create(100, 0, { label: row.host.padEnd(12), status: '' });
      this.hostBars.set(row.host, bar);
      bar.update(state?.percent ?? 0, { status: state?.jobStatus ?? 'starting' });
    }
  }
  stop(): void {
    this.bars.stop();
  }
}

const COLUMNS = ['host', 'state', 'attempt', 'outcome', 'error'] as const;
const cells = (row: HostRow) => [row.host, row.state, String(row.attempt), row.outcome ?? '', row.error ?? ''];

export function formatReport(progress: RolloutProgress, format: 'table' | 'csv' | 'json'): string {
  if (format === 'json') return `${JSON.stringify(progress, null, 2)}\n`;
  if (format === 'csv') {
    const quote = (v: string) => (/[",\n]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v);
    return [COLUMNS.join(','), ...progress.rows.map((r) => cells(r).map(quote).join(','))].join('\n') + '\n';
  }
  const rows = progress.rows.map((r) => cells(r).map((c) => c.replace(/\s+/g, ' ').slice(0, 90)));
  const widths = COLUMNS.map((c, i) => Math.max(c.length, ...rows.map((r) => r[i].length)));
  const line = (values: readonly string[]) => values.map((v, i) => v.padEnd(widths[i])).join('  ').trimEnd();
  return [line(COLUMNS), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line), '', `rollout ${progress.rolloutId}: ${summary(progress.totals)}`].join('\n') + '\n';
}
