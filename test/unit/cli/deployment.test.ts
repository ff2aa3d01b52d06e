/** Worker Versioning in the CLI's terms: build ids, version states, the worker's start line, pinned executions. */
import { InvalidArgumentError } from 'commander';
import type { WorkflowExecutionDescription } from '@temporalio/client';
import { pinnedVersion } from '../../../src/api/versions';
import { versionLine, versionPartArg } from '../../../src/cli/commands/worker';
import { versionState } from '../../../src/temporal/deployments';
import { defaultBuildId } from '../../../src/worker';
import { version as packageVersion } from '../../../package.json';

describe('default build id', () => {
  it('is the package version and a hash of the workflow code: the same code, the same id; other code, another', () => {
    const id = defaultBuildId('export function installVib() {}');
    expect(id).toMatch(new RegExp(`^${packageVersion.replace(/\./g, '\\.')}-[0-9a-f]{12}$`));
    expect(defaultBuildId('export function installVib() {}')).toBe(id);
    expect(defaultBuildId('export function installVib() { /* v2 */ }')).not.toBe(id);
    expect(versionPartArg('--build-id')(id)).toBe(id);
  });
});

describe('--deployment and --build-id', () => {
  it.each(['vibflow', 'prod.eu-1', '0.1.0-85a380dd45ba', 'a_b'])('takes %s', (value) => {
    expect(versionPartArg('--build-id')(value)).toBe(value);
  });
  it.each([
    ['', '--build-id "": letters, digits'],
    ['-x', '--build-id "-x": letters, digits'],
    ['a b', '--build-id "a b": letters, digits'],
    ['dep:v1', '--build-id "dep:v1": letters, digits'],
    ['x'.repeat(201), 'at most 200 characters'],
  ])('refuses %j naming the flag', (value, message) => {
    expect(() => versionPartArg('--build-id')(value)).toThrow(InvalidArgumentError);
    expect(() => versionPartArg('--build-id')(value)).toThrow(message);
  });
});

describe('version state', () => {
  const routing = { current: 'v2', ramping: 'v3' };
  it.each([
    ['v2', 0, 0, 'current'],
    ['v3', 0, 0, 'ramping'],
    ['v1', 4, 1, 'draining'],
    ['v1', 5, 2, 'drained'],
    ['v1', 0, 2, 'drained'],
    ['v1', 1, 0, 'inactive'],
    ['v2', 5, 2, 'current'], // the routing wins over a stale status
  ] as const)('%s with status %i and drainage %i is %s', (buildId, status, drainage, state) => {
    expect(versionState(buildId, routing, status, drainage)).toBe(state);
  });
});

describe('the worker says which version it serves', () => {
  const version = { deployment: 'vibflow', buildId: '0.1.0-abc' };
  it('the first version of a deployment, made current at start', () => {
    expect(versionLine(version, 'vibflow', { current: true, madeCurrent: true }))
      .toBe('serving version 0.1.0-abc of deployment "vibflow" on task queue "vibflow": current (made current: the deployment had no current version); new rollouts, remediations and installs start here');
  });
  it('a new version beside the current one, with the command that makes it current', () => {
    expect(versionLine(version, 'vibflow', { current: false, currentBuildId: '0.1.0-old', reason: 'the current version is 0.1.0-old' }))
      .toBe('serving version 0.1.0-abc of deployment "vibflow" on task queue "vibflow": not current (the current version is 0.1.0-old); ' +
        'running work pinned to this version continues here; new work starts here after: vibflow deployment set-current 0.1.0-abc --deployment vibflow');
  });
});

describe('pinned version of an execution', () => {
  const described = (versioningInfo: unknown) => ({ raw: { workflowExecutionInfo: { versioningInfo } } }) as unknown as WorkflowExecutionDescription;
  it('reads a pinned execution\'s deployment and build id', () => {
    expect(pinnedVersion(described({ behavior: 1, deploymentVersion: { deploymentName: 'vibflow', buildId: 'v1' } }))).toEqual({ deployment: 'vibflow', buildId: 'v1' });
  });
  it('prefers a pinned override', () => {
    expect(pinnedVersion(described({ behavior: 2, deploymentVersion: { deploymentName: 'vibflow', buildId: 'v2' }, versioningOverride: { pinned: { version: { deploymentName: 'vibflow', buildId: 'v1' } } } })))
      .toEqual({ deployment: 'vibflow', buildId: 'v1' });
  });
  it('an auto-upgrade or unversioned execution is pinned to nothing', () => {
    expect(pinnedVersion(described({ behavior: 2, deploymentVersion: { deploymentName: 'vibflow', buildId: 'v2' } }))).toBeUndefined();
    expect(pinnedVersion(described(undefined))).toBeUndefined();
  });
});
