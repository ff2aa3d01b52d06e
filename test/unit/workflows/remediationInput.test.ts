import { InvalidInputError } from '../../../src/workflows/installInput';
import { parseRemediationInput, vibFromText, type RemediateHostInput } from '../../../src/workflows/remediationInput';

const vcenter = { url: 'https://vc01.lab/sdk', user: 'svc@vsphere.local', credential: 'env:VC_PW' };
const input = (extra: Record<string, unknown> = {}): RemediateHostInput => ({
  host: { name: 'esx-01', url: 'https://esx-01:5989', cimTicket: { vcenter, hostRef: 'host-21' } },
  bundleUri: 'file:///vmfs/volumes/ds1/drv-2.0.zip',
  managed: { vcenter, hostRef: 'host-21', cluster: 'gold' },
  ...extra,
} as RemediateHostInput);

describe('remediation input', () => {
  it("applies vSphere Lifecycle Manager's defaults: reboot if required, fail on maintenance-mode failure, 30 minutes to come back", () => {
    const plan = parseRemediationInput(input());
    expect(plan.policy).toEqual({
      reboot: 'if-required',
      maintenance: { timeoutMs: 1_800_000, evacuatePoweredOffVms: false, retries: 0, retryDelayMs: 300_000 },
      rebootTimeoutMs: 1_800_000,
      exitMaintenanceOnFailure: false,
    });
    expect(plan.managed).toEqual({ vcenter, hostRef: 'host-21', cluster: 'gold' });
    expect(plan.install.host.name).toBe('esx-01');
  });

  it('takes a retry policy, an always-reboot policy and declared VIBs', () => {
    const plan = parseRemediationInput(input({ policy: { reboot: 'always', maintenance: { onFailure: 'retry', retries: 2, retryDelay: '1m', timeout: '10m' }, rebootTimeout: '45m' }, vibs: [vibFromText('drv=2.0'), vibFromText('nvme')] }));
    expect(plan.policy.reboot).toBe('always');
    expect(plan.policy.maintenance).toMatchObject({ retries: 2, retryDelayMs: 60_000, timeoutMs: 600_000 });
    expect(plan.policy.rebootTimeoutMs).toBe(2_700_000);
    expect(plan.vibs).toEqual([{ name: 'drv', version: '2.0' }, { name: 'nvme' }]);
  });

  it.each([
    [{ policy: { reboot: 'sometimes' } }, 'policy.reboot'],
    [{ policy: { maintenance: { timeout: 'soon' } } }, 'policy.maintenance.timeout'],
    [{ managed: { vcenter, hostRef: '' } }, 'managed.hostRef'],
    [{ vibs: [{ name: 'drv' }, { name: 'drv', version: '2' }] }, 'vibs: "drv" is declared twice'],
    [{ bundleUri: 'https://depot/b.zip' }, 'bundleUri: must be an offline bundle'],
  ])('refuses bad input naming the field (%#)', (extra, message) => {
    expect(() => parseRemediationInput(input(extra))).toThrow(InvalidInputError);
    expect(() => parseRemediationInput(input(extra))).toThrow(message);
  });
});
