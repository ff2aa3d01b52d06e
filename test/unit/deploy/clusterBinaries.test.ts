/**
 * Provisioning the cluster's binaries when neither PATH nor the bin directory has them: a failed
 * Go build, and no Go at all, each end in one line saying what to do. Each case runs the resolver
 * in a process of its own with a controlled environment; the build really runs `go install`, made
 * to fail by taking the module proxy away from an empty module cache.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { TEMPORAL_SERVER } from '../../../src/devserver/cluster/binaries';

const BINARIES = path.resolve(__dirname, '../../../src/devserver/cluster/binaries.ts');
const GO = spawnSync('sh', ['-c', 'command -v go'], { encoding: 'utf8' }).stdout.trim();

/** What resolveGoBinary(TEMPORAL_SERVER) throws in a process with ENV, or undefined when it resolves. */
function resolveError(env: NodeJS.ProcessEnv, binDir: string): string | undefined {
  const script = `
    const { resolveGoBinary, TEMPORAL_SERVER } = require(${JSON.stringify(BINARIES)});
    try { resolveGoBinary(TEMPORAL_SERVER, () => undefined, ${JSON.stringify(binDir)}); }
    catch (err) { process.stdout.write(JSON.stringify(err.message)); }`;
  const result = spawnSync(process.execPath, ['-r', require.resolve('ts-node/register/transpile-only'), '-e', script], {
    encoding: 'utf8',
    env: { ...env, TS_NODE_SWC: 'true' },
  });
  return result.stdout ? (JSON.parse(result.stdout) as string) : undefined;
}

describe('resolveGoBinary when nothing provides the binary', () => {
  let scratch: string;
  let binDir: string;

  beforeEach(() => {
    scratch = mkdtempSync(path.join(os.tmpdir(), 'vibflow-binaries-'));
    binDir = path.join(scratch, 'bin');
  });

  afterEach(() => {
    rmSync(scratch, { recursive: true, force: true });
  });

  it('says in one line that the build failed, and leaves nothing behind', () => {
    expect(GO).not.toBe('');
    const env = {
      ...process.env,
      PATH: path.dirname(GO), // go, and no temporal-server
      GOPROXY: 'off',
      GOMODCACHE: path.join(scratch, 'modcache'),
      GOTOOLCHAIN: 'local',
    };
    expect(resolveError(env, binDir)).toBe(
      `cannot build temporal-server: go install ${TEMPORAL_SERVER.module} failed (exit 1); put a temporal-server ${TEMPORAL_SERVER.version} on PATH instead`,
    );
    expect(readdirSync(binDir)).toEqual([]);
  });

  it('says in one line what to install when there is no Go', () => {
    expect(resolveError({ ...process.env, PATH: scratch }, binDir)).toBe(
      `no temporal-server ${TEMPORAL_SERVER.version} on PATH or in ${binDir}, and no Go to build ${TEMPORAL_SERVER.module}: install Go or put temporal-server on PATH`,
    );
  });
});
