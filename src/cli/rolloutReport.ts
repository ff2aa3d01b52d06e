/**
 * A rollout in words: the totals, how it ended, and the per-host report as a table (fitted to a
 * terminal when there is one), CSV or JSON. CSV and JSON carry every error in full.
 */
import { outcomeLabel } from '../workflows/remediationResult';
import { copyLine, stagingLine, type HostRow, type RolloutProgress, type RolloutResult, type RolloutTotals } from '../workflows/rolloutState';
import { fit } from './liveBlock';

export const REPORT_FORMATS = ['table', 'csv', 'json'] as const;
export type ReportFormat = (typeof REPORT_FORMATS)[number];

const isResult = (state: RolloutProgress | RolloutResult): state is RolloutResult => 'reason' in state;

/** "5/6 done: 4 succeeded, 1 failed, 1 running; 1 in maintenance mode" (counts that are zero left out). */
export function totalsText(totals: RolloutTotals): string {
  const { hosts, running, pending, inMaintenanceMode = 0, rebootPending = 0, ...ended } = totals;
  const counts = [...Object.entries(ended), ['running', running] as const, ['pending', pending] as const]
    .filter(([, count]) => count > 0)
    .map(([state, count]) => `${count} ${state}`);
  // Said of hosts already counted by state: a host can be succeeded and still in maintenance mode.
  const notes = [
    ...(inMaintenanceMode ? [`${inMaintenanceMode} in maintenance mode`] : []),
    ...(rebootPending ? [`${rebootPending} ${outcomeLabel('installed-reboot-pending')}`] : []),
  ];
  return `${hosts - running - pending}/${hosts} done${counts.length ? `: ${counts.join(', ')}` : ''}${notes.length ? `; ${notes.join(', ')}` : ''}`;
}

/** "completed (completed-with-failures)", "aborted (aborted): change freeze", or the live phase. */
export function stateText(state: RolloutProgress | RolloutResult): string {
  if (!isResult(state)) return `${state.phase}${state.paused && state.phase !== 'paused' ? ' (paused)' : ''}`;
  if (state.failure) return `${state.reason} (${state.outcome}): ${state.failure.category}: ${state.failure.message}`;
  return `${state.reason} (${state.outcome})${state.abortReason ? `: ${state.abortReason}` : ''}`;
}

/** The two lines under a table, and what `status` says of a rollout. */
export function rolloutSummary(state: RolloutProgress | RolloutResult): string[] {
  const staging = state.staging;
  const uploading = staging?.state === 'uploading' ? staging.copies.filter((c) => c.state !== 'staged' && c.state !== 'reused') : [];
  return [
    ...(staging ? [stagingLine(staging), ...uploading.slice(0, 5).map((c) => `  ${copyLine(c)}`)] : []),
    `rollout ${state.rolloutId}: ${totalsText(state.totals)}`,
    ...(state.vcenters ?? []).map((v) => `  vCenter ${v.name}: ${v.unreadable ? `not read (${v.unreadable}); ` : ''}${totalsText(v.totals)}`),
    `${isResult(state) ? 'ended' : 'now'}: ${stateText(state)}`,
  ];
}

interface Column {
  readonly name: string;
  readonly value: (row: HostRow) => string;
  /** Shown only when some row has a value (hosts from vCenter, remediation, expected VIBs, maintenance mode). */
  readonly optional?: boolean;
}

const vibsText = (row: HostRow) =>
  (row.vibs ?? []).map((v) => `${v.name} ${v.found ?? 'missing'}${v.expected && v.found !== v.expected ? ` (want ${v.expected})` : ''}`).join(', ');

/** "entered after 2 attempts", "still in: ... was in maintenance mode before ...": only for hosts whose maintenance mode is worth a word. */
function maintenanceText(row: HostRow): string {
  const tries = row.maintenanceAttempts ?? 0;
  const attempts = tries > 1 ? (row.maintenanceEnteredAt ? `entered after ${tries} attempts` : `not entered in ${tries} attempts`) : '';
  if (row.inMaintenanceMode) return `still in${attempts ? ` (${attempts})` : ''}: ${row.maintenanceNote ?? ''}`;
  return attempts;
}

