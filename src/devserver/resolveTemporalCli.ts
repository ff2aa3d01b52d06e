/**
 * Finding a `temporal` CLI to run the dev server, in this order: TEMPORAL_CLI_PATH, `temporal` on
 * PATH, the project's .vibflow/bin, a build from source with Go, and last the SDK's own download
 * (which needs internet). Says in one line which it used.
 */
import path from 'node:path';
import { buildGoTool, executable, goAvailable, onPath, PROJECT_BIN } from './goTool';

export const CLI_MODULE = 'github.com/temporalio/cli/cmd/temporal@v1.5.1';
const PROJECT_CLI = path.join(PROJECT_BIN, 'temporal');

export type CliSource = 'TEMPORAL_CLI_PATH' | 'PATH' | 'project' | 'go-build';
export interface ResolvedCli {
  readonly path: string;
  readonly source: CliSource;
}

export const NO_CLI_HELP =
  'no temporal CLI found. Either set TEMPORAL_CLI_PATH to a temporal binary, put `temporal` on PATH, ' +
  `install Go and run "go install ${CLI_MODULE} with GOBIN=.vibflow/bin", ` +
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
  if (!goAvailable()) return undefined;
  const built = buildGoTool('temporal', CLI_MODULE, log);
  log(`temporal CLI: ${built} (built with Go)`);
  return { path: built, source: 'go-build' };
}
