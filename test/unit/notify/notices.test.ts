/**
 * The notices a rollout sends, and their bytes: the generic JSON schema (compared with the
 * committed fixtures, so a change of the schema shows as a change of a fixture), the Slack
 * message, the idempotency keys, which moments call for a notice, and the signature.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import {
  awaitingApprovalNotice,
  budgetExceededNotice,
  endedNotice,
  eventsOfMoment,
  hostInMaintenanceNotice,
  MAX_NOTICE_HOSTS,
  noticeKey,
  windowClosingNotice,
  type NoticeContext,
  type RolloutNotice,
} from '../../../src/notify/notices';
import { noticeBody, slackMessage } from '../../../src/notify/render';
import { signature, verifySignature } from '../../../src/notify/signature';
import { totalsOf, type HostRow, type RolloutProgress, type RolloutResult } from '../../../src/workflows/rolloutState';

const FIXTURES = path.resolve(__dirname, '../../fixtures/notifications');
const context: NoticeContext = {
  rolloutId: 'fw-2.0',
  workflowId: 'vibflow-rollout:fw-2.0',
  firstRunId: '0192f0c4-7d1e-7a3b-9c55-2f1d8e6a4b10',
  namespace: 'default',
  webUi: 'https://temporal.example.com/',
};
const AT = Date.parse('2026-11-28T02:14:00Z');

const row = (host: string, state: HostRow['state'], more: Partial<HostRow> = {}): HostRow => ({ host, state, attempt: state === 'pending' ? 0 : 1, ...more });
function progress(rows: HostRow[], phase: RolloutProgress['phase']): RolloutProgress {
  return { rolloutId: context.rolloutId, work: 'install', phase, paused: false, totals: totalsOf(rows), rows, runs: 1 };
}

/** The fixture's JSON, or (VIBFLOW_RECORD_NOTICES=1) the notice written as the new fixture. */
function fixture(name: string, notice: RolloutNotice): unknown {
  const file = path.join(FIXTURES, `${name}.json`);
  if (process.env.VIBFLOW_RECORD_NOTICES) writeFileSync(file, `${JSON.stringify(JSON.parse(noticeBody(notice, 'json')), null, 2)}\n`);
  return JSON.parse(readFileSync(file, 'utf8'));
}

