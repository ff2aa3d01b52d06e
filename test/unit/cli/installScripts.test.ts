/**
 * npm's install-script policy: every dependency that ships an install script is reviewed in
 * package.json's `allowScripts` (so `npm ci` prints no "not yet covered by allowScripts" warning),
 * and the reviewed entries all still match the installed tree. Asked of npm itself.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';

const ROOT = path.resolve(__dirname, '../../..');
const npm = (...args: string[]) => execFileSync('npm', args, { cwd: ROOT, encoding: 'utf8', timeout: 60_000 });

describe('install scripts of the dependencies', () => {
  it('are all reviewed in allowScripts', () => {
    expect(JSON.parse(npm('install-scripts', 'ls', '--json'))).toEqual({ allowScripts: [] });
  });

  it('are denied where they are not needed, and no entry is stale', () => {
    const allowScripts = (JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { allowScripts: Record<string, boolean> }).allowScripts;
    // protobufjs 7 (under @grpc/proto-loader) only warns about its version scheme; @swc/core only
    // checks the native binding its optional platform package brings, else fetches @swc/wasm.
    expect(allowScripts).toEqual({ protobufjs: false, '@swc/core': false });
    expect(npm('install-scripts', 'prune', '--dry-run').trim()).toBe('No unused allowScripts entries.');
  });
});
