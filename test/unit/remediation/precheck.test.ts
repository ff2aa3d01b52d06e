import { bundleProblem, precheckVerdict, SOFTWARE_UPDATE_HINT, type CimFacts, type VcenterFacts } from '../../../src/remediation/precheck';
import type { StagedCopy } from '../../../src/staging/model';
import type { HostState, TaskInfo } from '../../../src/vsphere/model';

const state = (extra: Partial<HostState> = {}): HostState => ({
  ref: { type: 'HostSystem', value: 'host-21' }, name: 'esx-001', connectionState: 'connected', inMaintenanceMode: false,
  bootTime: '2026-11-01T00:00:00Z', powerState: 'poweredOn', rebootSupported: true, productVersion: '8.0.2', rebootRequired: false, ...extra,
});
const vcenter = (extra: Partial<VcenterFacts> = {}): VcenterFacts => ({ state: state(), time: '2026-11-26T10:00:00Z', busyTasks: [], otherRemediations: [], ...extra });
const cim = (extra: Partial<CimFacts> = {}): CimFacts => ({
  serviceProblem: null, runningJob: null,
  software: [{ id: 'a', name: 'esx-base', version: '8.0.2', vendor: 'VMware' }, { id: 'b', name: 'drv', version: '1.0', vendor: 'x' }], ...extra,
});
const task = (name: string, taskState: TaskInfo['state']): TaskInfo => ({
  ref: { type: 'Task', value: 'task-1' }, name, descriptionId: null, entity: null, state: taskState, progress: 40, error: null, queueTime: null, startTime: null, completeTime: null,
});
const bundle = 'file:///vmfs/volumes/ds1/drv-2.0.zip';

describe('pre-check verdict', () => {
  it('is ready when nothing stands in the way and the VIB is not there in the declared version', () => {
    const report = precheckVerdict({ host: 'esx-001', vcenter: vcenter(), cim: cim(), bundleUri: bundle, vibs: [{ name: 'drv', version: '2.0' }] });
    expect(report).toMatchObject({ verdict: 'ready', reasons: [] });
    expect(report.vibs).toEqual([{ name: 'drv', expected: '2.0', found: '1.0' }]);
  });

  it('is already compliant when every declared VIB is there in its version (or any version when none is given)', () => {
    expect(precheckVerdict({ host: 'esx-001', vcenter: vcenter(), cim: cim(), bundleUri: bundle, vibs: [{ name: 'drv', version: '1.0' }, { name: 'esx-base' }] }).verdict).toBe('already-compliant');
    expect(precheckVerdict({ host: 'esx-001', cim: cim(), vibs: [] }).verdict).toBe('ready');
    // In place, but waiting for a reboot: not done yet, and said so.
    const pending = precheckVerdict({ host: 'esx-001', vcenter: vcenter({ state: state({ rebootRequired: true }) }), cim: cim(), vibs: [{ name: 'drv', version: '1.0' }] });
    expect([pending.verdict, pending.reasons]).toEqual(['reboot-pending', [expect.stringMatching(/^installed, reboot pending: /)]]);
  });

  it('predicts a reboot from the staged bundle only where one follows: not for a host that has the VIBs active', () => {
    const copy: StagedCopy = { vcenter: 'vc-1', datacenter: 'DC0', datastore: 'ds1', path: 'vibflow/3f2a9c01b7de/drv.zip', sizeBytes: 1_000, uri: 'file:///vmfs/volumes/ds1/vibflow/3f2a9c01b7de/drv.zip' };
    const staged = { copies: [copy], copy, copySizeBytes: 1_000, acceptance: 'partner' as const, vibs: [{ name: 'drv', version: '2.0', vendor: 'x', acceptanceLevel: 'partner' as const, maintenanceMode: true, liveInstallAllowed: false }] };
    const check = (found: string, rebootRequired = false) => precheckVerdict({ host: 'esx-001', vcenter: vcenter({ state: state({ rebootRequired }) }), cim: cim({ software: [{ id: 'b', name: 'drv', version: found, vendor: 'x' }] }), vibs: [{ name: 'drv', version: '2.0' }], bundle: staged });
    expect([check('1.0').verdict, check('1.0').staged?.rebootPredicted]).toEqual(['ready', true]);
    expect([check('2.0').verdict, check('2.0').staged?.rebootPredicted]).toEqual(['already-compliant', false]);
    expect([check('2.0', true).verdict, check('2.0', true).staged?.rebootPredicted]).toEqual(['reboot-pending', true]);
  });

  it('skips a host vCenter cannot reach, saying so', () => {
    const report = precheckVerdict({ host: 'esx-001', vcenter: vcenter({ state: state({ connectionState: 'disconnected' }) }), bundleUri: bundle, vibs: [] });
    expect(report).toMatchObject({ verdict: 'skip', reasons: ['disconnected in vCenter'] });
  });

  it('blocks, with every reason in words, and never for a host merely in maintenance mode', () => {
    const report = precheckVerdict({
      host: 'esx-001',
      vcenter: vcenter({ state: state({ inMaintenanceMode: true, rebootSupported: false }), busyTasks: [task('RebootHost_Task', 'running')], otherRemediations: ['vibflow-rollout:r1:remediate:esx-001'] }),
      cim: cim({ serviceProblem: 'Discovery on 127.0.0.1:5989 failed: no CIM_SoftwareInstallationService', runningJob: { id: 'job-7', percent: 30 } }),
      bundleUri: 'https://depot/drv.zip',
      vibs: [],
      rebootAlways: true,
    });
    expect(report.verdict).toBe('blocked');
    expect(report.reasons).toEqual([
      'another remediation of this host is running (vibflow-rollout:r1:remediate:esx-001)',
      'vCenter task RebootHost_Task is running on this host',
      'vCenter says the host does not support RebootHost (capability.rebootSupported is false)',
      `Discovery on 127.0.0.1:5989 failed: no CIM_SoftwareInstallationService: ${SOFTWARE_UPDATE_HINT}`,
      'an install is already running on the host (job job-7 at 30 %)',
      'the bundle https://depot/drv.zip is not a local offline bundle (file:///...zip); ESXi refuses online depots',
    ]);
    expect(precheckVerdict({ host: 'esx-001', vcenter: vcenter({ state: state({ inMaintenanceMode: true }) }), cim: cim(), bundleUri: bundle, vibs: [] }).verdict).toBe('ready');
  });

  it('knows an offline bundle', () => {
    expect(bundleProblem(bundle)).toBeNull();
    expect(bundleProblem('file:///vmfs/volumes/ds1/drv-2.0.vib')).toMatch(/not a local offline bundle/);
  });
});
