/**
 * Rollouts from the command line: how they end in every view (table, CSV, JSON, status), their
 * ids (a running one is never joined, an ended one is reused only when asked), and steering with
 * a reason for every verb.
 */
import { historyToJSON } from '@temporalio/common/lib/proto-utils';
import { rolloutHandle } from '../../src/api/rollouts';
import { placeBundle } from '../support/bundles';
import { useCliStack } from '../support/cliStack';
import { vibflow } from '../support/commands';
import { decodedPayloads } from '../support/secretCanary';
import { testClient } from '../support/temporal';
import { waitFor } from '../support/waitFor';

const BUNDLE = 'file:///vmfs/volumes/datastore1/fleet-2.0.0.zip';
const FLEET = [{ name: 'fleet', version: '2.0.0' }];

describe('vibflow rollout, report and status', () => {
  const stack = useCliStack('cli-rollout', { hosts: 6, basePort: 0, addressBase: '127.34.0.1', installSeconds: 2, failures: { 'esx-006': 'space' } });
  beforeAll(() => placeBundle(stack.simulator, BUNDLE, FLEET));
  const stamp = Date.now().toString(36);
  const start = (...args: string[]) => vibflow(['rollout', '--inventory', stack.inventory, '--uri', BUNDLE, '--poll', '500ms', ...args, ...stack.temporal()], { timeoutMs: 120_000 });

  it('runs a rollout to the end, prints the table and how it ended, and exits 1 because one host failed within the budget', async () => {
    const id = `fleet-${stamp}`;
    const run = await start('--max-concurrency', '50%', '--max-failures', '1', '--canary', '1', '--id', id, '--wait');
    expect(run.stderr).toBe('');
    expect(run.code).toBe(1);
    expect(run.stdout).toContain(`started rollout ${id} on 6 hosts (max concurrency 3, failure budget 1, canary 1)`);
    expect(run.stdout).toMatch(/esx-006 +failed +1 +failed +\[InstallationError\]/);
    expect(run.stdout).toContain(`rollout ${id}: 6/6 done: 5 succeeded, 1 failed\nended: completed (completed-with-failures)\n`);
    expect(stack.simulator.stats().fleet.peakConcurrentJobs).toBeLessThanOrEqual(3);

    const csv = await vibflow(['report', id, '--format', 'csv', ...stack.temporal()]);
    expect(csv.code).toBe(0);
    const lines = csv.stdout.trimEnd().split('\n');
    expect(lines[0]).toBe('host,state,attempt,outcome,error');
    expect(lines).toContain('esx-001,succeeded,1,succeeded-reboot-required,');
    expect(lines.at(-1)).toBe('(rollout),completed,,completed-with-failures,');

    // Both the bare id and the workflow id, in text and in JSON, with nothing undefined.
    for (const given of [id, `vibflow-rollout:${id}`]) {
      const status = await vibflow(['status', given, ...stack.temporal()]);
      expect(status.code).toBe(0);
      expect(status.stdout).toBe(
        `vibflow-rollout:${id}: COMPLETED\n   rollout ${id}: 6/6 done: 5 succeeded, 1 failed\n   ended: completed (completed-with-failures)\n` +
          `   failed: esx-006 (attempt 1): ${JSON.parse((await vibflow(['report', id, '--format', 'json', ...stack.temporal()])).stdout).rows[5].error}\n` +
          `   every host: vibflow report ${id}\n`,
      );
    }
    const json = JSON.parse((await vibflow(['status', id, '--json', ...stack.temporal()])).stdout);
    expect(json).toMatchObject({ kind: 'rollout', status: 'COMPLETED', reason: 'completed', outcome: 'completed-with-failures', totals: { succeeded: 5, failed: 1 } });
  });

  it('refuses the id of an ended rollout unless --reuse-id, and keeps the earlier report reachable by run', async () => {
    const id = `again-${stamp}`;
    const first = await start('--hosts', 'esx-001,esx-002', '--id', id, '--wait', '--json');
    expect(first.code).toBe(0);

    const refused = await start('--hosts', 'esx-003', '--id', id);
    expect(refused.code).toBe(2);
    const runId = /--run (\S+)\)/.exec(refused.stderr)?.[1] as string;
    expect(refused.stderr).toBe(
      `vibflow: rollout ${id} already ran (completed, ended ${/ended (\S+)\)/.exec(refused.stderr)?.[1]}); its report: vibflow report ${id}. ` +
        `Choose another --id, or add --reuse-id to run it again (the earlier report then stays at: vibflow report ${id} --run ${runId})\n`,
    );

    const reused = await start('--hosts', 'esx-003', '--id', id, '--reuse-id', '--wait');
    expect(reused.code).toBe(0);
    expect(reused.stdout).toContain(`the earlier rollout under this id: vibflow report ${id} --run ${runId}\n`);

    const latest = JSON.parse((await vibflow(['report', id, '--format', 'json', ...stack.temporal()])).stdout);
    const earlier = JSON.parse((await vibflow(['report', id, '--run', runId, '--format', 'json', ...stack.temporal()])).stdout);
    expect(latest.rows.map((r: { host: string }) => r.host)).toEqual(['esx-003']);
    expect(earlier.rows.map((r: { host: string }) => r.host)).toEqual(['esx-001', 'esx-002']);
  });

  it('says what the defaults resolved to, and ends failure-budget-exceeded at the first failure', async () => {
    const id = `budget-${stamp}`;
    const run = await start('--hosts', 'esx-006,esx-004,esx-005', '--id', id, '--wait');
    expect(run.stdout).toContain(`started rollout ${id} on 3 hosts (max concurrency 1, failure budget 0)`);
    expect(run.stdout).toMatch(/esx-004 +skipped +0/);
    expect(run.stdout).toContain('ended: failure-budget-exceeded (failed)');
    expect(run.code).toBe(1);
    const csv = await vibflow(['report', id, '--format', 'csv', ...stack.temporal()]);
    expect(csv.stdout.trimEnd().split('\n').at(-1)).toBe('(rollout),failure-budget-exceeded,,failed,');
  });

  it('refuses a bad rollout before starting anything, naming the flag', async () => {
    const run = await start('--max-concurrency', '0', '--id', `bad-${stamp}`);
    expect(run.stderr).toBe('vibflow: --max-concurrency: must be a whole number >= 1 or a percentage like "20%"\n');
    expect(run.code).toBe(2);
    await expect(rolloutHandle(await testClient(), `bad-${stamp}`).describe()).rejects.toThrow();
  });
});