describe('rollout notices', () => {
  const canary = progress([
    row('esx-001', 'succeeded', { outcome: 'succeeded-reboot-required', installWorkflowId: 'vibflow-rollout:fw-2.0:install:esx-001' }),
    row('esx-002', 'pending'),
    row('esx-003', 'pending'),
  ], 'canary');

  it('awaiting approval: the canary results and the exact approve command, as in the fixture', () => {
    const notice = awaitingApprovalNotice(context, AT, canary);
    expect(JSON.parse(noticeBody(notice, 'json'))).toEqual(fixture('awaiting-approval', notice));
    expect(notice).toMatchObject({
      version: 1,
      event: 'awaiting-approval',
      idempotencyKey: 'vibflow:fw-2.0:0192f0c4:awaiting-approval',
      approveCommand: 'vibflow rollout approve fw-2.0',
      // Told at the turn the canary ends: the phase the rollout enters.
      phase: 'awaiting-approval',
      hosts: [{ host: 'esx-001', state: 'succeeded' }],
      links: { webUi: 'https://temporal.example.com/namespaces/default/workflows/vibflow-rollout%3Afw-2.0' },
    });
    expect(awaitingApprovalNotice({ ...context, namespace: 'ops' }, AT, canary).approveCommand).toBe('vibflow rollout approve fw-2.0 --namespace ops');
  });

  it('a failed rollout: the failed hosts with their reasons, and hosts left in maintenance mode', () => {
    const rows = [
      row('esx-001', 'succeeded'),
      row('esx-002', 'failed', { outcome: 'failed', error: '[InstallationError] no space left on the device (CIM_ERR_FAILED)' }),
      row('esx-003', 'skipped'),
      row('esx-004', 'succeeded', { inMaintenanceMode: true, maintenanceNote: 'kept in maintenance mode by the policy' }),
    ];
    const result: RolloutResult = { ...progress(rows, 'done'), reason: 'failure-budget-exceeded', outcome: 'failed' };
    const notice = endedNotice(context, AT, result);
    expect(JSON.parse(noticeBody(notice, 'json'))).toEqual(fixture('rollout-failed', notice));
    expect(notice.event).toBe('rollout-failed');
    expect(notice.title).toBe('rollout fw-2.0 failed (failure-budget-exceeded): 2 succeeded, 1 failed, 1 skipped, 1 in maintenance mode of 4 hosts');
    expect(notice.hosts.map((h) => [h.host, h.reason ?? h.maintenanceNote])).toEqual([
      ['esx-002', '[InstallationError] no space left on the device (CIM_ERR_FAILED)'],
      ['esx-004', 'kept in maintenance mode by the policy'],
    ]);
    const ended = endedNotice(context, AT, { ...result, reason: 'completed', outcome: 'completed-with-failures' });
    expect([ended.event, ended.outcome, ended.idempotencyKey]).toEqual(['rollout-ended', 'completed-with-failures', 'vibflow:fw-2.0:0192f0c4:rollout-ended']);
  });

  it('budget exceeded while hosts still run: the failed hosts, the budget, as in the fixture', () => {
    const rows = [
      row('esx-001', 'succeeded'),
      row('esx-002', 'failed', { outcome: 'failed', error: '[InstallationError] no space left on the device (CIM_ERR_FAILED)' }),
      row('esx-003', 'running'),
      row('esx-004', 'pending'),
    ];
    const notice = budgetExceededNotice(context, AT, progress(rows, 'draining'), 0);
    expect(JSON.parse(noticeBody(notice, 'json'))).toEqual(fixture('budget-exceeded', notice));
    expect(notice).toMatchObject({ event: 'budget-exceeded', maxFailures: 0, idempotencyKey: 'vibflow:fw-2.0:0192f0c4:budget-exceeded', hosts: [{ host: 'esx-002', reason: '[InstallationError] no space left on the device (CIM_ERR_FAILED)' }] });
  });

  it('the end: totals, outcome and the Web UI link, as in the fixture', () => {
    const rows = [row('esx-001', 'succeeded'), row('esx-002', 'succeeded', { outcome: 'succeeded-reboot-required' }), row('esx-003', 'succeeded')];
    const notice = endedNotice(context, AT, { ...progress(rows, 'done'), reason: 'completed', outcome: 'succeeded' });
    expect(JSON.parse(noticeBody(notice, 'json'))).toEqual(fixture('rollout-ended', notice));
    expect(notice).toMatchObject({ event: 'rollout-ended', outcome: 'succeeded', reason: 'completed', hosts: [], totals: { hosts: 3, succeeded: 3 } });
    expect(notice.title).toBe('rollout fw-2.0 ended succeeded (completed): 3 succeeded of 3 hosts');
    expect(notice.links.webUi).toBe('https://temporal.example.com/namespaces/default/workflows/vibflow-rollout%3Afw-2.0');
  });

  it('a rollout that failed outside its hosts says its category and reason', () => {
    const result: RolloutResult = { ...progress([], 'done'), reason: 'error', outcome: 'failed', failure: { category: 'HostSourceUnavailable', message: 'vCenter vc01 does not answer' } };
    const notice = endedNotice(context, AT, result);
    expect(notice.title).toBe('rollout fw-2.0 failed (HostSourceUnavailable: vCenter vc01 does not answer): no hosts of 0 hosts');
    expect(notice.failure).toEqual(result.failure);
  });

  it('lists at most MAX_NOTICE_HOSTS hosts, cuts long reasons, and counts the rest', () => {
    const rows = Array.from({ length: 45 }, (_, i) => row(`esx-${String(i).padStart(3, '0')}`, 'failed', { error: 'x'.repeat(1_000) }));
    const notice = budgetExceededNotice(context, AT, progress([...rows, row('esx-900', 'running')], 'draining'), 0);
    expect(notice.hosts).toHaveLength(MAX_NOTICE_HOSTS);
    expect(notice.hostsOmitted).toBe(45 - MAX_NOTICE_HOSTS);
    expect(notice.hosts[0].reason).toHaveLength(300);
    expect(notice.title).toBe('rollout fw-2.0: error budget exceeded (45 failed, budget 0); no new host starts, 1 host still running');
    expect(noticeBody(notice, 'json').length).toBeLessThan(12_000);
  });

  it('a host in maintenance mode: one key per host and attempt, and a link to its remediation', () => {
    const host = row('esx-007', 'failed', { attempt: 2, inMaintenanceMode: true, maintenanceNote: 'verification failed: drv 1.0 installed, 2.0 expected', installWorkflowId: 'vibflow-rollout:fw-2.0:remediate:esx-007', cluster: 'prod' });
    const notice = hostInMaintenanceNotice(context, AT, progress([host], 'rolling'), host);
    expect(JSON.parse(noticeBody(notice, 'json'))).toEqual(fixture('host-in-maintenance', notice));
    expect(notice.idempotencyKey).toBe('vibflow:fw-2.0:0192f0c4:host-in-maintenance:esx-007:2');
    expect(notice.links.host).toBe('https://temporal.example.com/namespaces/default/workflows/vibflow-rollout%3Afw-2.0%3Aremediate%3Aesx-007');
  });

  it('the window closing: the hosts still to do and the window times', () => {
    const rows = [row('esx-001', 'succeeded'), row('esx-002', 'running'), row('esx-003', 'pending'), row('esx-004', 'pending')];
    const notice = windowClosingNotice(context, AT, progress(rows, 'draining'), { startsUntil: AT, endsAt: AT + 30 * 60_000 });
    expect(JSON.parse(noticeBody(notice, 'json'))).toEqual(fixture('window-closing', notice));
    expect(notice.title).toBe('rollout fw-2.0: the patch window is closing with 2 hosts still to do; no new host starts, 1 host still running (window ends 2026-11-28T02:44:00.000Z)');
  });

  it('keys: the same state gives the same key, another state or another rollout under the same id another', () => {
    expect(noticeKey(context, 'rollout-ended')).toBe(noticeKey({ ...context }, 'rollout-ended'));
    expect(noticeKey(context, 'host-in-maintenance', 'esx-1:1')).not.toBe(noticeKey(context, 'host-in-maintenance', 'esx-1:2'));
    expect(noticeKey(context, 'rollout-ended')).not.toBe(noticeKey({ ...context, firstRunId: 'ffffffff-0000' }, 'rollout-ended'));
  });
});

