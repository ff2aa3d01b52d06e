/**
 * Finding a `temporal` CLI to run the dev server, in this order: TEMPORAL_CLI_PATH, `temporal` on
 * PATH, the project's .vibflow/bin, a build from source with Go, and last the SDK's own download
 * (which needs internet). Says in one line which it used.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import path from 'node:path';

export const CLI_MODULE = 'github.com/temporalio/cli/cmd/temporal@v1.5.1';
export const PROJECT_ROOT = path.resolve(__dirname, '../..');
export const PROJECT_CLI = path.join(PROJECT_ROOT, '.vibflow', 'bin', 'temporal');

export type CliSource = 'TEMPORAL_CLI_PATH' | 'PATH' | 'project' | 'go-build';
export interface ResolvedCli {
  readonly path: string;
  readonly source: CliSource;
}

function executable(file: string): boolean {
  try {
    accessSync(file, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

function onPath(name: string): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    const candidate = path.join(dir, name);
    if (dir && executable(candidate)) return candidate;
  }
  return undefined;
}

/** Builds the CLI into .vibflow/bin with `go install` (a few minutes the first time). */
export function buildTemporalCli(log: (line: string) => void = () => undefined): string {
  const started = Date.now();
  log(`building the temporal CLI from source: go install ${CLI_MODULE} (first time only, a few minutes)`);
  const result = spawnSync('go', ['install', CLI_MODULE], {
    env: { ...process.env, GOBIN: path.dirname(PROJECT_CLI), CGO_ENABLED: process.env.CGO_ENABLED ?? '0' },
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  if (result.status !== 0 || !executable(PROJECT_CLI)) {
    throw new Error(`go install ${CLI_MODULE} failed (exit ${result.status ?? result.signal})`);
  }
  log(`built ${PROJECT_CLI} in ${((Date.now() - started) / 1000).toFixed(0)} s`);
  return PROJECT_CLI;
}

export const NO_CLI_HELP =
  'no temporal CLI found. Either set TEMPORAL_CLI_PATH to a temporal binary, put `temporal` on PATH, ' +
  `install Go and run scripts/install-temporal-cli.sh (builds ${CLI_MODULE} into .vibflow/bin), ` +
  'or run on a machine with internet access so the Temporal SDK can download its test server.';

/** The first CLI found, building one with Go when that is the only way; undefined when none. */
export function resolveTemporalCli(log: (line: string) => void = () => undefined): ResolvedCli | undefined {
  const fromEnv = process.env.TEMPORAL_CLI_PATH;
  const found: ResolvedCli | undefined =
    fromEnv && executable(fromEnv) ? { path: fromEnv, source: 'TEMPORAL_CLI_PATH' }
    : onPath('temporal') ? { path: onPath('temporal') as string, source: 'PATH' }
    : executable(PROJECT_CLI) ? { path: PROJECT_CLI, source: 'project' }
    : undefined;
  if (found) {
    log(`temporal CLI: ${found.path} (from ${found.source})`);
    return found;
  }
  if (fromEnv) log(`TEMPORAL_CLI_PATH=${fromEnv} is not an executable file; looking elsewhere`);
  try {
    execFileSync('go', ['version'], { stdio: 'ignore' });
  } catch {
    return undefined;
  }
  const built = buildTemporalCli(log);
  log(`temporal CLI: ${built} (built with Go)`);
  return { path: built, source: 'go-build' };
}