describe('steering a rollout from the command line', () => {
  const stack = useCliStack('cli-steer', { hosts: 5, basePort: 0, addressBase: '127.35.0.1', installSeconds: 3 });
  beforeAll(() => placeBundle(stack.simulator, BUNDLE, FLEET));
  const id = `steer-${Date.now().toString(36)}`;
  const steer = (verb: string, reason: string) => vibflow(['rollout', verb, id, '--reason', reason, ...stack.temporal()]);
  const phase = async () => JSON.parse((await vibflow(['status', id, '--json', ...stack.temporal()])).stdout).phase as string;

  it('takes --reason on every verb, prints the phase after each change, keeps the reasons, and ends aborted with its reason', async () => {
    const args = ['rollout', '--inventory', stack.inventory, '--uri', BUNDLE, '--id', id, '--canary', '1', '--approve-after-canary', '--max-concurrency', '1', '--poll', '500ms', ...stack.temporal()];
    const started = await vibflow(args);
    expect(started.stdout).toContain(`started rollout ${id} on 5 hosts`);
    expect(started.stdout).toContain(`follow it with: vibflow report ${id}\n`);

    const again = await vibflow(args);
    expect(again.stderr).toBe(`vibflow: rollout ${id} is already running; follow it with: vibflow report ${id}, or vibflow status ${id}\n`);
    expect(again.code).toBe(2);

    await waitFor(async () => (await phase()) === 'awaiting-approval', 'the canary to finish', 60_000, 1_000);
    expect((await steer('approve', 'canary looks fine')).stdout).toBe(`${id}: approve accepted; phase now rolling\n`);
    expect((await steer('pause', 'lunch')).stdout).toBe(`${id}: pause accepted; phase now paused\n`);
    const twice = await steer('pause', 'lunch again');
    expect(twice.stderr).toBe('vibflow: pause refused: the rollout is already paused\n');
    expect(twice.code).toBe(2);
    expect((await steer('resume', 'back from lunch')).stdout).toBe(`${id}: resume accepted; phase now rolling\n`);
    expect((await steer('abort', 'change freeze')).stdout).toMatch(new RegExp(`^${id}: abort accepted; phase now (draining|done)\n$`));

    await waitFor(async () => (await phase()) === 'done', 'the rollout to end', 60_000, 1_000);
    const table = await vibflow(['report', id, ...stack.temporal()]);
    expect(table.stdout).toContain('ended: aborted (aborted): change freeze\n');
    const csv = await vibflow(['report', id, '--format', 'csv', ...stack.temporal()]);
    expect(csv.stdout.trimEnd().split('\n').at(-1)).toBe('(rollout),aborted,,aborted,change freeze');
    const status = await vibflow(['status', id, ...stack.temporal()]);
    expect(status.stdout).toContain('   ended: aborted (aborted): change freeze\n');

    const history = decodedPayloads(historyToJSON(await rolloutHandle(await testClient(), id).fetchHistory())).join('\n');
    for (const reason of ['canary looks fine', 'lunch', 'back from lunch', 'change freeze']) expect(history).toContain(reason);
  });
});
