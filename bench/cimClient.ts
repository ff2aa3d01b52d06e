/**
 * Benchmark 2: vibflow's CIM client against pywbem, same simulated host, HTTPS with keep-alive,
 * measured in one run: 2,000 sequential GetInstance calls of a job, 200 InstallFromURI+GetInstance
 * pairs. Also the pure decode rate of a typical job GetInstance response.
 */
import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { VENV_PYTHON } from '../scripts/systemTools';
import { CimClient } from '../src/cim/client';
import { decodeResponse } from '../src/cim/decode';
import { encodeResponse } from '../src/cim/encode';
import type { CimInstanceName } from '../src/cim/types';
import { discoverHost } from '../src/esxi/discovery';
import { startInstall } from '../src/esxi/install';
import { startSimulator } from '../src/simulator';
import { placeBundle } from '../test/support/bundles';
import { printFigures } from './figures';

const GETS = 2_000;
const PAIRS = 200;
const DECODES = 50_000;
const BUNDLE = 'file:///vmfs/volumes/ds1/bench-2.0.0.zip';

async function main(): Promise<void> {
  const password = 'bench-Pa55';
  const simulator = await startSimulator({ hosts: 1, basePort: 0, addressBase: '127.41.0.1', installSeconds: 0.001, jobRetentionSeconds: 3600, password, datastores: [{ name: 'ds1' }] });
  await placeBundle(simulator, BUNDLE, [{ name: 'bench', version: '2.0.0' }]);
  const host = simulator.inventory.hosts[0];
  const client = new CimClient({ url: host.url, user: host.user ?? 'root', password, tls: host.tls, connections: 1 });
  try {
    const objects = await discoverHost(client);
    const { jobRef } = await startInstall(client, objects, BUNDLE);
    await client.getInstance(jobRef);

    let start = performance.now();
    for (let i = 0; i < GETS; i++) await client.getInstance(jobRef);
    const getsRate = GETS / ((performance.now() - start) / 1000);
    start = performance.now();
    for (let i = 0; i < PAIRS; i++) {
      const started = await startInstall(client, objects, BUNDLE);
      await client.getInstance(started.jobRef);
    }
    const pairsRate = PAIRS / ((performance.now() - start) / 1000);

    const env: NodeJS.ProcessEnv = { ...process.env, BENCH_PASSWORD: password };
    delete env.REQUESTS_CA_BUNDLE; // it would override pywbem's no_verification for the self-signed host
    delete env.CURL_CA_BUNDLE;
    const jobId = String((jobRef as CimInstanceName).keys.InstanceID);
    const { stdout } = await promisify(execFile)(VENV_PYTHON, [path.join(__dirname, 'pywbem_bench.py'), host.url, host.user ?? 'root', 'BENCH_PASSWORD', jobId, String(GETS), String(PAIRS)], { env, timeout: 600_000 });
    const pywbem = JSON.parse(stdout.trim().split('\n').pop() as string) as { gets_per_second: number; pairs_per_second: number };

    const xml = encodeResponse({ ok: true, messageId: '1', result: { kind: 'GetInstance', instance: await client.getInstance(jobRef) } });
    start = performance.now();
    for (let i = 0; i < DECODES; i++) decodeResponse(xml, { kind: 'GetInstance' }, { host: 'bench' });
    const decodeRate = DECODES / ((performance.now() - start) / 1000);

    printFigures('CIM client vs pywbem (HTTPS, keep-alive, one simulated host)', [
      ['GetInstance/s vibflow', getsRate.toFixed(0)],
      ['GetInstance/s pywbem', pywbem.gets_per_second.toFixed(0)],
      ['ratio GetInstance', (getsRate / pywbem.gets_per_second).toFixed(2)],
      ['InstallFromURI+GetInstance pairs/s vibflow', pairsRate.toFixed(0)],
      ['InstallFromURI+GetInstance pairs/s pywbem', pywbem.pairs_per_second.toFixed(0)],
      ['ratio pairs', (pairsRate / pywbem.pairs_per_second).toFixed(2)],
      [`decode of a job GetInstance response (${Buffer.byteLength(xml)} bytes)/s`, decodeRate.toFixed(0)],
    ]);
  } finally {
    await client.close();
    await simulator.stop();
  }
}

main().catch((err) => {
  process.stderr.write(`${err instanceof Error ? err.stack : String(err)}\n`);
  process.exitCode = 1;
});
