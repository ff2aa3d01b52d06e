/** Validation messages in the user's terms: the flag they typed, "Required" for what is missing. */
import { installStart } from '../../../src/api/installs';
import { rolloutStartOptions } from '../../../src/api/rollouts';
import { HOST_FIELDS } from '../../../src/cli/hostOptions';
import { inFlagTerms, validateFlags } from '../../../src/cli/inputFlags';
import { INSTALL_SETTING_FIELDS } from '../../../src/cli/installSettings';
import { ROLLOUT_FIELDS } from '../../../src/cli/rolloutOptions';
import { UsageError } from '../../../src/cli/usageError';
import { parseInstallInput, type InstallVibInput } from '../../../src/workflows/installInput';

const host = { name: 'esx-001', url: 'https://esx-001:5989', user: 'root', credential: 'env:PW' };
const INSTALL_FIELDS = { ...HOST_FIELDS, ...INSTALL_SETTING_FIELDS, bundleUri: '--uri' };

function usageMessage(validate: () => unknown): string {
  try {
    validate();
  } catch (err) {
    expect(err).toBeInstanceOf(UsageError);
    return (err as Error).message;
  }
  throw new Error('expected a usage error');
}

describe('install input errors', () => {
  const install = (input: Partial<InstallVibInput>) => usageMessage(() => validateFlags(INSTALL_FIELDS, () => installStart({ host, bundleUri: 'file:///vmfs/volumes/ds1/b.zip', ...input } as InstallVibInput, 'q')));

  it.each([
    [{ pollInterval: 'sometimes' }, '--poll: "sometimes" is not a duration'],
    [{ unreachableTimeout: '10ms' }, '--unreachable-timeout: must be between 1s and 86400s'],
    [{ bundleUri: 'https://depot/b.zip' }, '--uri: must be an offline bundle'],
    [{ installOptions: ['update', 'sideways'] }, '--option: unknown option "sideways"'],
    [{ host: { ...host, tls: { thumbprint: '' } } }, '--thumbprint: must be a SHA-256 thumbprint'],
    [{ host: { ...host, url: 'esx-001' } }, '--url: must be an http(s) URL'],
  ])('%j names the flag: %s', (input, message) => {
    const text = install(input);
    expect(text).toContain(message);
    expect(text).not.toMatch(/invalid install input|pollInterval|bundleUri|unreachableTimeout/);
  });

  it('says "Required" for a missing field, in the UI\'s input path', () => {
    expect(() => parseInstallInput({ host: { ...host, url: undefined }, bundleUri: 'file:///vmfs/volumes/ds1/b.zip' })).toThrow('host.url: Required');
    expect(() => parseInstallInput({ host })).toThrow('bundleUri: Required');
  });

  it('keeps lines about no flag as they are', () => {
    expect(inFlagTerms('invalid rollout input:\nwindow: the window has already passed\nfoo: bar', { window: '--window' })).toBe('--window: the window has already passed\nfoo: bar');
  });
});

describe('rollout input errors', () => {
  const rollout = (input: Record<string, unknown>) =>
    usageMessage(() => validateFlags(ROLLOUT_FIELDS, () => rolloutStartOptions({ rolloutId: 'r1', hosts: [host], bundleUri: 'file:///vmfs/volumes/ds1/b.zip', maxConcurrency: 1, ...input } as never)));

  it.each([
    [{ maxConcurrency: '0%' }, '--max-concurrency: must be more than 0%'],
    [{ maxFailures: 'many' }, '--max-failures: must be a whole number >= 0'],
    [{ rolloutId: 'a b' }, '--id: must be 1-100 letters'],
    [{ window: { duration: 'soon' } }, '--window: must be a duration'],
    [{ hostRetries: { count: 11 } }, '--retries: '],
    [{ pollInterval: 'never' }, '--poll: "never" is not a duration'],
    [{ hosts: [host, host] }, '--hosts: duplicate host "esx-001"'],
  ])('%j names the flag: %s', (input, message) => {
    expect(rollout(input)).toContain(message);
  });
});
