import { InvalidInputError, parseInstallInput } from '../../../src/workflows/installInput';

const host = { name: 'esx-001', url: 'https://127.20.0.1:5989', user: 'root', credential: 'env:ESX_PASSWORD' };
const valid = { host, bundleUri: 'file:///vmfs/volumes/datastore1/tools-1.2.3.zip' };

function problems(raw: unknown): string {
  try {
    parseInstallInput(raw);
  } catch (err) {
    expect(err).toBeInstanceOf(InvalidInputError);
    return (err as Error).message;
  }
  throw new Error('expected the input to be refused');
}

describe('parseInstallInput', () => {
  it('applies the seed defaults: 10 s polls, 30 min stall timeout, 4 h deadline', () => {
    const { plan } = parseInstallInput(valid);
    expect(plan).toMatchObject({ pollIntervalMs: 10_000, stallTimeoutMs: 1_800_000, deadlineMs: 14_400_000, maxPollsPerRun: 50 });
    expect(plan.installOptions).toBeUndefined();
  });

  it('accepts install options by name or code, paired with values', () => {
    const { plan } = parseInstallInput({ ...valid, installOptions: ['update', 3], installOptionValues: ['', ''], pollInterval: '2s' });
    expect(plan.installOptions).toEqual({ options: [5, 3], values: ['', ''] });
    expect(plan.pollIntervalMs).toBe(2_000);
  });

  it('takes VCENTER/HOST, the name a rollout over several vCenters gives a host whose name is in more than one, and nothing deeper', () => {
    expect(parseInstallInput({ ...valid, host: { ...host, name: 'vc-fra1/esx-001' } }).plan.host.name).toBe('vc-fra1/esx-001');
    for (const name of ['vc-1/esx/001', '/esx-001', 'vc-1/', 'vc-1/-esx']) expect(problems({ ...valid, host: { ...host, name } })).toMatch(/^.*host\.name: must be 1-63 letters/m);
  });

  it('keeps special characters and non-ASCII in the bundle URI as they are', () => {
    const uri = `file:///vmfs/volumes/ds1/a&b<c>"d'e]]>-ünïcødé.zip`;
    expect(parseInstallInput({ ...valid, bundleUri: uri }).plan.bundleUri).toBe(uri);
  });

  it.each([
    [{ ...valid, host: { ...host, credential: 'hunter2' } }, 'host.credential'],
    [{ ...valid, host: { ...host, url: 'esx01:5989' } }, 'host.url'],
    [{ ...valid, host: { ...host, url: 'http://127.20.0.1:5988' } }, 'host.url: plain http is refused'],
    [{ ...valid, host: { ...host, tls: { thumbprint: 'AB:CD' } } }, 'host.tls.thumbprint'],
    [{ ...valid, host: { ...host, tls: { insecure: true, caFile: '/ca.pem' } } }, 'host.tls: give at most one'],
    [{ ...valid, host: { ...host, name: '' } }, 'host.name'],
    [{ ...valid, bundleUri: 'https://depot.example/bundle.zip' }, 'bundleUri: must be an offline bundle'],
    [{ ...valid, bundleUri: 'file:///vmfs/a\nb.zip' }, 'bundleUri: must not contain control characters'],
    [{ ...valid, pollInterval: 'often' }, 'pollInterval'],
    [{ ...valid, pollInterval: '1h' }, 'pollInterval: must be between'],
    [{ ...valid, installOptions: ['explode'] }, 'installOptions[0]: unknown option "explode"'],
    [{ ...valid, installOptions: ['update'], installOptionValues: ['a', 'b'] }, 'installOptionValues'],
    [{ ...valid, surprise: true }, 'surprise'],
    [{ bundleUri: valid.bundleUri }, 'host'],
  ])('refuses bad input and names the field (%#)', (raw, field) => {
    expect(problems(raw)).toContain(field);
  });

  it('never echoes a password-like credential value back in the message', () => {
    expect(problems({ ...valid, host: { ...host, credential: 'S3cr3t!pw' } })).not.toContain('S3cr3t!pw');
  });
});
