/**
 * The simulator is a peer, not a mock: CIM clients nobody here wrote (sblim wbemcli, pywbem)
 * drive it over HTTPS exactly as they would drive ESXi.
 */
import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { VENV_PYTHON } from '../../scripts/systemTools';
import { startSimulator, type Simulator } from '../../src/simulator';
import { placeBundle } from '../support/bundles';
import { waitFor } from '../support/waitFor';

const run = promisify(execFile);
const PASSWORD = 'interop-Pa55';

async function tool(command: string, args: string[], env: NodeJS.ProcessEnv = process.env): Promise<string> {
  try {
    const { stdout, stderr } = await run(command, args, { timeout: 60_000, env });
    return stdout + stderr;
  } catch (err) {
    const e = err as { code?: string; stdout?: string; stderr?: string; message: string };
    if (e.code === 'ENOENT') throw new Error(`${command} is not installed: npm test's pretest (scripts/ensure-tools.js) installs it`);
    throw new Error(`${command} ${args.join(' ')} failed: ${e.message}\n${e.stdout ?? ''}${e.stderr ?? ''}`);
  }
}

describe('interoperability with independent CIM clients', () => {
  let simulator: Simulator;
  let base: string;
  const system = 'OMC_UnitaryComputerSystem.CreationClassName="OMC_UnitaryComputerSystem",Name="esx-001"';
  const service =
    'VMware_SoftwareInstallationService.CreationClassName="VMware_SoftwareInstallationService",' +
    'Name="VMware Software Installation Service",SystemCreationClassName="OMC_UnitaryComputerSystem",SystemName="esx-001"';

  beforeAll(async () => {
    simulator = await startSimulator({ hosts: 2, basePort: 0, addressBase: '127.25.0.1', installSeconds: 3, password: PASSWORD, datastores: [{ name: 'ds1' }] });
    await placeBundle(simulator, 'file:///vmfs/volumes/ds1/b.zip', [{ name: 'b', version: '1.0' }]);
    await placeBundle(simulator, 'file:///vmfs/volumes/ds1/tools-2.0.zip', [{ name: 'tools', version: '2.0' }]);
    base = `https://root:${PASSWORD}@${new URL(simulator.hosts[0].url).host}`;
  });

  afterAll(async () => {
    await simulator?.stop();
  });

  it('wbemcli ein lists the registered profiles in root/interop', async () => {
    const out = await tool('wbemcli', ['ein', '-noverify', `${base}/root/interop:CIM_RegisteredProfile`]);
    expect(out).toContain('CIM_RegisteredProfile.InstanceID="DMTF:Base Server:1.0.0"');
  });

  it('wbemcli gi reads the computer system, and ain follows HostedService to the install service', async () => {
    const gi = await tool('wbemcli', ['gi', '-noverify', '-nl', `${base}/root/cimv2:${system}`]);
    expect(gi).toContain('-Name="esx-001"');
    const ain = await tool('wbemcli', ['ain', '-noverify', '-ac', 'CIM_HostedService', `${base}/root/cimv2:${system}`]);
    expect(ain).toContain('VMware_SoftwareInstallationService.CreationClassName="VMware_SoftwareInstallationService"');
  });

  it('wbemcli cm InstallFromURI starts a job that wbemcli gi follows to PercentComplete 100', async () => {
    const cm = await tool('wbemcli', ['cm', '-noverify', `${base}/root/cimv2:${service}`, `InstallFromURI.URI="file:///vmfs/volumes/ds1/b.zip",Target=${system}`]);
    expect(cm).toMatch(/InstallFromURI: 4096, Job \(reference\): root\/cimv2:VMware_ConcreteJob\.InstanceID="esx-001:job:1"/);
    const job = `${base}/root/cimv2:VMware_ConcreteJob.InstanceID="esx-001:job:1"`;
    let last = '';
    await waitFor(async () => {
      last = await tool('wbemcli', ['gi', '-noverify', '-nl', job]);
      return last.includes('-PercentComplete=100');
    }, 'PercentComplete=100 through wbemcli gi', 30_000, 500);
    expect(last).toContain('-JobState=7');
    expect(last).toContain('needs to be rebooted');
    expect(simulator.stats().hosts['esx-001'].installFromUri).toBe(1);
  });

  it("pywbem runs the seed's pseudocode: InvokeMethod, then GetInstance until PercentComplete is 100", async () => {
    const env: NodeJS.ProcessEnv = { ...process.env, SEED_PASSWORD: PASSWORD };
    // requests lets REQUESTS_CA_BUNDLE override pywbem's no_verification; the host is self-signed.
    delete env.REQUESTS_CA_BUNDLE;
    delete env.CURL_CA_BUNDLE;
    const script = path.resolve(__dirname, '../interop/seed_monitor.py');
    const out = await tool(VENV_PYTHON, [script, simulator.hosts[1].url, 'root', 'SEED_PASSWORD', 'file:///vmfs/volumes/ds1/tools-2.0.zip'], env);
    expect(out).toContain('InstallFromURI returned 4096');
    expect(out).toContain('job status: Scanning URI for installable packages');
    expect(out).toMatch(/percent complete 100\n {3}job status: The update completed successfully, but the system needs to be rebooted/);
    expect(out).toContain('error code: 0');
    expect(simulator.stats().hosts['esx-002'].installFromUri).toBe(1);
  });
});
