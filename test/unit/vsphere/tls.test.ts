/** TLS to vCenter (vcsim's self-signed certificate): pinned, trusted as a CA, or explicitly unverified. */
import { CimClient, CimClientError } from '../../../src/cim';
import { normalizeThumbprint } from '../../../src/tls';
import { VsphereClient, VsphereTlsError, VsphereUsageError, type RequestDone, type VsphereLoginOptions } from '../../../src/vsphere';
import { startVcsim, type Vcsim } from '../../support/vcsim';
import { failure } from '../../support/failure';

let sim: Vcsim;

beforeAll(async () => {
  sim = await startVcsim();
}, 180_000);

afterAll(async () => {
  await sim?.stop();
});

async function loginWith(tls: VsphereLoginOptions['tls'], done: RequestDone[] = []): Promise<VsphereClient> {
  return VsphereClient.login({ url: sim.url, user: sim.user, password: sim.password, onRequestDone: (d) => done.push(d), ...(tls ? { tls } : {}) });
}

it('connects when the pinned thumbprint matches, with or without colons, in any case', async () => {
  for (const thumbprint of [sim.thumbprint, sim.thumbprint.replace(/:/g, '').toLowerCase()]) {
    const client = await loginWith({ thumbprint });
    expect((await client.listClusters()).length).toBe(1);
    await client.close();
  }
});

it('refuses another certificate than the pinned one, naming the one presented', async () => {
  const done: RequestDone[] = [];
  const pinned = 'AB'.repeat(32);
  const err = await failure(loginWith({ thumbprint: pinned }, done));
  expect(err).toBeInstanceOf(VsphereTlsError);
  const presented = normalizeThumbprint(sim.thumbprint);
  expect(err).toMatchObject({ reason: 'thumbprint-mismatch', presentedThumbprint: presented, requestMayHaveReachedServer: false, category: 'tls', retryable: false });
  expect(err.message).toBe(`RetrieveServiceContent on ${sim.address} failed: TLS: certificate thumbprint ${presented} does not match the pinned ${pinned}`);
  expect(done.map((d) => d.outcome)).toEqual(['tls']);
});

it('refuses an empty or malformed thumbprint as a usage error, before connecting', async () => {
  for (const [thumbprint, said] of [
    ['', /tls\.thumbprint: is empty/],
    ['  ', /tls\.thumbprint: is empty/],
    ['AB:CD', /tls\.thumbprint: must be a SHA-256 thumbprint/],
  ] as const) {
    const done: RequestDone[] = [];
    const err = await failure(loginWith({ thumbprint }, done));
    expect(err).toBeInstanceOf(VsphereUsageError);
    expect(err.message).toMatch(new RegExp(`^connect on ${sim.address} failed: `));
    expect(err.message).toMatch(said);
    expect(done).toEqual([]);
  }
  // The CIM client shares the TLS settings, and the rule.
  expect(() => new CimClient({ url: 'https://127.0.0.1:5989', user: 'root', password: 'x', tls: { thumbprint: '' } })).toThrow(CimClientError);
  expect(() => new CimClient({ url: 'https://127.0.0.1:5989', user: 'root', password: 'x', tls: { thumbprint: '' } })).toThrow(/tls\.thumbprint: is empty/);
});

it('refuses an untrusted self-signed certificate by default, and says what to do', async () => {
  const err = await failure(loginWith(undefined));
  expect(err).toBeInstanceOf(VsphereTlsError);
  expect(err).toMatchObject({ reason: 'untrusted-certificate', category: 'tls', retryable: false });
  expect(err.message).toMatch(/pin its thumbprint, give a CA bundle, or opt in to insecure/);
});

it('trusts the certificate given as a CA, and skips verification only when asked', async () => {
  for (const tls of [{ ca: sim.certificatePem }, { insecure: true }]) {
    const client = await loginWith(tls);
    expect(client.about.apiType).toBe('VirtualCenter');
    await client.close();
  }
});
