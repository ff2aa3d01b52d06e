/** Command-line tools built from Go source into the project's .vibflow/bin when nothing else provides them. */
import { accessSync, constants, renameSync, mkdtempSync, readdirSync, rmSync, mkdirSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import path from 'node:path';

export const PROJECT_BIN = path.resolve(__dirname, '../..', '.vibflow', 'bin');

export function executable(file: string): boolean {
  try {
    accessSync(file, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

export function onPath(name: string): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    const candidate = path.join(dir, name);
    if (dir && executable(candidate)) return candidate;
  }
  return undefined;
}

export function goAvailable(): boolean {
  return spawnSync('go', ['version'], { stdio: 'ignore' }).status === 0;
}

/** `go install MODULE@VERSION` into BIN_DIR/NAME, by default .vibflow/bin (minutes the first time); returns the path. */
export function buildGoTool(name: string, module: string, log: (line: string) => void = () => undefined, binDir = PROJECT_BIN): string {
  const target = path.join(binDir, name);
  const started = Date.now();
  log(`building ${name} from source: go install ${module} (first time only, a few minutes)`);
  mkdirSync(binDir, { recursive: true });
  // A private GOBIN, because the binary is named after the package directory, not after NAME.
  const gobin = mkdtempSync(path.join(binDir, `.${name}-`));
  try {
    const result = spawnSync('go', ['install', module], {
      env: { ...process.env, GOBIN: gobin, CGO_ENABLED: process.env.CGO_ENABLED ?? '0' },
      stdio: ['ignore', 'inherit', 'inherit'],
    });
    const [built] = readdirSync(gobin);
    if (result.status !== 0 || !built) throw new Error(`go install ${module} failed (exit ${result.status ?? result.signal})`);
    renameSync(path.join(gobin, built), target);
  } finally {
    rmSync(gobin, { recursive: true, force: true });
  }
  log(`built ${target} in ${((Date.now() - started) / 1000).toFixed(0)} s`);
  return target;
}

/** The project's own build of a Go tool: `.vibflow/bin/NAME`, built with Go on first use; undefined without Go. */
export function projectGoTool(name: string, module: string, log: (line: string) => void = () => undefined): string | undefined {
  const built = path.join(PROJECT_BIN, name);
  if (executable(built)) return built;
  return goAvailable() ? buildGoTool(name, module, log) : undefined;
}
