/**
 * Staging when things go wrong, as they do in the field: the worker SIGKILLed in the middle of an
 * upload (twice), a datastore without room, a staged copy deleted by hand before a host's turn,
 * and a corrupted copy already sitting where the bundle goes. Ground truth: the files in the
 * simulated datastore's directory (what a host would read), VMware's govc, and the simulator's
 * counters of maintenance mode and InstallFromURI calls.
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { startSimulator, type Simulator } from '../../src/simulator';
import { writeBundle } from '../../src/simulator/bundleBuilder';
import { vibflow } from '../support/commands';
import { govcFor, type GovcTarget } from '../support/govc';
import { temporalAddress, testClient, uniqueTaskQueue } from '../support/temporal';
import { waitFor } from '../support/waitFor';
import { spawnWorkerProcess, type WorkerProcess } from '../support/workerProcess';

jest.setTimeout(300_000);

interface Row { host: string; state: string; outcome?: string; error?: string; verified?: boolean; inMaintenanceMode?: boolean }
interface Result { outcome: string; rows: Row[]; staging?: { state: string; copies: { datastore: string; state: string; uploaded?: boolean; bytesDone: number; sizeBytes: number }[]; blocked: { host: string; reason: string }[] } }

const sha256 = async (file: string) => createHash('sha256').update(await readFile(file)).digest('hex');

describe('staging under faults: killed workers, a full datastore, a copy deleted or corrupted', () => {
  const taskQueue = uniqueTaskQueue('staging-faults');
  let dir: string;
  let simulator: Simulator;
  let govc: GovcTarget;
  let worker: WorkerProcess | undefined;
  let bundle: string;
  let bigBundle: string;
  const temporal = () => ['--address', temporalAddress(), '--task-queue', taskQueue];
  const inventory = () => path.join(dir, 'inventory.json');
  const shared = () => simulator.datastores.find((d) => d.name === 'shared')!;

  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'vibflow-staging-faults-'));
    // esx-001 mounts only `full`, a datastore with no room for any bundle.
    simulator = await startSimulator({
      hosts: 4, basePort: 0, addressBase: '127.58.0.1', installSeconds: 1, inventoryFile: inventory(),
      datastores: [{ name: 'shared', hosts: ['esx-002', 'esx-003', 'esx-004'] }, { name: 'full', hosts: ['esx-001'], freeBytes: 1024 }],
      vcenter: { clusters: 1, rebootSeconds: 1 },
    });
    govc = await govcFor(simulator, dir);
    bundle = path.join(dir, 'drv.zip');
    await writeBundle(bundle, { vibs: [{ name: 'vibflow-drv', version: '2.0.0-1', acceptanceLevel: 'partner', maintenanceMode: true, liveInstall: false, payloadBytes: 256 * 1024 }] });
    // Big enough that an upload to the simulated vCenter takes a while on loopback.
    bigBundle = path.join(dir, 'big.zip');
    await writeBundle(bigBundle, { vibs: [{ name: 'vibflow-big', version: '1.0.0-1', acceptanceLevel: 'partner', maintenanceMode: true, liveInstall: false, payloadBytes: 600 * 1024 * 1024 }] });
    worker = await spawnWorkerProcess({ taskQueue });
  }, 240_000);

  afterAll(async () => {
    await worker?.stop();
    await simulator?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  const maintenanceCalls = async (host: string) => (await simulator.statsWithVcenter()).hosts[host].vcenter?.enterMaintenanceCalls ?? 0;
  /** Every file under the shared datastore's vibflow/ folder, with its size: what a host could read. */
  const stagedFiles = async () => {
    const root = path.join(shared().directory, 'vibflow');
    const found: { file: string; size: number }[] = [];
    for (const sub of await readdir(root).catch(() => [] as string[])) {
      for (const name of await readdir(path.join(root, sub))) found.push({ file: `vibflow/${sub}/${name}`, size: (await stat(path.join(root, sub, name))).size });
    }
    return found;
  };

  it('a worker SIGKILLed twice in the middle of an upload still leaves one complete, verified copy and no partial file', async () => {
    const size = (await stat(bigBundle)).size;
    const digest = await sha256(bigBundle);
    const sub = digest.slice(0, 12);
    const partial = path.join(shared().directory, 'vibflow', sub, '.big.zip.partial');
    const id = `killed-upload-${Date.now().toString(36)}`;
    let ended: string | undefined;
    const stage = vibflow(['stage', '--inventory', inventory(), '--bundle', bigBundle, '--datastore', 'shared', '--id', id, '--json', ...temporal()], { timeoutMs: 280_000 });
    void stage.then((r) => (ended = `exit ${r.code}: ${r.stdout}${r.stderr}`), (err: Error) => (ended = err.message));
    const handle = (await testClient()).workflow.getHandle(`vibflow-stage:${id}`);
    /** The upload activity's attempt, once a worker runs it. */
    const runningAttempt = async () => {
      const pending = (await handle.describe()).raw.pendingActivities ?? [];
      const upload = pending.find((a) => a.activityType?.name === 'stageBundleCopy' && a.state === 2 /* PENDING_ACTIVITY_STATE_STARTED (1 is SCHEDULED) */);
      return upload?.attempt ?? 0;
    };
    let killedAt = 0;
    for (const attempt of [1, 2]) {
      // Killed while the partial is being written by this attempt: part of the bytes are there.
      await waitFor(async () => {
        if (ended !== undefined) throw new Error(`vibflow stage ended before attempt ${attempt} was killed: ${ended}`);
        if ((await runningAttempt()) !== attempt) return false;
        const written = await stat(partial).catch(() => undefined);
        return written !== undefined && written.mtimeMs > killedAt && written.size > 0 && written.size < size;
      }, `attempt ${attempt} of the upload to be under way`, 120_000, 20);
      worker!.kill('SIGKILL');
      await worker!.exited;
      killedAt = Date.now();
      const left = await stat(partial);
      expect(left.size).toBeLessThan(size);
      // The half-written file never has the copy's name, so no host can be given it.
      expect((await stagedFiles()).map((f) => f.file)).toEqual([`vibflow/${sub}/.big.zip.partial`]);
      worker = await spawnWorkerProcess({ taskQueue });
    }

    const done = await stage;
    expect([done.code, done.stderr]).toEqual([0, '']);
    expect(JSON.parse(done.stdout)).toMatchObject({ state: 'staged', copies: [{ datastore: 'shared', state: 'staged', bytesDone: size, sizeBytes: size }] });
    expect(await stagedFiles()).toEqual([{ file: `vibflow/${sub}/big.zip`, size }]);
    // What govc reads back through vCenter is the bundle, byte for byte.
    const download = path.join(dir, 'big-downloaded.zip');
    expect((await govc(['datastore.download', '-ds', 'shared', `vibflow/${sub}/big.zip`, download])).code).toBe(0);
    expect(await sha256(download)).toBe(digest);
    await rm(download);
    const history = await handle.fetchHistory();
    const failedAttempts = (history.events ?? []).filter((e) => e.activityTaskTimedOutEventAttributes).length;
    const started = (history.events ?? []).filter((e) => e.activityTaskStartedEventAttributes?.attempt !== undefined && (e.activityTaskStartedEventAttributes.attempt ?? 0) >= 3);
    expect(started.length).toBeGreaterThan(0); // the third attempt did the upload
    expect(failedAttempts).toBe(0); // retried after heartbeat timeouts, never given up on

    expect((await vibflow(['staged', '--inventory', inventory(), '--remove'])).code).toBe(0);
    expect(await stagedFiles()).toEqual([]);
  });

  it('a host whose only datastore has no room for the bundle is blocked with the reason, nothing is uploaded there, and the next host still goes', async () => {
    // esx-001 goes first (vCenter's order), one host at a time: its being blocked does not stop
    // esx-002 (nothing was done to it), but it counts against the budget of 0 when the rollout ends.
    const run = await vibflow(['rollout', '--inventory', inventory(), '--bundle', bundle, '--hosts', 'esx-001,esx-002', '--remediate', '--max-concurrency', '1', '--max-per-cluster', '1', '--max-failures', '0', '--poll', '1s', '--wait', '--json', ...temporal()], { timeoutMs: 200_000 });
    expect(run.code).toBe(1);
    const result = JSON.parse(run.stdout) as Result & { reason?: string };
    expect([result.outcome, result.reason]).toEqual(['failed', 'failure-budget-exceeded']);
    const byHost = new Map(result.rows.map((r) => [r.host, r]));
    expect(byHost.get('esx-002')).toMatchObject({ outcome: 'succeeded', verified: true });
    expect(byHost.get('esx-001')).toMatchObject({ state: 'failed', outcome: 'blocked', inMaintenanceMode: false, error: expect.stringMatching(/esx-001 cannot read the staged bundle: .*; esx-001 mounts no datastore the bundle can be staged on \(full: full \(0\.0 MB free, the bundle needs 0\.\d MB\)\)/) });
    expect(result.staging?.blocked).toEqual([{ host: 'esx-001', reason: expect.stringMatching(/^esx-001 mounts no datastore the bundle can be staged on \(full: full \(0\.0 MB free, the bundle needs 0\.\d MB\)\): free 0\.\d MB on one of them$/) }]);
    expect(await maintenanceCalls('esx-001')).toBe(0);
    expect(simulator.stats().hosts['esx-001'].installFromUri).toBe(0);
    expect(await readdir(simulator.datastores.find((d) => d.name === 'full')!.directory)).toEqual([]);
  });

  it('a staged copy deleted by hand before a host\'s turn blocks that host before maintenance mode', async () => {
    const id = `deleted-copy-${Date.now().toString(36)}`;
    const rollout = vibflow(['rollout', '--inventory', inventory(), '--bundle', bundle, '--hosts', 'esx-003,esx-004', '--remediate', '--canary', '1', '--approve-after-canary', '--max-concurrency', '1', '--max-failures', '0', '--poll', '1s', '--id', id, '--wait', '--json', ...temporal()], { timeoutMs: 250_000 });
    const handle = (await testClient()).workflow.getHandle(`vibflow-rollout:${id}`);
    await waitFor(async () => (await handle.query<{ phase: string }>('progress')).phase === 'awaiting-approval', 'the canary to finish', 200_000, 500);
    const [copy] = await stagedFiles();
    expect(copy.file).toMatch(/^vibflow\/[0-9a-f]{12}\/drv\.zip$/);
    expect((await govc(['datastore.rm', '-ds', 'shared', copy.file])).code).toBe(0);
    expect((await vibflow(['rollout', 'approve', id, ...temporal()])).code).toBe(0);
    const done = await rollout;
    expect(done.code).toBe(1);
    const rows = new Map((JSON.parse(done.stdout) as Result).rows.map((r) => [r.host, r]));
    const [canary, next] = ['esx-003', 'esx-004'].map((h) => rows.get(h)!);
    const blocked = canary.outcome === 'blocked' ? canary : next;
    const succeeded = canary.outcome === 'blocked' ? next : canary;
    expect(succeeded).toMatchObject({ outcome: 'succeeded', verified: true });
    expect(blocked).toMatchObject({ state: 'failed', outcome: 'blocked', inMaintenanceMode: false, error: expect.stringContaining(`the staged copy [shared] ${copy.file} is not there any more`) });
    expect(await maintenanceCalls(blocked.host)).toBe(0);
    expect(simulator.stats().hosts[blocked.host].installFromUri).toBe(0);
  });

  it('a corrupted copy where the bundle goes is detected and replaced before any host installs from it', async () => {
    // A new version, so esx-002 (compliant with 2.0.0-1 from the test above) needs it.
    const next = path.join(dir, 'drv-3.zip');
    await writeBundle(next, { vibs: [{ name: 'vibflow-drv', version: '3.0.0-1', acceptanceLevel: 'partner', maintenanceMode: true, liveInstall: false, payloadBytes: 256 * 1024 }] });
    const digest = await sha256(next);
    const target = `vibflow/${digest.slice(0, 12)}/drv-3.zip`;
    // Same name and size, different bytes: what a torn copy by hand looks like.
    const corrupted = Buffer.from(await readFile(next));
    corrupted.fill(0x5a, 1024, 4096);
    const local = path.join(dir, 'corrupted.zip');
    await writeFile(local, corrupted);
    expect((await govc(['datastore.mkdir', '-ds', 'shared', '-p', path.posix.dirname(target)])).code).toBe(0);
    expect((await govc(['datastore.upload', '-ds', 'shared', local, target])).code).toBe(0);
    expect(await sha256(path.join(shared().directory, target))).not.toBe(digest);

    const run = await vibflow(['rollout', '--inventory', inventory(), '--bundle', next, '--hosts', 'esx-002', '--remediate', '--keep-staged', '--max-failures', '0', '--poll', '1s', '--wait', '--json', ...temporal()], { timeoutMs: 200_000 });
    expect([run.code, run.stderr]).toEqual([0, '']);
    const result = JSON.parse(run.stdout) as Result & { rows: (Row & { vibs?: { name: string; found: string | null }[] })[] };
    // Uploaded again (state staged, not reused), then installed and verified as 3.0.0-1.
    expect(result.staging).toMatchObject({ state: 'kept', copies: [{ datastore: 'shared', state: 'staged' }] });
    expect(result.rows).toEqual([expect.objectContaining({ host: 'esx-002', outcome: 'succeeded', verified: true, vibs: [expect.objectContaining({ name: 'vibflow-drv', found: '3.0.0-1' })] })]);
    const download = path.join(dir, 'kept.zip');
    expect((await govc(['datastore.download', '-ds', 'shared', target, download])).code).toBe(0);
    expect(await sha256(download)).toBe(digest);
    expect((await vibflow(['staged', '--inventory', inventory(), '--remove'])).code).toBe(0);
    expect(await stagedFiles()).toEqual([]);
  });

  it('a bundle from an http(s) URL is read by the worker and checked against its SHA-256: a wrong one fails staging naming the worker and the URL, the right one stages through a redirect', async () => {
    // A bundle of this run's own: workers keep what they download by its hash, across runs.
    const published = path.join(dir, 'published.zip');
    await writeBundle(published, { vibs: [{ name: 'vibflow-drv', version: `4.0.0-${Date.now()}`, acceptanceLevel: 'partner', payloadBytes: 64 * 1024 }] });
    const served: string[] = [];
    const server = createServer((request, response) => {
      served.push(request.url ?? '');
      // An artifact repository's "latest" link hands the download on to the file, as they do.
      if (request.url === '/latest/drv.zip') return void response.writeHead(302, { location: '/repo/drv.zip' }).end();
      if (request.url !== '/repo/drv.zip') return void response.writeHead(404).end();
      response.writeHead(200, { 'content-type': 'application/zip' });
      createReadStream(published).pipe(response);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/repo/drv.zip`;
      const digest = await sha256(published);
      const missingHash = await vibflow(['stage', '--inventory', inventory(), '--bundle', url, ...temporal()]);
      expect([missingHash.code, missingHash.stderr]).toEqual([2, expect.stringContaining(`--bundle ${url}: give its --sha256`)]);
      expect(served).toEqual([]); // the CLI never reads a URL itself

      const wrong = 'f'.repeat(64);
      const refused = await vibflow(['stage', '--inventory', inventory(), '--bundle', url, '--sha256', wrong, '--datastore', 'shared', ...temporal()], { timeoutMs: 120_000 });
      expect(refused.code).toBe(1);
      expect(refused.stderr).toMatch(new RegExp(`the bundle ${url.replace(/[.]/g, '\\.')} that worker \\S+ \\(pid \\d+\\) read has SHA-256 ${digest}, not ${wrong}`));
      expect(await stagedFiles()).toEqual([]);

      served.length = 0;
      const latest = url.replace('/repo/', '/latest/');
      const staged = await vibflow(['stage', '--inventory', inventory(), '--bundle', latest, '--sha256', digest.toUpperCase(), '--datastore', 'shared', '--json', ...temporal()], { timeoutMs: 120_000 });
      expect([staged.code, staged.stderr]).toEqual([0, '']);
      expect(JSON.parse(staged.stdout)).toMatchObject({ state: 'staged', copies: [{ datastore: 'shared', state: 'staged' }] });
      expect(served).toEqual(['/latest/drv.zip', '/repo/drv.zip']); // read once, through the redirect
      expect(await stagedFiles()).toEqual([{ file: `vibflow/${digest.slice(0, 12)}/drv.zip`, size: (await stat(published)).size }]);
      expect(await sha256(path.join(shared().directory, 'vibflow', digest.slice(0, 12), 'drv.zip'))).toBe(digest);
      expect((await vibflow(['staged', '--inventory', inventory(), '--remove'])).code).toBe(0);
      // Staged again: the worker uses the download it checked, and asks the repository nothing.
      const again = await vibflow(['stage', '--inventory', inventory(), '--bundle', latest, '--sha256', digest, '--datastore', 'shared', '--json', ...temporal()], { timeoutMs: 120_000 });
      expect(again.code).toBe(0);
      expect(served).toEqual(['/latest/drv.zip', '/repo/drv.zip']);
      expect((await vibflow(['staged', '--inventory', inventory(), '--remove'])).code).toBe(0);
    } finally {
      server.close();
    }
  });
});
