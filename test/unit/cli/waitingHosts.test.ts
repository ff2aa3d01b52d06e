/** Which vCenter's hosts wait and retry, since when: grouped per vCenter for status and the live view. */
import { PassThrough } from 'node:stream';
import { waitingByVcenter, waitingText, type LiveHost } from '../../../src/cli/liveHosts';
import { createRolloutView } from '../../../src/cli/rolloutView';
import { totalsOf, type HostRow, type RolloutProgress } from '../../../src/workflows/rolloutState';

const rows: HostRow[] = [
  { host: 'vc-1/esx-001', vcenter: 'vc-1', state: 'running', attempt: 1 },
  { host: 'vc-2/esx-001', vcenter: 'vc-2', state: 'running', attempt: 1 },
  { host: 'vc-2/esx-002', vcenter: 'vc-2', state: 'running', attempt: 1 },
  { host: 'vc-2/esx-003', vcenter: 'vc-2', state: 'succeeded', attempt: 1 },
];
const progress: RolloutProgress = { rolloutId: 'r1', work: 'remediation', phase: 'rolling', paused: false, totals: totalsOf(rows), rows, runs: 1 };

function retrying(since: string, attempt: number, lastError = 'vCenter https://127.0.0.1:8989/sdk did not answer in 30 s'): LiveHost {
  return { step: 'rebooting', percent: 100, activity: 'rebooting', retrying: { activity: 'rebootHost', attempt, lastError, since } };
}

describe('hosts waiting for their vCenter', () => {
  test('grouped per vCenter, the longest-waiting host\'s retry shown; hosts that do not retry, or are done, left out', () => {
    const live = new Map<string, LiveHost>([
      ['vc-1/esx-001', { step: 'installing', percent: 40, activity: 'installing' }],
      ['vc-2/esx-001', retrying('2026-12-02T12:00:05.000Z', 3)],
      ['vc-2/esx-002', retrying('2026-12-02T12:00:01.000Z', 5)],
      ['vc-2/esx-003', retrying('2026-12-02T11:00:00.000Z', 9)],
    ]);
    const waiting = waitingByVcenter(progress, live);
    expect(waiting).toEqual([{ vcenter: 'vc-2', hosts: ['vc-2/esx-001', 'vc-2/esx-002'], retry: expect.objectContaining({ since: '2026-12-02T12:00:01.000Z', attempt: 5 }) }]);
    expect(waitingText(waiting[0])).toBe('vCenter vc-2: 2 hosts waiting (vc-2/esx-001, vc-2/esx-002), retrying since 2026-12-02T12:00:01.000Z: rebootHost attempt 5, last error: vCenter https://127.0.0.1:8989/sdk did not answer in 30 s');
  });

  test('a rollout of one vCenter (no vcenter on its rows) says "hosts"; more than five hosts are cut', () => {
    const many = Array.from({ length: 7 }, (_, i): HostRow => ({ host: `esx-00${i + 1}`, state: 'running', attempt: 1 }));
    const live = new Map(many.map((r) => [r.host, retrying('2026-12-02T12:00:00.000Z', 2)]));
    const [waiting] = waitingByVcenter({ ...progress, rows: many, totals: totalsOf(many) }, live);
    expect(waiting.vcenter).toBeUndefined();
    expect(waitingText(waiting)).toMatch(/^hosts: 7 hosts waiting \(esx-001, esx-002, esx-003, esx-004, esx-005, \.\.\.\), retrying since/);
  });

  test('plain lines: a new line when who waits changes, not at every retry attempt', () => {
    const out = new PassThrough();
    let text = '';
    out.on('data', (chunk: Buffer) => (text += chunk.toString()));
    const view = createRolloutView(out as unknown as NodeJS.WriteStream);
    view.update(progress, new Map());
    view.update(progress, new Map([['vc-2/esx-001', retrying('2026-12-02T12:00:05.000Z', 2)]]));
    view.update(progress, new Map([['vc-2/esx-001', retrying('2026-12-02T12:00:05.000Z', 3, 'socket hang up')]]));
    // Two vCenters waiting: the second one's hosts count too.
    view.update(progress, new Map([['vc-1/esx-001', retrying('2026-12-02T12:00:09.000Z', 2)], ['vc-2/esx-001', retrying('2026-12-02T12:00:05.000Z', 4)]]));
    view.update(progress, new Map([['vc-1/esx-001', retrying('2026-12-02T12:00:09.000Z', 3)], ['vc-2/esx-001', retrying('2026-12-02T12:00:05.000Z', 5)]]));
    view.update(progress, new Map());
    view.stop();
    const lines = text.trimEnd().split('\n');
    expect(lines).toHaveLength(4);
    expect(lines[1]).toMatch(/; waiting: vCenter vc-2: 1 host waiting \(vc-2\/esx-001\), retrying since 2026-12-02T12:00:05.000Z: rebootHost attempt 2/);
    expect(lines[2]).toMatch(/; waiting: vCenter vc-1: 1 host waiting .*; waiting: vCenter vc-2: 1 host waiting .*attempt 4/);
    expect(lines[3]).not.toContain('waiting');
  });
});
