/**
 * The vCenter simulator binary, built like the project's other Go tools: `.vibflow/bin/vibflow-vcsim`,
 * compiled with `go build` from test/vcsim when it is missing or older than its Go sources.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, readdirSync, renameSync, rmSync, statSync } from 'node:fs';
import path from 'node:path';
import { executable, goAvailable, PROJECT_BIN } from '../devserver/goTool';

export const VCENTER_SIMULATOR_SOURCE = path.resolve(__dirname, '../..', 'test', 'vcsim');
export const VCENTER_SIMULATOR = path.join(PROJECT_BIN, 'vibflow-vcsim');

/** When the Go program last changed: its newest .go file, go.mod or go.sum (0 without sources). */
function sourcesChangedAt(): number {
  let files: string[];
  try {
    files = readdirSync(VCENTER_SIMULATOR_SOURCE).filter((f) => f.endsWith('.go') || f === 'go.mod' || f === 'go.sum');
  } catch {
    return 0;
  }
  return Math.max(0, ...files.map((f) => statSync(path.join(VCENTER_SIMULATOR_SOURCE, f)).mtimeMs));
}

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
  const present = executable(VCENTER_SIMULATOR);
  if (present && statSync(VCENTER_SIMULATOR).mtimeMs >= sourcesChangedAt()) return VCENTER_SIMULATOR;
  if (goAvailable()) return build(log);
  if (present) log(`${VCENTER_SIMULATOR} is older than its sources and there is no Go to rebuild it: using it as it is`);
  return present ? VCENTER_SIMULATOR : undefined;
}
