/**
 * What the tests need from the system that neither npm nor Go brings, how to tell it is there,
 * and what to do when it is not: install it (root with apt-get) or stop at once with the one
 * command to run. pywbem goes into a project venv, never into the system's Python.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { executable, onPath } from '../src/devserver/goTool';
import { pipInstall, VENV, VENV_PYTHON } from '../src/devserver/projectVenv';

export { VENV, VENV_PYTHON };

export interface SystemTool {
  /** What the tests use it for, in the messages. */
  readonly name: string;
  readonly aptPackage: string;
  readonly present: () => boolean;
}

const runs = (command: string, args: readonly string[]) => spawnSync(command, args, { stdio: 'ignore' }).status === 0;

/** PostgreSQL's server: on PATH, or where Debian puts it (/usr/lib/postgresql/N/bin). */
function postgresPresent(): boolean {
  const debian = '/usr/lib/postgresql';
  return onPath('postgres') !== undefined || (existsSync(debian) && readdirSync(debian).some((v) => executable(path.join(debian, v, 'bin', 'postgres'))));
}

export const pywbemReady = () => runs(VENV_PYTHON, ['-c', 'import pywbem']);

export const SYSTEM_TOOLS: readonly SystemTool[] = [
  { name: 'wbemcli (interop tests)', aptPackage: 'sblim-wbemcli', present: () => onPath('wbemcli') !== undefined },
  { name: 'chromium (Web UI test)', aptPackage: 'chromium', present: () => executable(process.env.CHROMIUM_PATH ?? '/usr/bin/chromium') },
  { name: 'PostgreSQL (cluster tests)', aptPackage: 'postgresql', present: postgresPresent },
  { name: 'curl', aptPackage: 'curl', present: () => onPath('curl') !== undefined },
  { name: 'tmux (terminal test)', aptPackage: 'tmux', present: () => onPath('tmux') !== undefined },
  { name: 'unzip and zipinfo (bundle tests)', aptPackage: 'unzip', present: () => onPath('unzip') !== undefined && onPath('zipinfo') !== undefined },
  { name: 'ar (bundle tests)', aptPackage: 'binutils', present: () => onPath('ar') !== undefined },
  // Debian's python3 makes venvs only with python3-venv (ensurepip); not needed once the venv has pywbem.
  { name: 'python3 with venv (pywbem)', aptPackage: 'python3-venv', present: () => pywbemReady() || runs('python3', ['-c', 'import ensurepip, venv']) },
];

export type SetupPlan =
  | { readonly action: 'nothing' }
  | { readonly action: 'apt-get'; readonly packages: readonly string[] }
  | { readonly action: 'stop'; readonly message: string };

/** What to do about the missing packages, given who we are: install them, or say what to run. */
export function planSystemSetup(missing: readonly SystemTool[], can: { readonly root: boolean; readonly aptGet: boolean }): SetupPlan {
  if (missing.length === 0) return { action: 'nothing' };
  const packages = missing.map((tool) => tool.aptPackage);
  if (can.root && can.aptGet) return { action: 'apt-get', packages };
  const what = `the tests need ${missing.map((tool) => tool.name).join(', ')}, which ${missing.length > 1 ? 'are' : 'is'} not installed`;
  return {
    action: 'stop',
    message: can.aptGet
      ? `${what}, and only root can install ${missing.length > 1 ? 'them' : 'it'}. Run:\n  sudo apt-get install -y ${packages.join(' ')}\nthen npm test again.`
      : `${what}, and there is no apt-get here. Install the equivalents of these Debian packages: ${packages.join(' ')}; then npm test again.`,
  };
}

/** `apt-get update && apt-get install PACKAGES` (installed ones are left as they are); false when either fails. */
export function aptGetInstall(packages: readonly string[]): boolean {
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  const step = (args: string[]) => spawnSync('apt-get', args, { stdio: ['ignore', 'ignore', 'inherit'], env }).status === 0;
  return step(['update', '-qq']) && step(['install', '-y', '-qq', '--no-upgrade', ...packages]);
}

/** The project venv with pywbem; false when it cannot be made (e.g. no package index reachable). */
export function installPywbem(): boolean {
  return pipInstall(['pywbem']);
}
