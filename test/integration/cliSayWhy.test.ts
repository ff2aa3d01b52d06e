/**
 * Every failure reaches the person in words: a rollout that fails outside its hosts says why in
 * `rollout --wait`, `status`, `report` and its current details; what vCenter can tell is checked
 * before anything starts; no host is left in maintenance mode, or called verified with a reboot
 * pending, without a word; `status` finds every run vibflow starts. A new user's way through the
 * newer commands (issue 16), against the real dev server, the simulated vCenter and ESXi hosts.
 */
import { spawn } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { WorkflowHandle } from '@temporalio/client';
import { rolloutHandle } from '../../src/api/rollouts';
import { rolloutWorkflowId } from '../../src/shared/ids';
import type { HostRow, RolloutResult } from '../../src/workflows/rolloutState';
import { placeBundle } from '../support/bundles';
import { useCliStack } from '../support/cliStack';
import { startLikeUiForm, vibflow } from '../support/commands';
import { temporalAddress, testClient } from '../support/temporal';
import { waitFor } from '../support/waitFor';

const BUNDLE = 'file:///vmfs/volumes/ds1/drv-2.0.zip';
const WRONG_PASSWORD = 'VIBFLOW_TEST_WRONG_VC_PASSWORD';

/** What the Web UI shows as the workflow's current details. */
async function currentDetails(handle: WorkflowHandle): Promise<string> {
  const metadata = (await handle.query('__temporal_workflow_metadata')) as { currentDetails?: string };
  return metadata.currentDetails ?? '';
}

