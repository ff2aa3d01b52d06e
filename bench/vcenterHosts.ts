/**
 * Reading the fleet: `vibflow hosts` over 4 simulated vCenters of 2,500 hosts each (50 clusters of
 * 50), against govc reading the same hosts and the same properties from the same vcsim processes
 * (`govc object.collect -type h` with vibflow's property paths, and `govc find -type c` for the
 * clusters, the four vCenters in parallel as vibflow reads them). Each side runs as a fresh process,
 * three times; the median counts. Target: vibflow / govc <= 1.0.
 * Usage: npm run bench -- vcenter-hosts   (VIBFLOW_BENCH_VCENTERS, VIBFLOW_BENCH_HOSTS_PER_VCENTER, VIBFLOW_BENCH_RUNS to change
 * the size; VIBFLOW_BENCH_CPU_PROF=DIR writes a CPU profile of each vibflow run there)
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { projectGoTool } from '../src/devserver/goTool';
import { HOST_CERTIFICATE_PATH, HOST_STATE_PATHS } from '../src/vsphere/hosts';
import { clusterLayout, DATACENTER } from '../src/simulator/vcenter';
import { resolveVcenterSimulator } from '../src/simulator/vcenterBinary';
import { VcenterProcess } from '../src/simulator/vcenterProcess';
import { GOVC_MODULE } from '../test/support/vcsim';
import { median, printFigures } from './figures';

const VCENTERS = Number(process.env.VIBFLOW_BENCH_VCENTERS ?? 4);
const HOSTS_PER_VCENTER = Number(process.env.VIBFLOW_BENCH_HOSTS_PER_VCENTER ?? 2_500);
const CLUSTER_SIZE = 50;
const RUNS = Number(process.env.VIBFLOW_BENCH_RUNS ?? 3);
const USER = 'administrator@vsphere.local';

function timed(file: string, args: readonly string[], env: NodeJS.ProcessEnv = process.env): Promise<{ seconds: number; stdout: string }> {
  const started = process.hrtime.bigint();
  return new Promise((resolve, reject) => {
    execFile(file, args, { env, maxBuffer: 1024 * 1024 * 1024 }, (err, stdout, stderr) => {
      if (err) return reject(new Error(`${path.basename(file)} ${args.slice(0, 3).join(' ')} failed: ${stderr || err.message}`));
      resolve({ seconds: Number(process.hrtime.bigint() - started) / 1e9, stdout });
    });
  });
}

async function main(): Promise<void> {
  const vcsim = resolveVcenterSimulator((line) => process.stderr.write(`${line}\n`));
  const govc = projectGoTool('govc', GOVC_MODULE, (line) => process.stderr.write(`${line}\n`));
  if (!vcsim || !govc) throw new Error('needs vibflow-vcsim and govc (npm run ensure-tools)');
  const dir = await mkdtemp(path.join(os.tmpdir(), 'vibflow-bench-vcenter-hosts-'));
  const vcenters: { name: string; process: VcenterProcess; password: string }[] = [];
  try {
    const setupStarted = Date.now();
    const hostNames = Array.from({ length: HOSTS_PER_VCENTER }, (_, i) => `esx-${String(i + 1).padStart(4, '0')}`);
    const clusters = clusterLayout(hostNames, Math.ceil(HOSTS_PER_VCENTER / CLUSTER_SIZE));
    // One at a time: each builds a model of 2,500 hosts, and the machine has 2 CPUs.
    for (let i = 0; i < VCENTERS; i++) {
      const password = randomBytes(12).toString('base64url');
      const process = await VcenterProcess.start({
        binary: vcsim,
        spec: { datacenter: DATACENTER, clusters: clusters.map((hosts, c) => ({ name: `cluster-${c + 1}`, hosts: hosts.map((name) => ({ name })) })) },
        user: USER, password, cimControlUrl: '', rebootSeconds: 1, maintenanceSeconds: 0, ticketSeconds: 120, readyTimeoutMs: 600_000,
      });
      vcenters.push({ name: `vc-${i + 1}`, process, password });
    }
    vcenters.sort((a, b) => a.name.localeCompare(b.name));
    const setupSeconds = (Date.now() - setupStarted) / 1000;
    const inventory = path.join(dir, 'fleet.json');
    for (const v of vcenters) await writeFile(path.join(dir, `${v.name}.password`), v.password, { mode: 0o600 });
    await writeFile(inventory, JSON.stringify({
      version: 1,
      vcenters: vcenters.map((v) => ({ name: v.name, url: v.process.url, user: USER, credential: `file:${path.join(dir, `${v.name}.password`)}`, tls: { thumbprint: v.process.thumbprint } })),
    }));

    const vibflowBin = path.resolve(__dirname, '..', 'bin', 'vibflow.js');
    const readWithVibflow = async () => {
      const run = await timed(process.execPath, [...(process.env.VIBFLOW_BENCH_CPU_PROF ? ['--cpu-prof', `--cpu-prof-dir=${process.env.VIBFLOW_BENCH_CPU_PROF}`] : []), vibflowBin, 'hosts', '--inventory', inventory, '--json']);
      const hosts = JSON.parse(run.stdout) as unknown[];
      if (hosts.length !== VCENTERS * HOSTS_PER_VCENTER) throw new Error(`vibflow hosts listed ${hosts.length} hosts`);
      return run.seconds;
    };
    const readWithGovc = async () => {
      const started = process.hrtime.bigint();
      const counts = await Promise.all(vcenters.map(async (v) => {
        const url = new URL(v.process.url);
        url.username = USER;
        url.password = v.password;
        const env = { ...process.env, GOVC_URL: url.toString(), GOVC_INSECURE: '1' };
        const [hosts] = await Promise.all([
          timed(govc, ['object.collect', '-json', '-type', 'h', '/', 'parent', ...HOST_STATE_PATHS, HOST_CERTIFICATE_PATH], env),
          timed(govc, ['find', '/', '-type', 'c'], env),
        ]);
        // govc -json prints one object per host: {"kind": "enter", "obj": {"type": "HostSystem", ...}, "changeSet": [...]}.
        return (hosts.stdout.match(/"obj":\s*\{\s*"type":\s*"HostSystem"/g) ?? []).length;
      }));
      if (counts.some((n) => n !== HOSTS_PER_VCENTER)) throw new Error(`govc object.collect read ${counts.join(', ')} hosts, not ${HOSTS_PER_VCENTER} from each vCenter`);
      return Number(process.hrtime.bigint() - started) / 1e9;
    };

    const vibflowTimes: number[] = [];
    const govcTimes: number[] = [];
    for (let run = 0; run < RUNS; run++) {
      vibflowTimes.push(await readWithVibflow());
      govcTimes.push(await readWithGovc());
    }
    const ratio = median(vibflowTimes) / median(govcTimes);
    printFigures(`reading the fleet: vibflow hosts vs govc (${VCENTERS} vCenters x ${HOSTS_PER_VCENTER} hosts, ${RUNS} runs each)`, [
      ['vcsim processes started in', `${setupSeconds.toFixed(1)} s`],
      ['vibflow hosts --inventory --json, median (runs)', `${median(vibflowTimes).toFixed(2)} s (${vibflowTimes.map((t) => t.toFixed(2)).join(', ')})`],
      ['govc object.collect -type h + govc find -type c per vCenter, in parallel, median (runs)', `${median(govcTimes).toFixed(2)} s (${govcTimes.map((t) => t.toFixed(2)).join(', ')})`],
      ['ratio vibflow / govc (target <= 1.0)', ratio.toFixed(3)],
    ]);
  } finally {
    await Promise.all(vcenters.map((v) => v.process.stop()));
    await rm(dir, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`${(err as Error).stack ?? String(err)}\n`);
  process.exit(1);
});
