/**
 * A rollout that starts from a bundle file, as a platform engineer runs it: `vibflow rollout
 * --bundle FILE --remediate` reads the bundle, stages one verified copy per datastore through the
 * simulated vCenter's /folder endpoint, checks each host against it before maintenance mode, and
 * installs what the bundle holds; hosts that could not install it are blocked without being
 * touched. Ground truth: the simulator's counters, and VMware's govc reading the datastores.
 */
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { writeBundle } from '../../src/simulator/bundleBuilder';
import { useCliStack } from '../support/cliStack';
import { recordHistoryFixture } from '../support/histories';
import { testClient } from '../support/temporal';
import { vibflow } from '../support/commands';
import { govcFor, type GovcTarget } from '../support/govc';

jest.setTimeout(240_000);

interface Row { host: string; state: string; outcome?: string; error?: string; verified?: boolean; datastore?: string | null; rebootPredicted?: boolean; inMaintenanceMode?: boolean; vibs?: { name: string; expected: string | null; found: string | null }[] }
interface Result { outcome: string; rows: Row[]; totals: Record<string, number>; staging?: { state: string; copies: { datastore: string; state: string; bytesDone: number; sizeBytes: number }[]; blocked: { host: string; reason: string }[] } }

describe('rollout --bundle: staged through vCenter, checked on each host, installed as the bundle says', () => {
  // esx-005 does not mount the shared datastore; esx-006 accepts only VMware-certified VIBs.
  const stack = useCliStack('staging', {
    hosts: 6, basePort: 0, addressBase: '127.57.0.1', installSeconds: 1,
    datastores: [{ name: 'shared', hosts: ['esx-001', 'esx-002', 'esx-003', 'esx-004', 'esx-006'] }],
    acceptanceLevels: { 'esx-006': 'vmware_certified' },
    vcenter: { clusters: 2, rebootSeconds: 1 },
  }, 180_000);
  let bundle: string;
  let govc: GovcTarget;
  const four = ['--hosts', 'esx-001,esx-002,esx-003,esx-004'];

  beforeAll(async () => {
    bundle = path.join(stack.dir, 'drv.zip');
    await writeBundle(bundle, { vibs: [
      { name: 'vibflow-drv', version: '2.0.0-1', acceptanceLevel: 'partner', maintenanceMode: true, liveInstall: false, payloadBytes: 256 * 1024 },
      { name: 'vibflow-tools', version: '1.1.0-3', acceptanceLevel: 'partner', maintenanceMode: false, liveInstall: true },
    ] });
    govc = await govcFor(stack.simulator, stack.dir);
  });

  const staged = async () => (await govc(['datastore.ls', '-ds', 'shared', '-R', 'vibflow'])).stdout.trim();
  const maintenanceCalls = async () => Object.fromEntries(Object.entries((await stack.simulator.statsWithVcenter()).hosts).map(([name, h]) => [name, h.vcenter?.enterMaintenanceCalls ?? 0]));

  it('a dry run with --bundle plans the copies, lists each host\'s verdict, datastore and predicted reboot, and changes nothing', async () => {
    const dry = await vibflow(['rollout', '--inventory', stack.inventory, '--bundle', bundle, '--remediate', '--dry-run', '--wait', '--json', ...stack.temporal()], { timeoutMs: 180_000 });
    const result = JSON.parse(dry.stdout) as Result;
    expect(dry.code).toBe(1); // two hosts are blocked
    const byHost = new Map(result.rows.map((r) => [r.host, r]));
    for (const host of ['esx-001', 'esx-002', 'esx-003', 'esx-004']) {
      expect(byHost.get(host)).toMatchObject({ outcome: 'would-install', datastore: 'shared', rebootPredicted: true });
    }
    expect(byHost.get('esx-005')).toMatchObject({ outcome: 'blocked', datastore: null, error: expect.stringContaining('esx-005 cannot read the staged bundle: it mounts none of the datastores it is staged on (shared)') });
    expect(byHost.get('esx-006')).toMatchObject({ outcome: 'blocked', error: expect.stringContaining("esx-006's acceptance level is VMwareCertified, which refuses vibflow-drv 2.0.0-1 (PartnerSupported)") });
    expect(result.staging).toMatchObject({ state: 'planned', copies: [{ datastore: 'shared', state: 'waiting', bytesDone: 0 }], blocked: [{ host: 'esx-005', reason: expect.any(String) }] });
    expect(await staged()).toBe('');
    expect(Object.values(await maintenanceCalls()).every((n) => n === 0)).toBe(true);
    expect(stack.simulator.stats().fleet.installFromUri).toBe(0);
  });

  it('remediates four hosts from the bundle file: one copy uploaded and verified, the bundle\'s VIBs installed and verified, nothing left staged; a second run finds them compliant', async () => {
    const inspect = JSON.parse((await vibflow(['bundle', 'inspect', bundle, '--json'])).stdout) as { vibs: { name: string; version: string }[] };
    const id = `staged-remediation-${Date.now().toString(36)}`;
    const args = ['rollout', '--inventory', stack.inventory, '--bundle', bundle, ...four, '--remediate', '--max-per-cluster', '1', '--max-concurrency', '4', '--max-failures', '0', '--poll', '1s', '--wait', '--json', ...stack.temporal()];
    const first = await vibflow([...args, '--id', id], { timeoutMs: 200_000 });
    expect([first.code, first.stderr]).toEqual([0, '']);
    const result = JSON.parse(first.stdout) as Result;
    expect(result.outcome).toBe('succeeded');
    expect(result.rows.map((r) => [r.host, r.outcome, r.verified, r.datastore])).toEqual(['esx-001', 'esx-002', 'esx-003', 'esx-004'].map((h) => [h, 'succeeded', true, 'shared']));
    for (const row of result.rows) {
      expect(row.vibs?.map((v) => [v.name, v.found])).toEqual(inspect.vibs.map((v) => [v.name, v.version]));
    }
    expect(result.staging).toMatchObject({ state: 'removed', copies: [{ datastore: 'shared', state: 'staged' }] });
    expect(result.staging?.copies[0].bytesDone).toBe(result.staging?.copies[0].sizeBytes);
    expect(await staged()).toBe('');
    const stats = stack.simulator.stats();
    for (const h of ['esx-001', 'esx-002', 'esx-003', 'esx-004']) expect(stats.hosts[h].installFromUri).toBe(1);
    const calls = await maintenanceCalls();
    const client = await testClient();
    await recordHistoryFixture(client, 'fleetRollout-staged-remediation', client.workflow.getHandle(`vibflow-rollout:${id}`));

    const again = await vibflow(args.map((a) => a), { timeoutMs: 120_000 });
    expect(again.code).toBe(0);
    const second = JSON.parse(again.stdout) as Result;
    expect(second.rows.map((r) => r.outcome)).toEqual(['already-compliant', 'already-compliant', 'already-compliant', 'already-compliant']);
    expect(second.staging?.state).toBe('not-needed');
    expect(await maintenanceCalls()).toEqual(calls);
    expect(stack.simulator.stats().fleet.installFromUri).toBe(4);
  });

  it('blocks a host that mounts no datastore with the copy and one whose acceptance level refuses the bundle: never in maintenance mode, counted against the budget', async () => {
    const run1 = await vibflow(['rollout', '--inventory', stack.inventory, '--bundle', bundle, '--hosts', 'esx-005,esx-006', '--remediate', '--max-per-cluster', '2', '--max-concurrency', '2', '--max-failures', '0', '--poll', '1s', '--wait', '--json', ...stack.temporal()], { timeoutMs: 180_000 });
    expect(run1.code).toBe(1);
    const result = JSON.parse(run1.stdout) as Result;
    expect(result.outcome).toBe('failed');
    const byHost = new Map(result.rows.map((r) => [r.host, r]));
    expect(byHost.get('esx-005')).toMatchObject({ state: 'failed', outcome: 'blocked', inMaintenanceMode: false, error: expect.stringContaining('cannot read the staged bundle') });
    expect(byHost.get('esx-006')).toMatchObject({ state: 'failed', outcome: 'blocked', inMaintenanceMode: false, error: expect.stringContaining('refuses vibflow-drv 2.0.0-1') });
    const calls = await maintenanceCalls();
    expect([calls['esx-005'], calls['esx-006']]).toEqual([0, 0]);
    expect([stack.simulator.stats().hosts['esx-005'].installFromUri, stack.simulator.stats().hosts['esx-006'].installFromUri]).toEqual([0, 0]);
    expect(await staged()).toBe('');
  });

  it('vibflow stage puts a verified copy in place and keeps it; staged lists it and --remove removes it; a --vib the bundle lacks is refused', async () => {
    const id = `stage-${Date.now().toString(36)}`;
    const stage = await vibflow(['stage', '--inventory', stack.inventory, '--bundle', bundle, '--id', id, '--json', ...stack.temporal()], { timeoutMs: 120_000 });
    expect([stage.code, stage.stderr]).toEqual([0, '']);
    const client = await testClient();
    await recordHistoryFixture(client, 'stageBundle-staged', client.workflow.getHandle(`vibflow-stage:${id}`));
    // Hosts esx-001..004 are compliant now: only esx-006's copy on shared is needed (esx-005 reaches none).
    expect(JSON.parse(stage.stdout)).toMatchObject({ state: 'staged', copies: [{ datastore: 'shared', state: 'staged' }] });
    const listedByGovc = await staged();
    // govc datastore.ls -R: "[shared] vibflow/<sha256 prefix>:" then "drv.zip".
    expect(listedByGovc).toMatch(/\[shared\] vibflow\/[0-9a-f]{12}:\s+drv\.zip/);
    const download = path.join(stack.dir, 'downloaded.zip');
    const sub = (/vibflow\/([0-9a-f]{12}):/.exec(listedByGovc) as RegExpExecArray)[1];
    expect(sub).toBe(createHash('sha256').update(await readFile(bundle)).digest('hex').slice(0, 12));
    expect((await govc(['datastore.download', '-ds', 'shared', `vibflow/${sub}/drv.zip`, download])).code).toBe(0);
    expect(await readFile(download)).toEqual(await readFile(bundle));

    const listed = await vibflow(['staged', '--inventory', stack.inventory, '--json']);
    expect(listed.code).toBe(0);
    expect(JSON.parse(listed.stdout)).toEqual([expect.objectContaining({ datastore: 'shared', path: `vibflow/${sub}/drv.zip`, sizeBytes: (await readFile(bundle)).length })]);
    const removed = await vibflow(['staged', '--inventory', stack.inventory, '--remove']);
    expect(removed.code).toBe(0);
    expect(removed.stdout).toMatch(/shared +vibflow\/[0-9a-f]{12}\/drv\.zip .* removed/);
    expect(await staged()).toBe('');

    const missing = await vibflow(['rollout', '--inventory', stack.inventory, '--bundle', bundle, '--vib', 'nvme=1.0', '--remediate', ...stack.temporal()]);
    expect([missing.code, missing.stderr]).toEqual([2, expect.stringContaining('--vib nvme=1.0: the bundle drv.zip does not contain nvme (it has vibflow-drv 2.0.0-1, vibflow-tools 1.1.0-3)')]);
  });
});