// The error comes last: it is the column shortened to fit a terminal.
const ALL_COLUMNS: readonly Column[] = [
  { name: 'host', value: (r) => r.host },
  { name: 'vcenter', value: (r) => r.vcenter ?? '', optional: true },
  { name: 'cluster', value: (r) => (r.cluster === undefined ? '' : (r.cluster ?? '(standalone)')), optional: true },
  { name: 'state', value: (r) => r.state },
  { name: 'step', value: (r) => r.step ?? '', optional: true },
  { name: 'attempt', value: (r) => String(r.attempt) },
  { name: 'outcome', value: (r) => (r.outcome ? outcomeLabel(r.outcome) : '') },
  { name: 'verified', value: (r) => (r.verified === undefined ? '' : r.verified ? 'yes' : r.rebootPending ? 'no (reboot pending)' : 'no'), optional: true },
  { name: 'maintenance mode', value: maintenanceText, optional: true },
  { name: 'vibs', value: vibsText, optional: true },
  { name: 'datastore', value: (r) => (r.datastore === undefined ? '' : (r.datastore ?? '(none)')), optional: true },
  { name: 'reboot', value: (r) => (r.rebootPredicted === undefined ? '' : r.rebootPredicted ? 'predicted' : 'no'), optional: true },
  { name: 'error', value: (r) => r.error ?? '' },
];

function columnsFor(rows: readonly HostRow[]): Column[] {
  return ALL_COLUMNS.filter((column) => !column.optional || rows.some((row) => column.value(row) !== ''));
}

function csv(state: RolloutProgress | RolloutResult): string {
  const quote = (v: string) => (/[",\r\n]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v);
  const columns = columnsFor(state.rows);
  // The last row says how the rollout ended (or where it is), in the same columns.
  const [stateColumn, outcomeColumn, errorColumn] = ['state', 'outcome', 'error'].map((name) => columns.findIndex((c) => c.name === name));
  const ending = columns.map(() => '');
  ending[0] = '(rollout)';
  ending[stateColumn] = isResult(state) ? state.reason : state.phase;
  ending[outcomeColumn] = isResult(state) ? state.outcome : state.paused ? 'paused' : '';
  ending[errorColumn] = isResult(state) ? (state.failure ? `${state.failure.category}: ${state.failure.message}` : (state.abortReason ?? '')) : '';
  return [columns.map((c) => c.name), ...state.rows.map((r) => columns.map((c) => c.value(r))), ending].map((r) => r.map(quote).join(',')).join('\n') + '\n';
}

/** `width`: a terminal's; the error column is shortened to fit it. Without, nothing is cut. */
function table(state: RolloutProgress | RolloutResult, width?: number): string {
  const columns = columnsFor(state.rows);
  const names = columns.map((c) => c.name);
  const rows = state.rows.map((r) => columns.map((c) => c.value(r).replace(/\s+/g, ' ')));
  const widths = names.map((c, i) => Math.max(c.length, ...rows.map((r) => r[i].length)));
  const errorWidth = width === undefined ? Infinity : Math.max(12, width - 1 - widths.slice(0, -1).reduce((sum, w) => sum + w + 2, 0));
  const shortened = rows.some((r) => (r.at(-1) as string).length > errorWidth);
  const line = (values: readonly string[]) =>
    values.map((v, i) => (i === values.length - 1 ? fit(v, errorWidth) : v.padEnd(widths[i]))).join('  ').trimEnd();
  return [
    line(names),
    line(widths.map((w, i) => '-'.repeat(i === widths.length - 1 ? Math.min(w, errorWidth) : w))),
    ...rows.map(line),
    ...(shortened ? ['(errors shortened to fit the terminal: --format csv or json has them in full)'] : []),
    '',
    ...rolloutSummary(state),
  ].join('\n') + '\n';
}

export function formatReport(state: RolloutProgress | RolloutResult, format: ReportFormat, width?: number): string {
  if (format === 'json') return `${JSON.stringify(state, null, 2)}\n`;
  return format === 'csv' ? csv(state) : table(state, width);
}
