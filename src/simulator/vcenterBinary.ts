/**
 * The vCenter simulator binary, built like the project's other Go tools: `.vibflow/bin/vibflow-vcsim-HASH`,
 * compiled with `go build` from test/vcsim when the binary of these very sources is missing. The
 * name carries a hash of the sources, so worktrees (or branches) with different Go sources that
 * share .vibflow never run each other's build.
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import path from 'node:path';
import { executable, goAvailable, PROJECT_BIN } from '../devserver/goTool';

export const VCENTER_SIMULATOR_SOURCE = path.resolve(__dirname, '../..', 'test', 'vcsim');
/** The binary of an earlier layout, without the hash: used only when there is no Go to build. */
const UNHASHED_SIMULATOR = path.join(PROJECT_BIN, 'vibflow-vcsim');

/** A short hash of the Go program: its .go files, go.mod and go.sum (undefined without sources). */
function sourcesHash(): string | undefined {
  let files: string[];
  try {
    files = readdirSync(VCENTER_SIMULATOR_SOURCE).filter((f) => f.endsWith('.go') || f === 'go.mod' || f === 'go.sum').sort();
  } catch {
    return undefined;
  }
  if (!files.length) return undefined;
  const hash = createHash('sha256');
  for (const f of files) hash.update(f).update('\0').update(readFileSync(path.join(VCENTER_SIMULATOR_SOURCE, f))).update('\0');
  return hash.digest('hex').slice(0, 12);
}

/** Where the binary of the current sources lives. */
export const VCENTER_SIMULATOR = path.join(PROJECT_BIN, `vibflow-vcsim-${sourcesHash() ?? 'prebuilt'}`);

function build(log: (line: string) => void): string {
  const started = Date.now();
  log(`building vibflow-vcsim from source: go build in ${VCENTER_SIMULATOR_SOURCE} (about a minute the first time, seconds after a change)`);
  mkdirSync(PROJECT_BIN, { recursive: true });
  // Built beside the target and renamed over it, so a concurrent run never starts a half-written binary.
  const partial = `${VCENTER_SIMULATOR}.${process.pid}.partial`;
  try {
    const result = spawnSync('go', ['build', '-buildvcs=false', '-o', partial, '.'], {
      cwd: VCENTER_SIMULATOR_SOURCE,
      env: { ...process.env, CGO_ENABLED: '0' },
      stdio: ['ignore', 'inherit', 'inherit'],
    });
    if (result.status !== 0) throw new Error(`go build of ${VCENTER_SIMULATOR_SOURCE} failed (exit ${result.status ?? result.signal})`);
    renameSync(partial, VCENTER_SIMULATOR);
  } finally {
    rmSync(partial, { force: true });
  }
  log(`built ${VCENTER_SIMULATOR} in ${((Date.now() - started) / 1000).toFixed(0)} s`);
  return VCENTER_SIMULATOR;
}

/** The vibflow-vcsim binary, built or rebuilt with Go when needed; undefined when there is none and no Go. */
export function resolveVcenterSimulator(log: (line: string) => void = () => undefined): string | undefined {
  if (executable(VCENTER_SIMULATOR)) return VCENTER_SIMULATOR;
  if (goAvailable()) return build(log);
  if (!executable(UNHASHED_SIMULATOR)) return undefined;
  log(`${VCENTER_SIMULATOR} is missing and there is no Go to build it: using ${UNHASHED_SIMULATOR} as it is`);
  return UNHASHED_SIMULATOR;
}
