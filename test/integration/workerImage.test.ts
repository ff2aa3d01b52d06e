/**
 * The worker image without Docker: scripts/docker-build-steps.sh runs the Dockerfile's build steps
 * (npm ci, compile, bundle the workflows, prune to production dependencies, drop the sources),
 * and the worker from its output, as the image starts it, completes an install against the dev
 * server while `curl` on its metrics endpoint shows Temporal's and vibflow's metrics.
 */
import { readdir, rm } from 'node:fs/promises';
import path from 'node:path';
import { installResult, startInstall } from '../../src/api/installs';
import { startSimulator, type Simulator } from '../../src/simulator';
import { installProgressQuery } from '../../src/workflows/installVib';
import { run } from '../support/commands';
import { spawnWorkerProcess, type WorkerProcess } from '../support/workerProcess';
import { testClient, uniqueTaskQueue } from '../support/temporal';
import { waitFor } from '../support/waitFor';
import { placeBundle } from '../support/bundles';

const BUILD_STEPS = path.resolve(__dirname, '../../scripts/docker-build-steps.sh');

describe('the worker image build steps', () => {
  let simulator: Simulator;
  let worker: WorkerProcess | undefined;
  let imageDir = '';

  beforeAll(async () => {
    simulator = await startSimulator({ hosts: 1, basePort: 0, addressBase: '127.43.0.1', installSeconds: 5 });
    await placeBundle(simulator, 'file:///vmfs/volumes/datastore1/image-check-1.0.0.zip', [{ name: 'image-check', version: '1.0.0' }]);
  });

  afterAll(async () => {
    await worker?.stop();
    await simulator?.stop();
    if (imageDir) await rm(imageDir, { recursive: true, force: true });
  });

  it('build a worker that completes an install and serves both kinds of metrics', async () => {
    const build = await run('bash', [BUILD_STEPS], { timeoutMs: 600_000 });
    expect(build.code).toBe(0);
    imageDir = build.stdout.trim();
    expect(imageDir).toMatch(/^\//);
    const top = await readdir(imageDir);
    expect(top).toEqual(expect.arrayContaining(['bin', 'dist', 'node_modules']));
    for (const sources of ['src', 'test', 'bench']) expect(top).not.toContain(sources); // as in the runtime image
    const modules = await readdir(path.join(imageDir, 'node_modules'));
    expect(modules).toContain('@temporalio');
    for (const devOnly of ['jest', 'typescript', 'ts-node']) expect(modules).not.toContain(devOnly);

    const taskQueue = uniqueTaskQueue('image');
    worker = await spawnWorkerProcess({
      taskQueue,
      bin: path.join(imageDir, 'bin/vibflow.js'),
      bundlePath: path.join(imageDir, 'dist/workflow-bundle.js'),
      args: ['--metrics-port', '0', '--metrics-host', '127.0.0.1', '--log-format', 'json'],
    });
    const handle = await startInstall(await testClient(),
      { host: simulator.inventory.hosts[0], bundleUri: 'file:///vmfs/volumes/datastore1/image-check-1.0.0.zip', pollInterval: '500ms' }, taskQueue);
    await waitFor(async () => (await handle.query(installProgressQuery)).phase === 'installing', 'the install to be polling');
    const scrape = await run('curl', ['-sf', String(worker.ready.metrics)]);
    expect(scrape.code).toBe(0);
    expect(scrape.stdout).toMatch(/^temporal_\w+/m);
    expect(scrape.stdout).toMatch(/^vibflow_cim_request_duration_bucket\{.*operation="InstallFromURI"/m);
    expect(scrape.stdout).toMatch(/^vibflow_installs_started\{.*\} 1$/m);
    expect((await installResult(handle)).outcome).toBe('succeeded-reboot-required');
    expect(simulator.stats().fleet.installFromUri).toBe(1);
  }, 600_000);
});
