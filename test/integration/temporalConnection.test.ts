/**
 * Connection settings the Temporal way: the same `vibflow` command line runs against the dev
 * server with nothing but TEMPORAL_ADDRESS, and against an mTLS endpoint through an envconfig
 * profile (TOML file with CA, client certificate and key); the worker connects the same way.
 * The mTLS endpoint is a TLS front for the dev server that demands a client certificate.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { startSimulator, type Simulator } from '../../src/simulator';
import { placeBundle } from '../support/bundles';
import { vibflow } from '../support/commands';
import { makeTestPki, startMtlsProxy, type MtlsProxy } from '../support/mtlsProxy';
import { temporalAddress, uniqueTaskQueue } from '../support/temporal';
import { spawnWorkerProcess, type WorkerProcess } from '../support/workerProcess';

describe('connecting through envconfig', () => {
  let simulator: Simulator;
  let proxy: MtlsProxy;
  let worker: WorkerProcess | undefined;
  let dir: string;
  let inventory: string;
  let configFile: string;
  const taskQueue = uniqueTaskQueue('mtls');

  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'vibflow-mtls-'));
    inventory = path.join(dir, 'inventory.json');
    simulator = await startSimulator({ hosts: 2, basePort: 0, addressBase: '127.44.0.1', installSeconds: 1, inventoryFile: inventory, datastores: [{ name: 'ds1' }] });
    await placeBundle(simulator, 'file:///vmfs/volumes/ds1/conn-1.0.0.zip', [{ name: 'conn', version: '1.0.0' }]);
    const pki = await makeTestPki();
    proxy = await startMtlsProxy(temporalAddress(), pki);
    const file = (name: string, text: string) => writeFile(path.join(dir, name), text, { mode: 0o600 });
    await Promise.all([file('ca.pem', pki.caCert), file('client.pem', pki.client.cert), file('client.key', pki.client.key)]);
    configFile = path.join(dir, 'temporal.toml');
    await file('temporal.toml', [
      '[profile.secure]', `address = "${proxy.address}"`, 'namespace = "default"',
      '[profile.secure.tls]', `server_ca_cert_path = "${dir}/ca.pem"`, `client_cert_path = "${dir}/client.pem"`,
      `client_key_path = "${dir}/client.key"`, 'server_name = "temporal.test"',
      '', '[profile.no-client-cert]', `address = "${proxy.address}"`,
      '[profile.no-client-cert.tls]', `server_ca_cert_path = "${dir}/ca.pem"`, 'server_name = "temporal.test"',
    ].join('\n'));
    // The worker itself connects through the mTLS profile.
    worker = await spawnWorkerProcess({ taskQueue, address: false, env: { TEMPORAL_CONFIG_FILE: configFile, TEMPORAL_PROFILE: 'secure' } });
  });

  afterAll(async () => {
    await worker?.stop();
    await proxy?.close();
    await simulator?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  const install = (host: string) =>
    ['install', '--inventory', inventory, '--host', host, '--uri', 'file:///vmfs/volumes/ds1/conn-1.0.0.zip', '--task-queue', taskQueue, '--poll', '300ms', '--wait', '--json'];

  it('runs the same command against the dev server with no config and against mTLS with a profile', async () => {
    const plain = await vibflow(install('esx-001'), { env: { TEMPORAL_ADDRESS: temporalAddress() } });
    expect(plain.stderr).toBe('');
    expect(JSON.parse(plain.stdout)).toMatchObject({ host: 'esx-001', outcome: 'succeeded-reboot-required' });

    const secure = await vibflow(install('esx-002'), { env: { TEMPORAL_CONFIG_FILE: configFile, TEMPORAL_PROFILE: 'secure' } });
    expect(secure.stderr).toBe('');
    expect(JSON.parse(secure.stdout)).toMatchObject({ host: 'esx-002', outcome: 'succeeded-reboot-required' });
    expect(simulator.stats().fleet.installFromUri).toBe(2);
  });

  it('is refused by the mTLS endpoint without a client certificate, and starts nothing', async () => {
    const refusedBefore = proxy.refused();
    const denied = await vibflow([...install('esx-001'), '--config-file', configFile, '--profile', 'no-client-cert'], { timeoutMs: 60_000 });
    expect(denied.code).toBe(3);
    expect(denied.stderr).toContain(`vibflow: cannot connect to Temporal at ${proxy.address} (TLS, profile "no-client-cert")`);
    expect(proxy.refused()).toBeGreaterThan(refusedBefore);
    expect(simulator.stats().fleet.installFromUri).toBe(2);
  });
});