describe('vibflow says why', () => {
  const stack = useCliStack('cli-say-why', { hosts: 4, basePort: 0, addressBase: '127.61.0.1', installSeconds: 2, datastores: [{ name: 'ds1' }], vcenter: { clusters: 2, rebootSeconds: 2 } }, 180_000);
  // drv-N.0.zip holds VIB drv N.0, on the datastore every host mounts.
  beforeAll(async () => {
    for (const version of ['2.0', '4.0', '5.0', '6.0', '7.0']) await placeBundle(stack.simulator, `file:///vmfs/volumes/ds1/drv-${version}.zip`, [{ name: 'drv', version }]);
  });
  const stamp = Date.now().toString(36);
  /** `vibflow rollout --remediate` of drv (2.0 unless another version is given) */
  const remediateVersion = (version: string, ...args: string[]) =>
    vibflow(['rollout', '--uri', `file:///vmfs/volumes/ds1/drv-${version}.zip`, '--vib', `drv=${version}`, '--remediate', '--poll', '500ms', ...args, ...stack.temporal()], { timeoutMs: 150_000 });
  const remediate = (...args: string[]) => remediateVersion('2.0', ...args);
  /** The simulator's inventory with its vCenter section changed. */
  const inventoryWith = async (name: string, vcenter: Record<string, unknown>) => {
    const file = path.join(stack.dir, `${name}.json`);
    const inventory = stack.simulator.vcenterInventory!;
    await writeFile(file, JSON.stringify({ ...inventory, vcenter: { ...inventory.vcenter, ...vcenter } }));
    return file;
  };

  beforeAll(() => {
    // The in-process test worker reads this too: CLI and workers both see the wrong password.
    process.env[WRONG_PASSWORD] = 'not-the-password';
  });

  it('1. a rollout whose vCenter refuses the login fails saying so in rollout --wait, status, report and its current details', async () => {
    const inventory = await inventoryWith('wrong-password', { credential: `env:${WRONG_PASSWORD}` });
    const id = `wrong-pw-${stamp}`;
    const run = await remediate('--inventory', inventory, '--id', id, '--wait');
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/the clusters and hosts were not checked against vCenter from here \(Login on 127\.0\.0\.1:\d+ failed: vCenter refused the login for user "administrator@vsphere\.local"/);
    const refusal = new RegExp(`ended: error \\(failed\\): HostSourceUnavailable: rollout ${id} cannot read its hosts from vCenter: Login on 127\\.0\\.0\\.1:\\d+ failed: vCenter refused the login for user "administrator@vsphere\\.local"`);
    expect(run.stdout).toMatch(refusal);
    expect(run.stdout).not.toContain('Workflow execution failed');

    const status = await vibflow(['status', id, ...stack.temporal()]);
    expect([status.code, status.stdout]).toEqual([0, expect.stringMatching(refusal)]);
    const report = await vibflow(['report', id, ...stack.temporal()]);
    expect([report.code, report.stdout]).toEqual([0, expect.stringMatching(refusal)]);
    const json = JSON.parse((await vibflow(['report', id, '--format', 'json', ...stack.temporal()])).stdout) as RolloutResult;
    expect(json).toMatchObject({ reason: 'error', outcome: 'failed', failure: { category: 'HostSourceUnavailable' } });
    expect(await currentDetails(rolloutHandle(await testClient(), id))).toMatch(/\*\*failed\*\* \(HostSourceUnavailable\): .*vCenter refused the login/);
  });

  it('1. a wrong credential reference or thumbprint in the inventory, and an unknown host given in the UI, fail in words with their category', async () => {
    const unset = await inventoryWith('unset-credential', { credential: 'env:VIBFLOW_TEST_NOT_SET_ANYWHERE' });
    const noCredential = await remediate('--inventory', unset, '--id', `unset-${stamp}`, '--wait');
    expect(noCredential.code).toBe(1);
    // The inventory's field is named, not a flag the user never typed.
    expect(noCredential.stderr).toContain(`inventory ${unset}: vcenter.credential: credential env:VIBFLOW_TEST_NOT_SET_ANYWHERE: the variable is not set in the environment of this process`);
    expect(noCredential.stdout).toMatch(/ended: error \(failed\): HostSourceUnavailable: .*credential env:VIBFLOW_TEST_NOT_SET_ANYWHERE: the variable is not set in the environment of the worker/);

    const pinned = await inventoryWith('wrong-thumbprint', { tls: { thumbprint: 'AB'.repeat(32) } });
    const wrongPin = await remediate('--inventory', pinned, '--id', `pin-${stamp}`, '--wait');
    expect(wrongPin.code).toBe(1);
    expect(wrongPin.stdout).toMatch(/ended: error \(failed\): HostSourceUnavailable: .*(thumbprint|certificate)/i);

    const id = `ui-unknown-host-${stamp}`;
    const { vcenter, hosts } = stack.simulator.vcenterInventory!;
    const started = await startLikeUiForm({
      type: 'fleetRollout', taskQueue: stack.taskQueue, workflowId: rolloutWorkflowId(id), address: temporalAddress(), inputFile: path.join(stack.dir, 'ui-unknown.json'),
      input: { rolloutId: id, fromVcenter: { vcenter, hosts: ['esx-999'], overrides: hosts }, bundleUri: BUNDLE, vibs: [{ name: 'drv', version: '2.0' }], remediate: {}, maxConcurrency: 1 },
    });
    expect(started.code).toBe(0);
    await waitFor(async () => (await rolloutHandle(await testClient(), id).describe()).status.name === 'FAILED', 'the rollout to fail', 60_000, 500);
    const status = await vibflow(['status', id, ...stack.temporal()]);
    expect(status.stdout).toMatch(/ended: error \(failed\): InvalidInput: .*host "esx-999" does not exist in vCenter 127\.0\.0\.1:\d+; its hosts: esx-001, esx-002, esx-003, esx-004/);
  });

  it('2. a cluster vCenter does not have is refused at once by rollout and schedule create, listing the real ones; another case is said', async () => {
    const id = `no-such-${stamp}`;
    const rollout = await remediate('--inventory', stack.inventory, '--cluster', 'NO-SUCH', '--id', id, '--wait');
    expect(rollout.code).toBe(2);
    expect(rollout.stderr).toMatch(/--cluster: cluster "NO-SUCH" does not exist in vCenter 127\.0\.0\.1:\d+; its clusters: cluster-1, cluster-2/);
    expect((await vibflow(['status', id, ...stack.temporal()])).code).toBe(2);

    const scheduleId = `no-such-sched-${stamp}`;
    const schedule = await vibflow(['schedule', 'create', '--id', scheduleId, '--cron', '0 2 * * 6', '--inventory', stack.inventory, '--uri', BUNDLE, '--vib', 'drv=2.0', '--remediate', '--cluster', 'NO-SUCH', ...stack.temporal()]);
    expect(schedule.code).toBe(2);
    expect(schedule.stderr).toMatch(/--cluster: cluster "NO-SUCH" does not exist in vCenter .*; its clusters: cluster-1, cluster-2/);
    const described = await vibflow(['schedule', 'describe', scheduleId, ...stack.temporal()]);
    expect([described.code, described.stderr]).toEqual([2, expect.stringContaining(`no schedule ${scheduleId}`)]);

    // A schedule whose vCenter cannot be read from here is created, saying it was not checked.
    const unchecked = await vibflow(['schedule', 'create', '--id', `${scheduleId}-2`, '--cron', '0 2 * * 6', '--inventory', await inventoryWith('unset-2', { credential: 'env:VIBFLOW_TEST_NOT_SET_ANYWHERE' }),
      '--uri', BUNDLE, '--vib', 'drv=2.0', '--remediate', '--cluster', 'cluster-1', ...stack.temporal()]);
    expect(unchecked.code).toBe(0);
    expect(unchecked.stderr).toContain('the clusters and hosts were not checked against vCenter from here');
    expect(unchecked.stderr).toContain('each scheduled run checks them when it starts');
    await vibflow(['schedule', 'delete', `${scheduleId}-2`, ...stack.temporal()]);

    const otherCase = await vibflow(['rollout', '--inventory', stack.inventory, '--uri', BUNDLE, '--vib', 'drv=2.0', '--dry-run', '--cluster', 'CLUSTER-2', '--wait', '--json', ...stack.temporal()], { timeoutMs: 90_000 });
    expect(otherCase.stderr).toMatch(/cluster "CLUSTER-2" matched "cluster-2", its name in vCenter 127\.0\.0\.1:\d+ \(the case differs\)/);
    expect((JSON.parse(otherCase.stdout) as RolloutResult).rows.map((r) => r.host)).toEqual(['esx-003', 'esx-004']);
  });

  it('3. a host an earlier failed run left in maintenance mode stays in it, and every row, the totals and the UI say so', async () => {
    stack.simulator.setFailure('esx-001', 'dependency');
    const failedId = `mm-fail-${stamp}`;
    const failed = await remediate('--inventory', stack.inventory, '--hosts', 'esx-001', '--id', failedId, '--wait', '--json');
    expect(failed.code).toBe(1);
    const failedRow = (JSON.parse(failed.stdout) as RolloutResult).rows[0];
    expect(failedRow).toMatchObject({ state: 'failed', inMaintenanceMode: true, maintenance: 'entered', maintenanceNote: expect.stringContaining('esx-001 stays in maintenance mode') });
    stack.simulator.setFailure('esx-001', null);

    const againId = `mm-again-${stamp}`;
    const again = await remediate('--inventory', stack.inventory, '--hosts', 'esx-001', '--id', againId, '--wait');
    expect(again.code).toBe(0);
    expect(again.stdout).toMatch(/esx-001 .*succeeded .*still in: esx-001 was in maintenance mode before the remediation and stays in it/);
    expect(again.stdout).toContain(`rollout ${againId}: 1/1 done: 1 succeeded; 1 in maintenance mode`);
    const json = JSON.parse((await vibflow(['report', againId, '--format', 'json', ...stack.temporal()])).stdout) as RolloutResult;
    expect(json.rows[0]).toMatchObject({ state: 'succeeded', verified: true, maintenance: 'already-in', inMaintenanceMode: true, maintenanceEnteredAt: null });
    expect(json.totals.inMaintenanceMode).toBe(1);
    expect((await stack.simulator.statsWithVcenter()).hosts['esx-001'].vcenter?.inMaintenanceMode).toBe(true);
    expect(await currentDetails(rolloutHandle(await testClient(), againId))).toMatch(/\*\*1 in maintenance mode\*\*[\s\S]*\| esx-001 \| esx-001 was in maintenance mode before/);
  });

  it('4. an install that waits for a reboot is "installed, reboot pending" in the row, compliance and the dry run, and never verified', async () => {
    const drv4 = ['--uri', 'file:///vmfs/volumes/ds1/drv-4.0.zip', '--vib', 'drv=4.0'];
    const id = `never-${stamp}`;
    const run = await vibflow(['rollout', '--inventory', stack.inventory, ...drv4, '--remediate', '--reboot', 'never', '--hosts', 'esx-004', '--poll', '500ms', '--id', id, '--wait', '--json', ...stack.temporal()], { timeoutMs: 120_000 });
    expect(run.code).toBe(0);
    const row = (JSON.parse(run.stdout) as RolloutResult).rows[0];
    expect(row).toMatchObject({ host: 'esx-004', state: 'succeeded', outcome: 'installed-reboot-pending', verified: false, rebootPending: true });
    const table = await vibflow(['report', id, ...stack.temporal()]);
    expect(table.stdout).toMatch(/esx-004 .*installed, reboot pending +no \(reboot pending\)/);
    expect(table.stdout).toContain('1 installed, reboot pending');

    const compliance = await vibflow(['compliance', '--inventory', stack.inventory, '--vib', 'drv=4.0', '--hosts', 'esx-004', ...stack.temporal()], { timeoutMs: 90_000 });
    expect([compliance.code, compliance.stdout]).toEqual([1, expect.stringMatching(/esx-004 +cluster-2 +not compliant: installed, reboot pending/)]);
    const dryRun = await vibflow(['rollout', '--inventory', stack.inventory, ...drv4, '--remediate', '--dry-run', '--hosts', 'esx-004', '--wait', ...stack.temporal()], { timeoutMs: 90_000 });
    expect(dryRun.stdout).toMatch(/esx-004 .*checked +1 +installed, reboot pending .*not active until it reboots/);
  });

  it('5. rollout --vib without a version is refused naming --vib and the missing version; the UI input too', async () => {
    const run = await remediate('--inventory', stack.inventory, '--vib', 'drv');
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('--vib drv: give the version the bundle brings, NAME=VERSION (e.g. drv=2.0); any version is only for vibflow compliance');
    const id = `ui-any-version-${stamp}`;
    const { vcenter, hosts } = stack.simulator.vcenterInventory!;
    await startLikeUiForm({
      type: 'fleetRollout', taskQueue: stack.taskQueue, workflowId: rolloutWorkflowId(id), address: temporalAddress(), inputFile: path.join(stack.dir, 'ui-any.json'),
      input: { rolloutId: id, fromVcenter: { vcenter, overrides: hosts }, bundleUri: BUNDLE, vibs: [{ name: 'drv' }], remediate: {}, maxConcurrency: 1 },
    });
    await waitFor(async () => (await rolloutHandle(await testClient(), id).describe()).status.name === 'FAILED', 'the rollout to fail', 60_000, 500);
    const status = await vibflow(['status', id, ...stack.temporal()]);
    expect(status.stdout).toMatch(/ended: error \(failed\): InvalidInput: invalid rollout input:\nvibs\[0\]\.version: Required: the version the bundle brings/);
    expect(await currentDetails(rolloutHandle(await testClient(), id))).toContain('**failed** (InvalidInput): invalid rollout input: vibs[0].version: Required');
  });

  it('6. status finds a remediation by the id report --json prints, a scheduled run, and a rollout started from the UI under any id', async () => {
    const id = `find-${stamp}`;
    await remediate('--inventory', stack.inventory, '--hosts', 'esx-002', '--id', id, '--wait');
    const row = (JSON.parse((await vibflow(['report', id, '--format', 'json', ...stack.temporal()])).stdout) as RolloutResult).rows[0] as HostRow;
    const remediation = await vibflow(['status', row.installWorkflowId as string, ...stack.temporal()]);
    expect(remediation.code).toBe(0);
    expect(remediation.stdout).toContain(`${row.installWorkflowId}: COMPLETED\n   host: esx-002 (cluster cluster-1)`);
    expect(remediation.stdout).toMatch(/outcome: (succeeded|already-compliant)/);
    expect(remediation.stdout).toMatch(/maintenance mode: not in: /);

    const uiId = `plain-ui-id-${stamp}`;
    const { vcenter, hosts } = stack.simulator.vcenterInventory!;
    await startLikeUiForm({
      type: 'fleetRollout', taskQueue: stack.taskQueue, workflowId: uiId, address: temporalAddress(), inputFile: path.join(stack.dir, 'ui-plain.json'),
      input: { rolloutId: 'from-the-form', fromVcenter: { vcenter, hosts: ['esx-002'], overrides: hosts }, bundleUri: BUNDLE, vibs: [{ name: 'drv', version: '2.0' }], dryRun: true, maxConcurrency: 1 },
    });
    await waitFor(async () => (await (await testClient()).workflow.getHandle(uiId).describe()).status.name !== 'RUNNING', 'the dry run to end', 60_000, 500);
    const status = await vibflow(['status', uiId, ...stack.temporal()]);
    expect(status.stdout).toContain(`every host: vibflow report ${uiId}`);
    const report = await vibflow(['report', uiId, ...stack.temporal()]);
    expect([report.code, report.stdout]).toEqual([0, expect.stringMatching(/esx-002 .*checked/)]);

    const scheduleId = `find-sched-${stamp}`;
    await vibflow(['schedule', 'create', '--id', scheduleId, '--cron', '0 2 1 1 *', '--inventory', stack.inventory, '--uri', BUNDLE, '--vib', 'drv=2.0', '--dry-run', '--hosts', 'esx-003', ...stack.temporal()]);
    await vibflow(['schedule', 'trigger', scheduleId, ...stack.temporal()]);
    let runId = '';
    await waitFor(async () => {
      const described = await vibflow(['schedule', 'describe', scheduleId, ...stack.temporal()]);
      runId = /-> vibflow-rollout:(\S+)/.exec(described.stdout)?.[1] ?? '';
      return runId !== '';
    }, 'the scheduled run', 60_000, 1_000);
    await waitFor(async () => (await vibflow(['status', runId, ...stack.temporal()])).stdout.includes('ended:'), 'the scheduled run to end', 60_000, 1_000);
    const scheduled = await vibflow(['status', runId, ...stack.temporal()]);
    expect(scheduled.stdout).toContain(`vibflow-rollout:${runId}: COMPLETED`);
    expect(scheduled.stdout).toContain(`every host: vibflow report ${runId}`);
    expect((await vibflow(['report', runId, ...stack.temporal()])).code).toBe(0);
    await vibflow(['schedule', 'delete', scheduleId, ...stack.temporal()]);
  }, 240_000);

  it("8. one host's remediation starts from the UI's form with the README's shape, from what vibflow hosts --json prints", async () => {
    const listed = JSON.parse((await vibflow(['hosts', '--inventory', stack.inventory, '--json'])).stdout) as { name: string; hostRef: string; cluster: string; cimUrl: string; cimTls: unknown }[];
    const host = listed.find((h) => h.name === 'esx-003')!;
    const { vcenter } = stack.simulator.vcenterInventory!;
    const workflowId = `form-remediation-${stamp}`;
    const started = await startLikeUiForm({
      type: 'remediateHost', taskQueue: stack.taskQueue, workflowId, address: temporalAddress(), inputFile: path.join(stack.dir, 'ui-remediate-host.json'),
      input: {
        host: { name: host.name, url: host.cimUrl, tls: host.cimTls, cimTicket: { vcenter, hostRef: host.hostRef } },
        bundleUri: 'file:///vmfs/volumes/ds1/drv-7.0.zip',
        managed: { vcenter, hostRef: host.hostRef, cluster: host.cluster },
        vibs: [{ name: 'drv', version: '7.0' }], policy: { reboot: 'if-required' }, pollInterval: '500ms',
      },
    });
    expect(started.code).toBe(0);
    await waitFor(async () => (await (await testClient()).workflow.getHandle(workflowId).describe()).status.name !== 'RUNNING', 'the remediation to end', 120_000, 500);
    const status = await vibflow(['status', workflowId, ...stack.temporal()]);
    expect(status.stdout).toContain(`${workflowId}: COMPLETED\n   host: esx-003 (cluster cluster-2)`);
    expect(status.stdout).toContain('outcome: succeeded');
    expect(status.stdout).toContain('verified: yes (drv 7.0)');
  }, 150_000);

  it('7. Ctrl-C on rollout --wait says the rollout goes on and how to follow it; report --follow follows it to the end', async () => {
    const id = `ctrl-c-${stamp}`;
    const child = spawn(process.execPath, [path.resolve(__dirname, '../../bin/vibflow.js'), 'rollout', '--inventory', stack.inventory, '--uri', 'file:///vmfs/volumes/ds1/drv-5.0.zip', '--vib', 'drv=5.0',
      '--remediate', '--hosts', 'esx-003', '--poll', '500ms', '--id', id, '--wait', ...stack.temporal()], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    try {
      await waitFor(() => stdout.includes(`started remediation ${id}`), 'the rollout to start', 60_000);
      child.kill('SIGINT');
      expect(await exited).toBe(130);
    } finally {
      child.kill('SIGKILL');
    }
    expect(stderr).toContain(`stopped following; rollout ${id} goes on. Follow it again with: vibflow report ${id} --follow`);
    const followed = await vibflow(['report', id, '--follow', ...stack.temporal()], { timeoutMs: 120_000 });
    expect(followed.code).toBe(0);
    expect(followed.stdout).toContain(`rollout ${id}: 1/1 done: 1 succeeded\nended: completed (succeeded)`);
  });

  it('7. a value typed where a credential reference belongs is never echoed; flags that would change nothing are refused', async () => {
    const { vcenter } = stack.simulator.vcenterInventory!;
    const typed = await vibflow(['hosts', '--vcenter', vcenter.url, '--user', vcenter.user, '--credential', 'hunter2', '--thumbprint', vcenter.tls!.thumbprint!]);
    expect(typed.code).toBe(2);
    expect(typed.stderr).toContain('--credential: must be a reference, env:NAME or file:/path, never the password itself (the value given is not shown)');
    expect(typed.stderr + typed.stdout).not.toContain('hunter2');
    const badRef = await vibflow(['hosts', '--inventory', await inventoryWith('bad-ref', { credential: 'env:VIBFLOW_TEST_NOT_SET_ANYWHERE' })]);
    expect([badRef.code, badRef.stderr]).toEqual([2, expect.stringContaining('vcenter.credential: credential env:VIBFLOW_TEST_NOT_SET_ANYWHERE')]);
    expect(badRef.stderr).not.toContain('--credential');

    const hostList = path.join(stack.dir, 'host-list.json');
    await writeFile(hostList, JSON.stringify(stack.simulator.inventory));
    const cases: [string[], string][] = [
      [['--inventory', stack.inventory, '--maintenance-retry-delay', '1m'], '--maintenance-retry-delay: only with --maintenance-retries N'],
      [['--inventory', hostList, '--max-per-cluster', '2', '--vib', 'drv=2.0'], '--max-per-cluster: hosts come from vCenters only with an inventory that names them'],
    ];
    for (const [args, message] of cases) {
      const refused = await vibflow(['rollout', '--uri', BUNDLE, ...(args.includes('--maintenance-retry-delay') ? ['--remediate', '--vib', 'drv=2.0'] : []), ...args, ...stack.temporal()]);
      expect([refused.code, refused.stderr]).toEqual([2, expect.stringContaining(message)]);
    }
    const plain = ['rollout', '--inventory', hostList, '--uri', BUNDLE, ...stack.temporal()];
    for (const [args, message] of [
      [['--retry-delay', '5m'], '--retry-delay: only with --retries N'],
      [['--approve-after-canary'], '--approve-after-canary: only with --canary SIZES'],
    ] as [string[], string][]) {
      const refused = await vibflow([...plain, ...args]);
      expect([refused.code, refused.stderr]).toEqual([2, expect.stringContaining(message)]);
    }
    expect(stack.simulator.stats().fleet.installFromUri).toBeGreaterThan(0); // earlier tests installed; these started nothing new
  });

  it('7. a retried maintenance-mode entry shows in the row', async () => {
    await stack.simulator.setVcenterFault('esx-002', 'mm-timeout');
    const id = `mm-retry-${stamp}`;
    const calls = async () => (await stack.simulator.statsWithVcenter()).hosts['esx-002'].vcenter?.enterMaintenanceCalls ?? 0;
    const before = await calls();
    const run = remediateVersion('6.0', '--inventory', stack.inventory, '--hosts', 'esx-002',
      '--maintenance-timeout', '2s', '--maintenance-retries', '2', '--maintenance-retry-delay', '5s', '--id', id, '--wait', '--json');
    // The first entry times out after 2 s; then the fault goes, and the retry 5 s later enters.
    await waitFor(async () => (await calls()) > before, 'the first maintenance-mode entry', 60_000, 200);
    await new Promise((resolve) => setTimeout(resolve, 3_500));
    await stack.simulator.setVcenterFault('esx-002', null);
    const done = await run;
    expect(done.code).toBe(0);
    const row = (JSON.parse(done.stdout) as RolloutResult).rows[0];
    expect(row).toMatchObject({ state: 'succeeded', maintenanceAttempts: 2, inMaintenanceMode: false });
    const table = await vibflow(['report', id, ...stack.temporal()]);
    expect(table.stdout).toMatch(/esx-002 .*entered after 2 attempts/);
  }, 120_000);
});
