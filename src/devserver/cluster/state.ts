/**
 * What `cluster up` started, kept in the cluster directory so that `status` and `down` (other
 * processes, later) find exactly those processes; and a lock so two commands do not interleave.
 */
import { closeSync, mkdirSync, openSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import type { ClusterPaths, ClusterPorts } from './layout';
import { startTicksOf, type ProcessRecord } from './processes';

export interface ClusterState {
  readonly ports: ClusterPorts;
  readonly processes: Readonly<Record<string, ProcessRecord>>;
}

export function readState(paths: ClusterPaths): ClusterState | undefined {
  let text: string;
  try {
    text = readFileSync(paths.state, 'utf8');
  } catch {
    return undefined;
  }
  try {
    return JSON.parse(text) as ClusterState;
  } catch {
    throw new Error(`${paths.state} is not valid JSON: fix or remove it (the processes it listed must then be stopped by hand)`);
  }
}

export function writeState(paths: ClusterPaths, state: ClusterState): void {
  const temporary = `${paths.state}.${process.pid}`;
  writeFileSync(temporary, `${JSON.stringify(state, null, 2)}\n`);
  renameSync(temporary, paths.state);
}

interface LockOwner {
  readonly pid: number;
  readonly startTicks: number;
  readonly command: string;
}

function takeLock(paths: ClusterPaths, command: string): void {
  const owner: LockOwner = { pid: process.pid, startTicks: startTicksOf(process.pid) ?? 0, command };
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fd = openSync(paths.lock, 'wx');
      writeFileSync(fd, JSON.stringify(owner));
      closeSync(fd);
      return;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
    let holder: LockOwner | undefined;
    try {
      holder = JSON.parse(readFileSync(paths.lock, 'utf8')) as LockOwner;
    } catch {
      holder = undefined; // written by a command that died mid-write: stale
    }
    if (holder && startTicksOf(holder.pid) === holder.startTicks) {
      throw new Error(`another \`vibflow cluster ${holder.command}\` (pid ${holder.pid}) is working on ${paths.dir}: wait for it to finish`);
    }
    rmSync(paths.lock, { force: true });
  }
  throw new Error(`cannot lock ${paths.lock}`);
}

/** Runs FN holding the cluster directory's lock. */
export async function withLock<T>(paths: ClusterPaths, command: string, fn: () => Promise<T>): Promise<T> {
  mkdirSync(paths.dir, { recursive: true });
  takeLock(paths, command);
  try {
    return await fn();
  } finally {
    rmSync(paths.lock, { force: true });
  }
}
