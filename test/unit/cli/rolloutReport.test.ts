/** The report says how a rollout ended in every format, fits a terminal as a table, and never cuts an error in CSV or JSON. */
import { formatReport, rolloutSummary } from '../../../src/cli/rolloutReport';
import { totalsOf, type HostRow, type RolloutResult } from '../../../src/workflows/rolloutState';

const longError = `[DependencyError] VIB vendor_bootbank_driver_1.2.3 requires esx-base >= 8.0.2, "but" no VIB, provides it, ${'x'.repeat(200)} (the end)`;
const rows: HostRow[] = [
  { host: 'esx-001', state: 'succeeded', attempt: 1, outcome: 'succeeded-reboot-required' },
  { host: 'esx-002', state: 'failed', attempt: 2, outcome: 'failed', error: longError },
  { host: 'esx-003', state: 'skipped', attempt: 0 },
];
const aborted: RolloutResult = {
  rolloutId: 'r1', phase: 'done', paused: false, totals: totalsOf(rows), rows, runs: 1,
  reason: 'aborted', outcome: 'aborted', abortReason: 'change freeze, says Kim',
};

describe('formatReport', () => {
  it('fits the table to a terminal of 80 columns, shortening only errors, and says so', () => {
    const text = formatReport(aborted, 'table', 80);
    for (const line of text.split('\n')) expect(line.length).toBeLessThan(80);
    expect(text).toMatch(/^esx-002 +failed +2 +failed +\[DependencyError\] VIB .*…$/m);
    expect(text).toContain('(errors shortened to fit the terminal: --format csv or json has them in full)');
    expect(text).toContain('rollout r1: 3/3 done: 1 succeeded, 1 failed, 1 skipped\nended: aborted (aborted): change freeze, says Kim\n');
  });

  it('keeps errors whole in a table written to a file', () => {
    expect(formatReport(aborted, 'table')).toContain(longError);
  });

  it('carries every error in full in CSV, and ends with a row saying how the rollout ended', () => {
    const lines = formatReport(aborted, 'csv').trimEnd().split('\n');
    expect(lines[0]).toBe('host,state,attempt,outcome,error');
    expect(lines[2]).toBe(`esx-002,failed,2,failed,"${longError.replace(/"/g, '""')}"`);
    expect(lines.at(-1)).toBe('(rollout),aborted,,aborted,"change freeze, says Kim"');
  });

  it('carries the whole result in JSON', () => {
    expect(JSON.parse(formatReport(aborted, 'json'))).toEqual(aborted);
  });

  it('tells a running rollout by its phase, and each ending by its reason', () => {
    const running = { ...aborted, phase: 'paused' as const, paused: true, totals: totalsOf([...rows.slice(0, 2), { host: 'esx-003', state: 'running', attempt: 1 }]) };
    const { reason: _r, outcome: _o, abortReason: _a, ...progress } = running;
    expect(rolloutSummary(progress)).toEqual(['rollout r1: 2/3 done: 1 succeeded, 1 failed, 1 running', 'now: paused']);
    expect(formatReport(progress, 'csv').trimEnd().split('\n').at(-1)).toBe('(rollout),paused,,paused,');
    for (const [reason, outcome] of [['completed', 'completed-with-failures'], ['failure-budget-exceeded', 'failed'], ['window-closed', 'incomplete']] as const) {
      const { abortReason: _, ...ended } = aborted;
      expect(rolloutSummary({ ...ended, reason, outcome })[1]).toBe(`ended: ${reason} (${outcome})`);
    }
  });
});
