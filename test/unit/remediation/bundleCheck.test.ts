import { bundleVerdict, type BundleFacts } from '../../../src/remediation/bundleCheck';
import type { StagedCopy, StagedVib } from '../../../src/staging/model';

const copy: StagedCopy = { vcenter: 'vc-1', datacenter: 'DC0', datastore: 'shared', path: 'vibflow/3f2a9c01b7de/drv.zip', sizeBytes: 268_000, uri: 'file:///vmfs/volumes/shared/vibflow/3f2a9c01b7de/drv.zip' };
const drv: StagedVib = { name: 'vibflow-drv', version: '2.0.0-1', vendor: 'VMW', acceptanceLevel: 'partner', maintenanceMode: true, liveInstallAllowed: false };
const tools: StagedVib = { name: 'vibflow-tools', version: '1.1.0-3', vendor: 'VMW', acceptanceLevel: 'community', maintenanceMode: false, liveInstallAllowed: true };
const facts = (over: Partial<BundleFacts> = {}): BundleFacts => ({ copies: [copy], copy, copySizeBytes: copy.sizeBytes, acceptance: 'partner', vibs: [drv], ...over });

describe('bundleVerdict: the pre-check of a staged bundle on one host', () => {
  it('passes a host that reads a complete copy and admits every VIB, and predicts its reboot from the descriptors', () => {
    expect(bundleVerdict('esx-1', facts())).toEqual({ reasons: [], bundleUri: copy.uri, datastore: 'shared', rebootPredicted: true });
    expect(bundleVerdict('esx-1', facts({ vibs: [{ ...drv, liveInstallAllowed: true }] })).rebootPredicted).toBe(false);
  });

  it('blocks a host that reaches no copy, saying what it mounts and why that holds none', () => {
    const verdict = bundleVerdict('esx-4', facts({ copy: null, noCopyReason: 'esx-4 mounts no datastore the bundle can be staged on (full: full (0.0 MB free, the bundle needs 0.3 MB))' }));
    expect(verdict.reasons).toEqual(['esx-4 cannot read the staged bundle: it mounts none of the datastores it is staged on (shared), or cannot access them; esx-4 mounts no datastore the bundle can be staged on (full: full (0.0 MB free, the bundle needs 0.3 MB))']);
    expect(verdict.bundleUri).toBeNull();
  });

  it('blocks a host whose copy was deleted or cut short since staging, but not in a dry run\'s plan', () => {
    expect(bundleVerdict('esx-2', facts({ copySizeBytes: null })).reasons).toEqual(['the staged copy [shared] vibflow/3f2a9c01b7de/drv.zip is not there any more (deleted after staging?); stage the bundle again']);
    expect(bundleVerdict('esx-2', facts({ copySizeBytes: 1000 })).reasons).toEqual(['the staged copy [shared] vibflow/3f2a9c01b7de/drv.zip has 1000 bytes, not the 268000 staged; stage the bundle again']);
    expect(bundleVerdict('esx-2', facts({ copySizeBytes: null, planned: true })).reasons).toEqual([]);
  });

  it('blocks a host whose acceptance level refuses a VIB, naming each one refused', () => {
    expect(bundleVerdict('esx-6', facts({ acceptance: 'vmware_certified', vibs: [drv, tools] })).reasons).toEqual([
      "esx-6's acceptance level is VMwareCertified, which refuses vibflow-drv 2.0.0-1 (PartnerSupported), vibflow-tools 1.1.0-3 (CommunitySupported); raise it (esxcli software acceptance set) or use a bundle signed at a trusted level",
    ]);
    expect(bundleVerdict('esx-6', facts({ acceptance: 'community', vibs: [drv, tools] })).reasons).toEqual([]);
  });
});
