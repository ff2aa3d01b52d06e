import { formatDuration, parseDurationMs } from '../../../src/shared/duration';
import { installWorkflowId } from '../../../src/shared/ids';

describe('parseDurationMs', () => {
  it.each([
    ['10s', 10_000],
    ['250ms', 250],
    ['15m', 900_000],
    ['1h30m', 5_400_000],
    ['2d', 172_800_000],
    ['1.5s', 1_500],
    ['30', 30_000],
    [5, 5_000],
  ])('reads %p as %p ms', (text, ms) => {
    expect(parseDurationMs(text)).toBe(ms);
  });

  it.each(['', 'soon', '10x', '5s extra', '-3s', -1, Number.NaN, null])('refuses %p with a message', (bad) => {
    expect(typeof parseDurationMs(bad)).toBe('string');
  });
});

describe('formatDuration', () => {
  it('prints the largest units first', () => {
    expect(formatDuration(95_000)).toBe('1m35s');
    expect(formatDuration(3_600_000)).toBe('1h');
    expect(formatDuration(400)).toBe('400ms');
  });
});

describe('installWorkflowId', () => {
  it('is stable for the same host and bundle and differs between bundles', () => {
    const a = installWorkflowId('esx-001', 'file:///vmfs/volumes/ds1/tools-1.0.zip');
    expect(installWorkflowId('esx-001', 'file:///vmfs/volumes/ds1/tools-1.0.zip')).toBe(a);
    expect(installWorkflowId('esx-001', 'file:///vmfs/volumes/ds2/tools-1.0.zip')).not.toBe(a);
    expect(installWorkflowId('esx-002', 'file:///vmfs/volumes/ds1/tools-1.0.zip')).not.toBe(a);
    expect(a).toMatch(/^vibflow-install:esx-001:tools-1\.0\.zip:[0-9a-f]{8}$/);
  });
});
