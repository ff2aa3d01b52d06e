/**
 * Notifications end to end: `vibflow rollout --notify` against a real webhook receiver on
 * loopback, a real `vibflow worker` process and the simulator. The webhook URLs carry the run's
 * secret canary as their token, so any history, log or output that held a URL would fail the
 * canary checks (here, and in global teardown for every workflow of the run).
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { Client } from '@temporalio/client';
import { historyToJSON } from '@temporalio/common/lib/proto-utils';
import { rolloutHandle, startRollout } from '../../src/api/rollouts';
import type { RolloutNotice } from '../../src/notify/notices';
import { SIGNATURE_HEADER, TIMESTAMP_HEADER, verifySignature } from '../../src/notify/signature';
import { startSimulator, type Simulator } from '../../src/simulator';
import { rolloutChildId, rolloutProgressQuery } from '../../src/workflows/fleetRollout';
import { placeBundle } from '../support/bundles';
import { vibflow } from '../support/commands';
import { recordHistoryFixture } from '../support/histories';
import { assertNoCanary, CANARY_VARIABLE, decodedPayloads } from '../support/secretCanary';
import { temporalAddress, testClient, uniqueTaskQueue } from '../support/temporal';
import { waitFor } from '../support/waitFor';
import { startWebhookReceiver, type WebhookReceiver } from '../support/webhookReceiver';
import { spawnWorkerProcess, type WorkerProcess } from '../support/workerProcess';

const BUNDLE = 'file:///vmfs/volumes/datastore1/notify-2.0.0.zip';
const KEY = `whk-${randomBytes(16).toString('hex')}`;

describe('rollout notifications', () => {
  const taskQueue = uniqueTaskQueue('notify');
  const stamp = Date.now().toString(36);
  const token = process.env[CANARY_VARIABLE] as string;
  const paths = { json: `/hooks/json/${token}`, slack: `/services/T0/B0/${token}`, hang: `/hooks/hang/${token}` };
  let receiver: WebhookReceiver;
  let simulator: Simulator;
  let dir: string;
  let client: Client;
  const workers: WorkerProcess[] = [];
  const outputs: string[] = [];

  const workerEnv = () => ({
    VIBFLOW_TEST_HOOK: receiver.url(paths.json),
    VIBFLOW_TEST_SLACK: receiver.url(paths.slack),
    VIBFLOW_TEST_HANG: receiver.url(paths.hang),
    VIBFLOW_TEST_HOOK_KEY: KEY,
  });
  const startWorker = async () => {
    const worker = await spawnWorkerProcess({ taskQueue, env: workerEnv(), args: ['--shutdown-grace', '1s'] });
    workers.push(worker);
    return worker;
  };
  const temporal = () => ['--address', temporalAddress(), '--task-queue', taskQueue];
  const rollout = async (...args: string[]) => {
    const run = await vibflow(['rollout', '--inventory', path.join(dir, 'inventory.json'), '--uri', BUNDLE, '--poll', '500ms', ...args, ...temporal()], { timeoutMs: 120_000 });
    outputs.push(run.stdout, run.stderr);
    return run;
  };
  const phase = async (id: string) => (await rolloutHandle(client, id).query(rolloutProgressQuery)).phase;
  /** The notice workflows of a rollout (their ids start with its notices' keys), as the server describes them. */
  const noticeWorkflows = async (rolloutId: string) => {
    const found: { workflowId: string; status: string }[] = [];
    for await (const w of client.workflow.list({ query: `WorkflowType = 'notifyRollout' AND TaskQueue = '${taskQueue}'` })) {
      if (w.workflowId.startsWith(`vibflow-notify:vibflow:${rolloutId}:`)) found.push({ workflowId: w.workflowId, status: (await client.workflow.getHandle(w.workflowId).describe()).status.name });
    }
    return found;
  };
  const notices = (hookPath: string, event?: string) => receiver.accepted(hookPath).map((r) => r.json as unknown as RolloutNotice).filter((n) => !event || n.event === event);

  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'vibflow-notify-'));
    receiver = await startWebhookReceiver();
    simulator = await startSimulator({ hosts: 6, basePort: 0, addressBase: '127.58.0.1', installSeconds: 2, failures: { 'esx-006': 'space' }, inventoryFile: path.join(dir, 'inventory.json') });
    // A real bundle where the hosts read it: VIB notify 2.0.0, not live-installable (a reboot is required).
    await placeBundle(simulator, BUNDLE, [{ name: 'notify', version: '2.0.0' }]);
    client = await testClient();
    await startWorker();
  }, 120_000);

  afterAll(async () => {
    await Promise.all(workers.map((w) => w.stop()));
    await simulator?.stop();
    await receiver?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('tells "awaiting approval" once, after the canary, through three refusals and a killed worker; a receiver that hangs holds nothing', async () => {
    const id = `approve-${stamp}`;
    receiver.behave(paths.json, { kind: 'refuse-first', count: 3 });
    receiver.behave(paths.hang, { kind: 'hang' });
    const started = await rollout('--hosts', 'esx-001,esx-002,esx-003', '--canary', '1', '--approve-after-canary', '--max-concurrency', '2', '--id', id,
      '--notify', 'env:VIBFLOW_TEST_HOOK', '--notify', 'slack:env:VIBFLOW_TEST_SLACK', '--notify', 'slack:env:VIBFLOW_TEST_HANG',
      '--notify-secret', 'env:VIBFLOW_TEST_HOOK_KEY', '--notify-web-ui', 'http://127.0.0.1:8233');
    expect(started.code).toBe(0);

    // The rollout waits for approval at once: not after the refused deliveries and their backoff.
    await waitFor(async () => (await phase(id)) === 'awaiting-approval', 'the rollout to await approval', 60_000, 100);
    const awaitingAt = Date.now();
    const firstAttempt = () => receiver.requests(paths.json).find((r) => JSON.parse(r.body).event === 'awaiting-approval');
    await waitFor(() => firstAttempt() !== undefined, 'the first (refused) delivery attempt', 30_000);
    expect(notices(paths.json, 'awaiting-approval')).toEqual([]);
    const canary = await client.workflow.getHandle(rolloutChildId(id, 'esx-001')).describe();
    expect((firstAttempt()?.at as number)).toBeGreaterThan((canary.closeTime as Date).getTime());

    // A worker killed between the refusals: its successor neither tells again nor loses the notice.
    const first = workers[0];
    first.kill('SIGKILL');
    await first.exited;
    await startWorker();

    await waitFor(() => notices(paths.json, 'awaiting-approval').length === 1, 'the approval notice to be accepted', 90_000, 200);
    const attempts = receiver.requests(paths.json).filter((r) => JSON.parse(r.body).event === 'awaiting-approval');
    expect(attempts.map((r) => r.status)).toEqual([503, 503, 503, 200]);
    expect(new Set(attempts.map((r) => r.headers['idempotency-key'])).size).toBe(1);
    const deliveredAt = attempts[3].at;
    // 1 s, 2 s and 4 s of backoff: the rollout had been waiting for approval well before.
    expect(deliveredAt - awaitingAt).toBeGreaterThan(5_000);

    const [notice] = notices(paths.json, 'awaiting-approval');
    expect(notice).toMatchObject({
      version: 1,
      event: 'awaiting-approval',
      rolloutId: id,
      workflowId: `vibflow-rollout:${id}`,
      phase: 'awaiting-approval',
      approveCommand: `vibflow rollout approve ${id}`,
      hosts: [{ host: 'esx-001', state: 'succeeded', outcome: 'succeeded-reboot-required' }],
      totals: { hosts: 3, succeeded: 1, pending: 2 },
      links: { webUi: `http://127.0.0.1:8233/namespaces/default/workflows/${encodeURIComponent(`vibflow-rollout:${id}`)}` },
    });
    expect(notice.idempotencyKey).toBe(attempts[0].headers['idempotency-key']);
    // Slack got its own message at once (its webhook is not the one refusing).
    const [slack] = receiver.accepted(paths.slack).filter((r) => (r.json.text as string).includes('awaits approval'));
    expect(slack.json.text).toContain(`Approve: vibflow rollout approve ${id}`);
    expect(JSON.stringify(slack.json.blocks)).toContain(`Approve with: \`vibflow rollout approve ${id}\``);
    expect(slack.at).toBeLessThan(deliveredAt);

    // The hanging receiver holds its request open, and the rollout goes on regardless.
    expect(receiver.requests(paths.hang).length).toBeGreaterThanOrEqual(1);
    const approved = await vibflow(['rollout', 'approve', id, ...temporal()]);
    expect(approved.code).toBe(0);
    expect(await rolloutHandle(client, id).result()).toMatchObject({ outcome: 'succeeded', totals: { succeeded: 3 } });
    await waitFor(() => notices(paths.json, 'rollout-ended').length === 1, 'the end notice', 90_000, 200);
    const [ended] = notices(paths.json, 'rollout-ended');
    expect(ended).toMatchObject({ outcome: 'succeeded', reason: 'completed', totals: { hosts: 3, succeeded: 3, failed: 0 } });
    expect(ended.title).toBe(`rollout ${id} ended succeeded (completed): 3 succeeded of 3 hosts`);

    // Exactly one of each, signed, with the key's signature over timestamp and raw body.
    const all = receiver.requests(paths.json).filter((r) => JSON.parse(r.body).rolloutId === id);
    const accepted = all.filter((r) => r.status === 200).map((r) => JSON.parse(r.body).event);
    expect(accepted.sort()).toEqual(['awaiting-approval', 'rollout-ended']);
    for (const r of all) {
      const headers = { signature: r.headers[SIGNATURE_HEADER] as string, timestamp: r.headers[TIMESTAMP_HEADER] as string };
      expect(verifySignature(KEY, headers, r.body, Math.floor(r.at / 1000))).toBe(true);
      expect(verifySignature('another key', headers, r.body, Math.floor(r.at / 1000))).toBe(false);
    }
    // One notice workflow per notice, however many workers replayed the rollout; both still at
    // the hanging receiver (it never answered) while the rollout is over.
    expect(receiver.requests(paths.hang).every((r) => r.status === null)).toBe(true);
    let notified: { workflowId: string; status: string }[] = [];
    await waitFor(async () => (notified = await noticeWorkflows(id)).length === 2, 'both notice workflows to be listed', 30_000, 500);
    expect(notified.map((w) => [w.workflowId.split(':').at(-1), w.status]).sort()).toEqual([['awaiting-approval', 'RUNNING'], ['rollout-ended', 'RUNNING']]);
    for (const w of notified) await client.workflow.getHandle(w.workflowId).terminate('test over: the receiver hangs');
    await recordHistoryFixture(client, 'fleetRollout-notified-approval', rolloutHandle(client, id));
  });

  it('tells "rollout failed" with the failed host and its reason when the budget of 0 is exceeded', async () => {
    const id = `fail-${stamp}`;
    const run = await rollout('--hosts', 'esx-006,esx-004', '--max-failures', '0', '--id', id, '--wait', '--notify', 'env:VIBFLOW_TEST_HOOK', '--notify-secret', 'env:VIBFLOW_TEST_HOOK_KEY');
    expect(run.code).toBe(1);
    expect(run.stdout).toContain('ended: failure-budget-exceeded (failed)');
    await waitFor(() => notices(paths.json).some((n) => n.rolloutId === id), 'the failure notice', 60_000, 200);
    const mine = notices(paths.json).filter((n) => n.rolloutId === id);
    expect(mine.map((n) => n.event)).toEqual(['rollout-failed']);
    const failedRow = (await rolloutHandle(client, id).query(rolloutProgressQuery)).rows.find((r) => r.host === 'esx-006') as { error: string };
    expect(failedRow.error).toMatch(/InstallationError/);
    expect(mine[0]).toMatchObject({ outcome: 'failed', reason: 'failure-budget-exceeded', totals: { failed: 1, skipped: 1 }, hosts: [{ host: 'esx-006', state: 'failed', reason: failedRow.error.slice(0, 300) }] });
    expect(mine[0].title).toMatch(new RegExp(`^rollout ${id} failed \\(failure-budget-exceeded\\): `));
    const [delivered] = await noticeWorkflows(id);
    await recordHistoryFixture(client, 'notifyRollout-delivered', client.workflow.getHandle(delivered.workflowId));
  });

  it('tells the window closing while hosts are still to do, then the end (incomplete), each once', async () => {
    const id = `window-${stamp}`;
    const hosts = simulator.inventory.hosts.filter((h) => ['esx-001', 'esx-002', 'esx-003', 'esx-004'].includes(h.name));
    // One host at a time, 2 s each: when the 5 s window closes one installs and at least one waits.
    const handle = await startRollout(client, {
      rolloutId: id, hosts, bundleUri: BUNDLE, maxConcurrency: 1, maxFailures: 0, pollInterval: '500ms', window: { duration: '5s' },
      notify: { webhooks: [{ webhook: 'env:VIBFLOW_TEST_HOOK' }], secret: 'env:VIBFLOW_TEST_HOOK_KEY' },
    }, taskQueue);
    await handle.result().catch(() => undefined);
    await waitFor(() => notices(paths.json).filter((n) => n.rolloutId === id).length >= 2, 'the window and end notices', 60_000, 200);
    const mine = notices(paths.json).filter((n) => n.rolloutId === id);
    expect(mine.map((n) => n.event)).toEqual(['window-closing', 'rollout-ended']);
    const [closing, ended] = mine;
    expect(closing.hosts.map((h) => h.state)).toEqual(['running']);
    expect(closing.totals.pending).toBeGreaterThanOrEqual(1);
    // Told at the window's last start time, not before.
    expect(Date.parse(closing.at)).toBeGreaterThanOrEqual(Date.parse(closing.window?.startsUntil as string));
    expect(closing.title).toMatch(new RegExp(`^rollout ${id}: the patch window is closing with \\d+ hosts? still to do`));
    expect(ended).toMatchObject({ outcome: 'incomplete', reason: 'window-closed' });
    expect(ended.totals.skipped).toBeGreaterThanOrEqual(1);
  });

  it('leaves no webhook URL and no signing key in any history of this task queue, in the worker logs or in the output', async () => {
    let histories = 0;
    for await (const w of client.workflow.list({ query: `TaskQueue = '${taskQueue}'` })) {
      const json = historyToJSON(await client.workflow.getHandle(w.workflowId, w.runId).fetchHistory());
      const text = `${json}\n${decodedPayloads(json).join('\n')}`;
      assertNoCanary(`the history of ${w.workflowId}`, text);
      expect(text).not.toContain(KEY);
      expect(text).not.toContain(receiver.url('/'));
      histories++;
    }
    expect(histories).toBeGreaterThanOrEqual(8);
    for (const worker of workers) {
      assertNoCanary(`the log of worker ${worker.pid}`, worker.output());
      expect(worker.output()).not.toContain(KEY);
    }
    // The worker did log the deliveries, by reference.
    expect(workers.map((w) => w.output()).join('\n')).toContain('env:VIBFLOW_TEST_HOOK');
    for (const [index, output] of outputs.entries()) {
      assertNoCanary(`CLI output #${index + 1}`, output);
      expect(output).not.toContain(KEY);
    }
  });
});
