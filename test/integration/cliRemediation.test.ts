/**
 * Remediation from the command line, as a platform engineer would run it against a vCenter:
 * `vibflow hosts`, `vibflow compliance`, `rollout --dry-run` and `rollout --remediate`, with the
 * simulator's own counters as the ground truth and the exit codes the README promises.
 */
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { rolloutHandle, rolloutResult } from '../../src/api/rollouts';
import { rolloutWorkflowId } from '../../src/shared/ids';
import { placeBundle } from '../support/bundles';
import { useCliStack } from '../support/cliStack';
import { startLikeUiForm, vibflow } from '../support/commands';
import { temporalAddress, testClient } from '../support/temporal';

const BUNDLE = 'file:///vmfs/volumes/ds1/drv-2.0.zip';

describe('remediation from the vibflow CLI', () => {
  const stack = useCliStack('cli-remediate', { hosts: 4, basePort: 0, addressBase: '127.53.0.1', installSeconds: 2, datastores: [{ name: 'ds1' }], vcenter: { clusters: 2, rebootSeconds: 2 } }, 180_000);
  beforeAll(async () => {
    await placeBundle(stack.simulator, BUNDLE, [{ name: 'drv', version: '2.0' }]);
    await placeBundle(stack.simulator, 'file:///vmfs/volumes/ds1/drv-3.0.zip', [{ name: 'drv', version: '3.0' }]);
  });

  it('vibflow hosts lists what vCenter has, from an inventory or from flags, and refuses a cluster it does not have', async () => {
    const listed = await vibflow(['hosts', '--inventory', stack.inventory, '--json']);
    expect(listed.code).toBe(0);
    const hosts = JSON.parse(listed.stdout) as { name: string; cluster: string; connectionState: string; cimUrl: string }[];
    expect(hosts.map((h) => [h.name, h.cluster, h.connectionState])).toEqual([
      ['esx-001', 'cluster-1', 'connected'], ['esx-002', 'cluster-1', 'connected'], ['esx-003', 'cluster-2', 'connected'], ['esx-004', 'cluster-2', 'connected'],
    ]);
    expect(hosts[0].cimUrl).toBe(stack.simulator.hosts[0].url);

    const { vcenter } = stack.simulator.vcenterInventory!;
    const flags = ['--vcenter', vcenter.url, '--user', vcenter.user, '--credential', vcenter.credential];
    const byFlags = await vibflow(['hosts', ...flags, '--thumbprint', vcenter.tls!.thumbprint!, '--cluster', 'cluster-2']);
    expect(byFlags.code).toBe(0);
    expect(byFlags.stdout).toMatch(/esx-003 +cluster-2 +connected +no +8\.0\.2/);
    expect(byFlags.stdout).not.toContain('esx-001');

    const unknown = await vibflow(['hosts', '--inventory', stack.inventory, '--cluster', 'gold']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/--cluster: cluster "gold" does not exist in vCenter 127\.0\.0\.1:\d+; its clusters: cluster-1, cluster-2/);
    const empty = await vibflow(['hosts', ...flags, '--thumbprint', '']);
    expect(empty.code).toBe(2);
    expect(empty.stderr).toContain('--thumbprint: must not be empty');
    const unset = await vibflow(['hosts', ...flags.slice(0, -1), 'env:VIBFLOW_TEST_UNSET_PASSWORD']);
    expect(unset.code).toBe(2);
    expect(unset.stderr).toContain('--credential: credential env:VIBFLOW_TEST_UNSET_PASSWORD: the variable is not set in the environment of this process');
  });

  it('refuses remediation flags that make no sense before anything starts', async () => {
    const hostList = path.join(stack.dir, 'hosts.json');
    await writeFile(hostList, JSON.stringify(stack.simulator.inventory));
    const cases: [string[], string][] = [
      [['--inventory', stack.inventory, '--reboot', 'always'], '--reboot: only with --remediate'],
      [['--inventory', hostList, '--remediate'], `--remediate: remediation goes through vCenter (maintenance mode, reboot), and ${hostList} names no vCenter`],
      [['--inventory', hostList, '--cluster', 'cluster-1'], '--cluster: clusters come from vCenter'],
      [['--inventory', stack.inventory, '--remediate', '--reboot-timeout', 'soon'], '--reboot-timeout: "soon" is not a duration'],
      [['--inventory', stack.inventory, '--remediate', '--vib', '=2.0'], '--vib'],
    ];
    for (const [args, message] of cases) {
      const run = await vibflow(['rollout', '--uri', BUNDLE, ...args, ...stack.temporal()]);
      expect([run.code, run.stderr]).toEqual([2, expect.stringContaining(message)]);
    }
    expect(stack.simulator.stats().fleet.installFromUri).toBe(0);
  });

  it('checks compliance, dry-runs, remediates one host per cluster, and then finds every host compliant', async () => {
    const before = await vibflow(['compliance', '--inventory', stack.inventory, '--vib', 'drv=2.0', ...stack.temporal()], { timeoutMs: 120_000 });
    expect(before.code).toBe(1);
    expect(before.stdout).toMatch(/esx-001 +cluster-1 +not compliant/);
    expect(before.stdout).toContain('0/4 hosts compliant');

    const dryRun = await vibflow(['rollout', '--inventory', stack.inventory, '--uri', BUNDLE, '--vib', 'drv=2.0', '--remediate', '--dry-run', '--wait', ...stack.temporal()], { timeoutMs: 120_000 });
    expect(dryRun.code).toBe(0);
    expect(dryRun.stdout).toMatch(/^started dry run .* on the hosts of vCenter 127\.0\.0\.1:\d+ /m);
    expect(dryRun.stdout).toMatch(/esx-004 +cluster-2 +checked +1 +would-install +drv missing \(want 2\.0\)/);

    const run = await vibflow(['rollout', '--inventory', stack.inventory, '--uri', BUNDLE, '--vib', 'drv=2.0', '--remediate', '--max-per-cluster', '1', '--max-concurrency', '4', '--max-failures', '0', '--poll', '1s', '--wait', '--json', ...stack.temporal()], { timeoutMs: 180_000 });
    expect([run.code, run.stderr]).toEqual([0, '']);
    const result = JSON.parse(run.stdout) as { rows: { host: string; state: string; verified: boolean; bootTimeBefore: string; bootTimeAfter: string }[] };
    expect(result.rows.map((r) => [r.host, r.state, r.verified])).toEqual(['esx-001', 'esx-002', 'esx-003', 'esx-004'].map((h) => [h, 'succeeded', true]));
    for (const row of result.rows) expect(Date.parse(row.bootTimeAfter)).toBeGreaterThan(Date.parse(row.bootTimeBefore));
    const stats = await stack.simulator.statsWithVcenter();
    for (const host of Object.values(stats.hosts)) expect([host.installFromUri, host.reboots, host.vcenter?.inMaintenanceMode]).toEqual([1, 1, false]);

    const after = await vibflow(['compliance', '--inventory', stack.inventory, '--vib', 'drv=2.0', '--cluster', 'cluster-1', ...stack.temporal()], { timeoutMs: 120_000 });
    expect(after.code).toBe(0);
    expect(after.stdout).toContain('2/2 hosts compliant');
  });

  it("remediates from the UI's Start Workflow form: fleetRollout with the README's JSON, pasted", async () => {
    const rolloutId = `ui-remediate-${Date.now().toString(36)}`;
    const { vcenter, hosts } = stack.simulator.vcenterInventory!;
    // The shape the README shows, with the simulator's vCenter and the override of one host's URL.
    const started = await startLikeUiForm({
      type: 'fleetRollout', taskQueue: stack.taskQueue, workflowId: rolloutWorkflowId(rolloutId), address: temporalAddress(), inputFile: path.join(stack.dir, 'ui-remediation.json'),
      input: {
        rolloutId,
        fromVcenter: { vcenter, clusters: ['cluster-2'], hosts: ['esx-004'], overrides: hosts },
        bundleUri: 'file:///vmfs/volumes/ds1/drv-3.0.zip',
        vibs: [{ name: 'drv', version: '3.0' }],
        remediate: { reboot: 'if-required', maintenance: { timeout: '10m' } },
        maxConcurrency: 4, maxFailures: 0, pollInterval: '1s',
      },
    });
    expect(started.code).toBe(0);
    const result = await rolloutResult(rolloutHandle(await testClient(), rolloutId));
    expect(result.rows).toEqual([expect.objectContaining({ host: 'esx-004', cluster: 'cluster-2', state: 'succeeded', verified: true, vibs: [{ name: 'drv', expected: '3.0', found: '3.0' }] })]);
    expect((await stack.simulator.statsWithVcenter()).hosts['esx-004']).toMatchObject({ installFromUri: 2, reboots: 2 });
  });
});
