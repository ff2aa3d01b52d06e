/**
 * `bundle inspect` of a 1 GB offline bundle: readBundle reads the metadata only (target < 1 s,
 * whatever the size), inspectBundle adds one streamed SHA-256 pass over the whole file; the RSS
 * growth of each shows that neither holds the bundle in memory. The bundle is built first,
 * streamed (a 1 GiB payload plus two small VIBs). Each measurement runs in a fresh process, so
 * the builder's memory and the module cache of earlier runs do not blur the RSS figures; the
 * file is in the page cache by then (it was just written), as a bundle just downloaded is.
 * Usage: npm run bench -- bundle-inspect [payload MiB, default 1024] [runs, default 5]
 */
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { inspectBundle, readBundle } from '../src/bundle';
import { writeBundle } from '../src/simulator/bundleBuilder';
import { median, printFigures } from './figures';

const MiB = 1024 * 1024;

interface Measured {
  readonly ms: number;
  readonly rssGrowthBytes: number;
  readonly vibs: number;
  readonly sha256?: string;
}

/** In the child: one call, its wall time and the peak RSS above the RSS just before it. */
async function measure(kind: 'read' | 'inspect', file: string): Promise<Measured> {
  const baseline = process.memoryUsage.rss();
  let peak = baseline;
  const sampler = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage.rss());
  }, 5);
  const started = process.hrtime.bigint();
  const result = kind === 'read' ? { ...(await readBundle(file)), sha256: undefined } : await inspectBundle(file);
  const ms = Number(process.hrtime.bigint() - started) / 1e6;
  clearInterval(sampler);
  peak = Math.max(peak, process.memoryUsage.rss());
  return { ms, rssGrowthBytes: peak - baseline, vibs: result.vibs.length, ...(result.sha256 !== undefined ? { sha256: result.sha256 } : {}) };
}

async function inChild(kind: 'read' | 'inspect', file: string): Promise<Measured> {
  const { stdout } = await promisify(execFile)(process.execPath, ['-r', 'ts-node/register/transpile-only', __filename, '--measure', kind, file], {
    env: { ...process.env, TS_NODE_SWC: 'true' },
  });
  return JSON.parse(stdout) as Measured;
}

const mb = (bytes: number) => `${(bytes / MiB).toFixed(1)} MB`;
const msText = (values: readonly number[]) => `${median(values).toFixed(1)} ms median of ${values.length} (min ${Math.min(...values).toFixed(1)}, max ${Math.max(...values).toFixed(1)})`;

async function main(): Promise<void> {
  const payloadMiB = Number(process.argv[2] ?? 1024);
  const runs = Number(process.argv[3] ?? 5);
  const dir = await mkdtemp(path.join(os.tmpdir(), 'vibflow-bench-bundle-'));
  try {
    const file = path.join(dir, 'large-offline-bundle.zip');
    const built = Date.now();
    const written = await writeBundle(file, {
      vibs: [
        { name: 'big-addon', version: '800.1.0-1', vendor: 'ACME', acceptanceLevel: 'partner', payloadBytes: payloadMiB * MiB },
        { name: 'acme-cim', version: '3.1-7', vendor: 'ACME', acceptanceLevel: 'partner', maintenanceMode: false },
        { name: 'acme-tools', version: '1.0-1', vendor: 'ACME', acceptanceLevel: 'community', maintenanceMode: false, liveInstall: true },
      ],
    });
    const buildSeconds = (Date.now() - built) / 1000;
    const reads: Measured[] = [];
    for (let i = 0; i < runs; i++) reads.push(await inChild('read', file));
    const inspects: Measured[] = [];
    for (let i = 0; i < Math.min(runs, 3); i++) inspects.push(await inChild('inspect', file));
    if (reads.some((r) => r.vibs !== 3) || inspects.some((r) => r.sha256 !== inspects[0].sha256)) throw new Error('a run read something else');
    const readMs = reads.map((r) => r.ms);
    const inspectMs = inspects.map((r) => r.ms);
    printFigures(`bundle inspect of a ${mb(written.size)} bundle (3 VIBs, one with a ${payloadMiB} MiB payload)`, [
      ['bundle built (streamed)', `${buildSeconds.toFixed(1)} s`],
      ['readBundle (metadata only)', msText(readMs)],
      ['  target', `< 1000 ms: ${median(readMs) < 1000 ? 'met' : 'MISSED'}`],
      ['  RSS growth', `${mb(median(reads.map((r) => r.rssGrowthBytes)))} median, ${mb(Math.max(...reads.map((r) => r.rssGrowthBytes)))} max`],
      ['inspectBundle (+ SHA-256 of the file)', msText(inspectMs)],
      ['  hashing rate', `${(written.size / MiB / (median(inspectMs) / 1000)).toFixed(0)} MB/s`],
      ['  RSS growth', `${mb(median(inspects.map((r) => r.rssGrowthBytes)))} median, ${mb(Math.max(...inspects.map((r) => r.rssGrowthBytes)))} max`],
    ]);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

if (process.argv[2] === '--measure') {
  measure(process.argv[3] as 'read' | 'inspect', process.argv[4]).then(
    (result) => process.stdout.write(JSON.stringify(result)),
    (err: unknown) => {
      process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
      process.exitCode = 1;
    },
  );
} else {
  main().catch((err: unknown) => {
    process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exitCode = 1;
  });
}
