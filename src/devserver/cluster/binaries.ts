/**
 * The binaries of the real topology, provisioned like the temporal CLI: the Temporal server, its
 * SQL schema tool (same module and version as the server the dev server embeds) and the Web UI
 * server the CLI embeds. Each is taken from PATH or .vibflow/bin when it reports the right
 * version, else built there with Go on first use.
 */
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { buildGoTool, executable, goAvailable, onPath, PROJECT_BIN } from '../goTool';

export const TEMPORAL_SERVER_VERSION = '1.32.0';
/** The ui-server module the temporal CLI v1.5.1 embeds (its go.mod). */
export const UI_SERVER_VERSION = '2.42.1';

export interface GoBinary {
  /** File name on PATH and in .vibflow/bin. */
  readonly name: string;
  /** `go install` argument. */
  readonly module: string;
  /** What `NAME --version` must print. */
  readonly version: string;
}

export const TEMPORAL_SERVER: GoBinary = {
  name: 'temporal-server',
  module: `go.temporal.io/server/cmd/server@v${TEMPORAL_SERVER_VERSION}`,
  version: TEMPORAL_SERVER_VERSION,
};
export const TEMPORAL_SQL_TOOL: GoBinary = {
  name: 'temporal-sql-tool',
  module: `go.temporal.io/server/cmd/tools/sql@v${TEMPORAL_SERVER_VERSION}`,
  version: TEMPORAL_SERVER_VERSION,
};
export const TEMPORAL_UI_SERVER: GoBinary = {
  name: 'temporal-ui-server',
  module: `github.com/temporalio/ui-server/v2/cmd/server@v${UI_SERVER_VERSION}`,
  version: UI_SERVER_VERSION,
};

export interface ClusterBinaries {
  readonly server: string;
  readonly sqlTool: string;
  readonly uiServer: string;
}

function reportsVersion(file: string, version: string): boolean {
  const result = spawnSync(file, ['--version'], { encoding: 'utf8', timeout: 10_000 });
  return result.status === 0 && new RegExp(`\\b${version.replace(/\./g, '\\.')}\\b`).test(result.stdout);
}

/** The path of a usable TOOL, building it when none is found; throws one line when that fails. */
export function resolveGoBinary(tool: GoBinary, log: (line: string) => void = () => undefined, binDir = PROJECT_BIN): string {
  const fromPath = onPath(tool.name);
  if (fromPath && reportsVersion(fromPath, tool.version)) return fromPath;
  if (fromPath) log(`${tool.name}: ignoring ${fromPath}, which is not version ${tool.version}`);
  const project = path.join(binDir, tool.name);
  if (executable(project) && reportsVersion(project, tool.version)) return project;
  if (!goAvailable()) {
    throw new Error(`no ${tool.name} ${tool.version} on PATH or in ${binDir}, and no Go to build ${tool.module}: install Go or put ${tool.name} on PATH`);
  }
  try {
    return buildGoTool(tool.name, tool.module, log, binDir);
  } catch (err) {
    throw new Error(`cannot build ${tool.name}: ${(err as Error).message}; put a ${tool.name} ${tool.version} on PATH instead`);
  }
}

/** All three, building what is missing (scripts/ensure-tools.js calls this before the tests). */
export function resolveClusterBinaries(log?: (line: string) => void): ClusterBinaries {
  return {
    server: resolveGoBinary(TEMPORAL_SERVER, log),
    sqlTool: resolveGoBinary(TEMPORAL_SQL_TOOL, log),
    uiServer: resolveGoBinary(TEMPORAL_UI_SERVER, log),
  };
}
