/**
 * `npm run demo` as a new user runs it (a real process, its own dev server, simulated vCenter and
 * hosts, and worker), from an empty directory: it writes an offline bundle file, stages it
 * through vCenter, remediates one host and says what happened.
 */
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { run } from '../support/commands';

const BIN = path.resolve(__dirname, '../../bin/vibflow.js');

describe('vibflow demo', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'vibflow-demo-test-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('starts from a bundle file, shows the staging phase, remediates one host and removes the staged copy', async () => {
    // The demo's state directory is .vibflow under the working directory: run it from an empty one.
    const demo = await run('/bin/sh', ['-c', `cd "${dir}" && exec "${process.execPath}" "${BIN}" demo --no-hold --hosts 2 --install-seconds 3 --poll 1s`], { timeoutMs: 150_000 });
    expect({ code: demo.code, stderr: demo.stderr }).toEqual({ code: 0, stderr: expect.any(String) });
    const out = demo.stdout;
    expect(out).toMatch(/Wrote the offline bundle \.vibflow\/vibflow-demo-1\.0\.0\.zip \(vibflow-demo 1\.0\.0, partner; sha256 [0-9a-f]{12}\)/);
    // The staging phase, before any host is touched: the bundle read, one copy uploaded and verified.
    const staging = out.indexOf('staging vibflow-demo-1.0.0.zip');
    expect(staging).toBeGreaterThan(-1);
    expect(out).toMatch(/staging vibflow-demo-1\.0\.0\.zip \([\d.]+ MB, sha256 [0-9a-f]{12}\): staged, 1 of 1 copy in place/);
    expect(out).toMatch(/\[(\w+)\] for 1 hosts: staged [\d.]+ MB of [\d.]+ MB \(100 %\) at [\d.]+ MB\/s/);
    const datastore = /\[(\w+)\] for 1 hosts: staged/.exec(out)?.[1];
    expect(staging).toBeLessThan(out.indexOf('entering maintenance mode'));
    expect(out).toMatch(/percent complete 100/);
    expect(out).toMatch(/esx-001: succeeded/);
    expect(out).toContain(`staged copy: ${datastore} (removed when the rollout ended)`);
    expect(out).toMatch(/verified: yes \(vibflow-demo 1\.0\.0\)/);
    expect(await readdir(path.join(dir, '.vibflow'))).toEqual(expect.arrayContaining(['vibflow-demo-1.0.0.zip', 'demo-inventory.json']));
  }, 180_000);
});