describe('which moments call for a notice', () => {
  const calm = { awaitingApproval: false, budgetExceeded: false, windowClosed: false, hostsToDo: 3, running: 1 };
  it('approval, budget and window; budget and window only while hosts still run (else the end says it)', () => {
    expect(eventsOfMoment(calm)).toEqual([]);
    expect(eventsOfMoment({ ...calm, awaitingApproval: true, running: 0 })).toEqual(['awaiting-approval']);
    expect(eventsOfMoment({ ...calm, budgetExceeded: true })).toEqual(['budget-exceeded']);
    expect(eventsOfMoment({ ...calm, budgetExceeded: true, running: 0 })).toEqual([]);
    expect(eventsOfMoment({ ...calm, windowClosed: true })).toEqual(['window-closing']);
    expect(eventsOfMoment({ ...calm, windowClosed: true, hostsToDo: 0 })).toEqual([]);
  });
});

describe('the Slack-compatible message', () => {
  it('has text for Mattermost and blocks for Slack, with the approve command and the link, markup escaped', () => {
    const rows = [row('esx-<1>', 'failed', { error: 'a & b' }), row('esx-002', 'pending')];
    const message = slackMessage(awaitingApprovalNotice(context, AT, progress(rows, 'awaiting-approval')));
    expect(message.text).toBe(
      'rollout fw-2.0 awaits approval after its canary: 0 succeeded, 1 failed\n- esx-<1>: failed: a & b\nApprove: vibflow rollout approve fw-2.0\n' +
        'Web UI: https://temporal.example.com/namespaces/default/workflows/vibflow-rollout%3Afw-2.0',
    );
    const texts = JSON.stringify(message.blocks);
    expect(texts).toContain('esx-&lt;1&gt;: failed: a &amp; b');
    expect(texts).toContain('Approve with: `vibflow rollout approve fw-2.0`');
    expect(texts).toContain('<https://temporal.example.com/namespaces/default/workflows/vibflow-rollout%3Afw-2.0|Open the rollout in the Temporal Web UI>');
    expect(message.blocks[0]).toEqual({ type: 'header', text: { type: 'plain_text', text: 'Rollout awaits approval: fw-2.0' } });
    expect(JSON.parse(noticeBody(awaitingApprovalNotice(context, AT, progress(rows, 'awaiting-approval')), 'slack'))).toEqual(message);
  });
});

describe('signatures', () => {
  const body = '{"event":"rollout-ended"}';
  it('sign timestamp and body; verify within the tolerance only, with the right key, for the same bytes', () => {
    const sig = signature('k3y', 1_764_296_040, body);
    expect(sig).toMatch(/^sha256=[0-9a-f]{64}$/);
    expect(verifySignature('k3y', { signature: sig, timestamp: '1764296040' }, body, 1_764_296_100)).toBe(true);
    expect(verifySignature('k3y', { signature: sig, timestamp: '1764296040' }, body, 1_764_296_040 + 301)).toBe(false);
    expect(verifySignature('other', { signature: sig, timestamp: '1764296040' }, body, 1_764_296_100)).toBe(false);
    expect(verifySignature('k3y', { signature: sig, timestamp: '1764296040' }, `${body} `, 1_764_296_100)).toBe(false);
    expect(verifySignature('k3y', { signature: sig, timestamp: '1764296041' }, body, 1_764_296_100)).toBe(false);
    expect(verifySignature('k3y', { timestamp: '1764296040' }, body, 1_764_296_100)).toBe(false);
  });

  it('is the HMAC-SHA256 a receiver computes with any tool', () => {
    // echo -n '1764296040.{"event":"rollout-ended"}' | openssl dgst -sha256 -hmac k3y
    expect(signature('k3y', 1_764_296_040, body)).toBe('sha256=1d3a1a23a2ab32dc55d2d0cf5a43517b8363edc0d5e304165a09896eba2cd728');
  });
});

