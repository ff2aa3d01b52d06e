import type { CimInstance, CimProperty, CimScalar } from '../../../src/cim/types';
import { classifyCimFailure, installReturnCodeError, jobErrorCategory } from '../../../src/esxi/errors';
import { interpretJob } from '../../../src/esxi/job';
import { diffSoftware } from '../../../src/esxi/model';
import { CimAuthError, CimError, CimTransportError } from '../../../src/cim/errors';

function job(values: Record<string, CimScalar | null>): CimInstance {
  const properties: Record<string, CimProperty> = {};
  for (const [name, value] of Object.entries(values)) {
    properties[name] = { name, type: typeof value === 'number' ? 'uint16' : 'string', value };
  }
  return { className: 'VMware_ConcreteJob', properties };
}

describe('interpretJob', () => {
  it('is running below 100 % (the seed: an arbitrary value below 100 while running)', () => {
    const snapshot = interpretJob(job({ PercentComplete: 30, JobState: 4, JobStatus: 'Scan of URI Complete and installable packages found. Starting Update.' }));
    expect(snapshot).toMatchObject({ phase: 'running', percent: 30, jobStateName: 'Running', rebootRequired: false });
  });

  it("finishes at 100 % and detects the reboot from the seed's final JobStatus", () => {
    const snapshot = interpretJob(job({
      PercentComplete: 100, JobState: 7, ErrorCode: 0, ErrorDescription: null,
      JobStatus: 'The update completed successfully, but the system needs to be rebooted for the changes to be effective.',
    }));
    expect(snapshot).toMatchObject({ phase: 'succeeded', rebootRequired: true, errorCode: 0, errorDescription: null });
  });

  it('treats a deferred reset install option as reboot required', () => {
    const snapshot = interpretJob(job({ PercentComplete: 100, JobState: 7, JobStatus: 'Done' }), { options: [2] });
    expect(snapshot.rebootRequired).toBe(true);
  });

  it('fails on a terminal state or a non-zero ErrorCode, with the esxupdate category', () => {
    const failed = interpretJob(job({ PercentComplete: 100, JobState: 10, ErrorCode: 1, ErrorDescription: '[DependencyError] VIB x requires y' }));
    expect(failed).toMatchObject({ phase: 'failed', jobStateName: 'Exception', errorCategory: 'dependency' });
    expect(interpretJob(job({ PercentComplete: 40, JobState: 8 })).phase).toBe('failed');
    expect(interpretJob(job({ PercentComplete: 100, ErrorCode: 3 })).phase).toBe('failed');
  });

  it('reads a missing PercentComplete as 0 and a missing JobState as Unknown', () => {
    expect(interpretJob(job({}))).toMatchObject({ phase: 'running', percent: 0, jobStateName: 'Unknown' });
  });
});

describe('error classification (architecture decision 7)', () => {
  it.each([
    ['[DependencyError] missing esx-version', 'dependency'],
    ['[AcceptanceConfigError] community VIB on partner host', 'acceptance'],
    ['[VibValidationError] bad descriptor', 'validation'],
    ['[InstallationError] not enough space in bootbank', 'installation'],
    ['[LiveInstallationError] reboot required now', 'live-installation'],
    ['[MaintenanceModeError] enter maintenance mode', 'maintenance-mode'],
  ])('maps %p to %p', (text, category) => {
    expect(jobErrorCategory(text)).toBe(category);
  });

  it('makes authentication and URI errors final, network and Target In Use retryable', () => {
    expect(classifyCimFailure(new CimAuthError('GetInstance', 'h:5989', 'authentication failed for user root'))).toMatchObject({ category: 'authentication', retryable: false });
    expect(installReturnCodeError(4107, 'h:5989')).toMatchObject({ category: 'uri-not-accessible', retryable: false, code: 4107 });
    expect(installReturnCodeError(6, 'h:5989')).toMatchObject({ category: 'target-in-use', retryable: true });
    expect(installReturnCodeError(4107, 'h:5989').message).toContain('URI not accessible');
  });

  it('keeps transient CIM_ERR_FAILED retryable and the rest final', () => {
    expect(classifyCimFailure(new CimError('GetInstance', 'h', 1, 'provider busy, try again')).retryable).toBe(true);
    expect(classifyCimFailure(new CimError('GetInstance', 'h', 1, 'bad bundle')).retryable).toBe(false);
    expect(classifyCimFailure(new CimError('InvokeMethod', 'h', 5, 'no such class')).category).toBe('service-not-present');
  });

  it('remembers whether a network failure may have reached the host', () => {
    const refused = classifyCimFailure(new CimTransportError('InvokeMethod', 'h', 'connect ECONNREFUSED', { code: 'ECONNREFUSED', requestMayHaveReachedServer: false }));
    expect(refused).toMatchObject({ category: 'network', retryable: true, requestMayHaveReachedServer: false });
  });
});

describe('diffSoftware', () => {
  it('reports added, updated and removed software by name', () => {
    const base = { vendor: 'VMware' };
    const changes = diffSoftware(
      [{ id: '1', name: 'esx-base', version: '8.0.2', ...base }, { id: '2', name: 'old-tool', version: '1', ...base }],
      [{ id: '1', name: 'esx-base', version: '8.0.3', ...base }, { id: '3', name: 'new-tool', version: '2', ...base }],
    );
    expect(changes.added.map((s) => s.name)).toEqual(['new-tool']);
    expect(changes.updated).toEqual([{ name: 'esx-base', from: '8.0.2', to: '8.0.3' }]);
    expect(changes.removed.map((s) => s.name)).toEqual(['old-tool']);
  });
});
