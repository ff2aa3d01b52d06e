/**
 * Staging a 1 GB bundle to the simulated vCenter (vcsim with the project's /folder datastore
 * endpoint), against VMware's govc `datastore.upload` of the same file to the same vcsim:
 * - the upload: vibflow's stageCopy streaming the file over HTTP PUT (counted on the
 *   way; the read-back checks them), timed from the first byte to the last, against govc's upload: ratio govc time /
 *   vibflow time, target >= 0.9;
 * - the whole verified copy, as `vibflow stage` does it through a worker process: the check for
 *   an identical copy, the upload, the read-back of what the datastore holds (size and SHA-256)
 *   and the move into place; that is two passes over the bytes where govc makes one;
 * - the worker's RSS while it stages the bundle: peak above its RSS just before (target < 64 MB).
 * Usage: npm run bench -- staging [payload MiB, default 1024] [runs, default 3]
 */
import { execFile } from 'node:child_process';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { sha256OfFile } from '../src/bundle';
import { resolveCredential } from '../src/inventory/credentials';
import { writeBundle } from '../src/simulator/bundleBuilder';
import { stageCopy } from '../src/staging/stagedCopy';
import { VsphereClient } from '../src/vsphere';
import { govcFor } from '../test/support/govc';
import { compileProject, spawnCompiledWorker } from './compiledWorker';
import { median, printFigures } from './figures';
import { processUsage } from './processUsage';
import { withStack } from './stack';

const MiB = 1024 * 1024;
const BIN = path.resolve(__dirname, '../bin/vibflow.js');
const mbps = (bytes: number, ms: number) => bytes / MiB / (ms / 1000);
const list = (values: readonly number[], unit: string) => `${median(values).toFixed(1)} ${unit} median of ${values.length} (${values.map((v) => v.toFixed(1)).join(', ')})`;

async function main(): Promise<void> {
  const payloadMiB = Number(process.argv[2] ?? 1024);
  const runs = Number(process.argv[3] ?? 3);
  compileProject();
  const dir = await mkdtemp(path.join(os.tmpdir(), 'vibflow-bench-staging-'));
  try {
    const file = path.join(dir, 'big-offline-bundle.zip');
    await writeBundle(file, { vibs: [{ name: 'big-addon', version: '1.0.0-1', acceptanceLevel: 'partner', payloadBytes: payloadMiB * MiB }] });
    const { size } = await stat(file);
    const sha256 = await sha256OfFile(file);
    const inventory = path.join(dir, 'inventory.json');
    await withStack({ hosts: 1, basePort: 0, addressBase: '127.47.0.1', installSeconds: 1, inventoryFile: inventory, datastores: [{ name: 'shared' }], vcenter: { clusters: 1 } }, 'external', async ({ temporal, simulator, taskQueue, bundlePath }) => {
      const vcenter = simulator.vcenter!;
      const govc = await govcFor(simulator, dir);
      const directory = simulator.datastores[0].directory;
      const govcMs: number[] = [];
      const uploadMs: number[] = [];
      const verifyMs: number[] = [];
      const copyMs: number[] = [];
      const stageMs: number[] = [];
      const rssGrowth: number[] = [];
      // Alternate the two clients, so neither always meets a warmer page cache.
      const client = await VsphereClient.login({ url: vcenter.url, user: vcenter.user, password: await resolveCredential(vcenter.credential), tls: { thumbprint: vcenter.thumbprint } });
      try {
        const [ds] = (await client.listDatastores()).filter((d) => d.name === 'shared');
        for (let i = 0; i < runs; i++) {
          const t0 = Date.now();
          const up = await govc(['datastore.upload', '-ds', 'shared', file, `govc-${i}.zip`]);
          if (up.code !== 0) throw new Error(`govc datastore.upload failed: ${up.stderr}`);
          govcMs.push(Date.now() - t0);
          if ((await stat(path.join(directory, `govc-${i}.zip`))).size !== size) throw new Error('govc uploaded something else');
          await rm(path.join(directory, `govc-${i}.zip`));

          const phases = new Map<string, { first: number; last: number }>();
          const began = Date.now();
          await stageCopy(client, ds, { file, sizeBytes: size, sha256, path: `vibflow/upload-${i}/big.zip` }, (p) => {
            const seen = phases.get(p.phase);
            if (seen) seen.last = Date.now();
            else phases.set(p.phase, { first: Date.now(), last: Date.now() });
          });
          const ended = Date.now();
          const span = (phase: string) => phases.get(phase) ?? { first: NaN, last: NaN };
          uploadMs.push(span('uploading').last - span('uploading').first);
          verifyMs.push(span('verifying').last - span('verifying').first);
          copyMs.push(ended - began);
          await rm(path.join(directory, 'vibflow', `upload-${i}`), { recursive: true });
        }
      } finally {
        await client.close();
      }

      const worker = await spawnCompiledWorker({ taskQueue, address: temporal.address, ...(bundlePath ? { bundlePath } : {}) });
      try {
        for (let i = 0; i < runs; i++) {
          const before = processUsage(worker.pid).rssBytes;
          let peak = before;
          const sampler = setInterval(() => (peak = Math.max(peak, processUsage(worker.pid).rssBytes)), 50);
          const { stdout } = await promisify(execFile)(process.execPath, [BIN, 'stage', '--inventory', inventory, '--bundle', file, '--datastore', 'shared', '--id', `bench-${Date.now().toString(36)}`, '--json', '--address', temporal.address, '--task-queue', taskQueue], { maxBuffer: 16 * MiB, timeout: 600_000 });
          clearInterval(sampler);
          rssGrowth.push((peak - before) / MiB);
          const result = JSON.parse(stdout) as { copies: { state: string; sizeBytes: number; rateBps?: number }[] };
          const [copy] = result.copies;
          if (copy?.state !== 'staged' || !copy.rateBps) throw new Error(`stage did not upload a copy: ${stdout}`);
          stageMs.push((copy.sizeBytes / copy.rateBps) * 1000);
          await promisify(execFile)(process.execPath, [BIN, 'staged', '--inventory', inventory, '--remove']);
        }
      } finally {
        await worker.stop();
      }

      const ratio = median(govcMs) / median(uploadMs);
      printFigures(`staging a ${(size / MiB).toFixed(0)} MiB bundle to vcsim (${temporal.label}), against govc datastore.upload`, [
        ['govc datastore.upload', `${list(govcMs, 'ms')}, ${mbps(size, median(govcMs)).toFixed(0)} MiB/s`],
        ['vibflow upload (stageCopy: counted on the way, checked by the read-back)', `${list(uploadMs, 'ms')}, ${mbps(size, median(uploadMs)).toFixed(0)} MiB/s`],
        ['  ratio govc / vibflow', `${ratio.toFixed(2)}x (target >= 0.9x: ${ratio >= 0.9 ? 'met' : 'MISSED'})`],
        ['vibflow read-back of the copy (GET through vCenter, SHA-256)', `${list(verifyMs, 'ms')}`],
        ['vibflow whole copy in-process (check, upload, read-back, move)', `${list(copyMs, 'ms')}, ${mbps(size, median(copyMs)).toFixed(0)} MiB/s`],
        ['vibflow stage, verified copy (check, upload, read-back SHA-256, move)', `${list(stageMs, 'ms')}, ${mbps(size, median(stageMs)).toFixed(0)} MiB/s`],
        ['  against govc (one pass, unverified)', `${(median(govcMs) / median(stageMs)).toFixed(2)}x`],
        ['worker RSS growth while staging', `${list(rssGrowth, 'MB')} (target < 64 MB: ${Math.max(...rssGrowth) < 64 ? 'met' : 'MISSED'})`],
      ]);
    });
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
