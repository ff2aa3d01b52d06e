/**
 * Detached processes that outlive the command that started them, each known by its pid and its
 * start time (so a recycled pid is never mistaken for ours), with its output in a log file.
 */
import { spawn } from 'node:child_process';
import { closeSync, mkdirSync, openSync, readFileSync } from 'node:fs';
import path from 'node:path';

export type Role = 'postgresql' | 'temporal-server' | 'frontend-proxy' | 'ui-server';

export interface ProcessRecord {
  readonly name: string;
  readonly role: Role;
  readonly pid: number;
  /** Field 22 of /proc/PID/stat: when the process started, in clock ticks since boot. */
  readonly startTicks: number;
  readonly address: string;
  readonly log: string;
}

export interface DetachedSpawn {
  readonly name: string;
  readonly role: Role;
  readonly address: string;
  readonly command: string;
  readonly args: readonly string[];
  readonly log: string;
  readonly env?: NodeJS.ProcessEnv;
  readonly cwd?: string;
  /** Run as this user (PostgreSQL refuses root). */
  readonly user?: { readonly uid: number; readonly gid: number };
}

/** The start time of a live (not zombie) process, or undefined when there is none. */
export function startTicksOf(pid: number): number | undefined {
  let stat: string;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return undefined;
  }
  // The command name in parentheses may contain spaces; the fields after it are fixed.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  if (fields[0] === 'Z' || fields[0] === 'X') return undefined;
  return Number(fields[19]);
}

export const isRunning = (record: ProcessRecord): boolean => startTicksOf(record.pid) === record.startTicks;

export function spawnDetached(options: DetachedSpawn): ProcessRecord {
  mkdirSync(path.dirname(options.log), { recursive: true });
  const out = openSync(options.log, 'a');
  try {
    const child = spawn(options.command, options.args, {
      detached: true,
      stdio: ['ignore', out, out],
      env: options.env ?? process.env,
      cwd: options.cwd,
      uid: options.user?.uid,
      gid: options.user?.gid,
    });
    child.unref();
    const startTicks = child.pid === undefined ? undefined : startTicksOf(child.pid);
    if (child.pid === undefined || startTicks === undefined) throw new Error(`${options.name}: could not start ${options.command} (see ${options.log})`);
    return { name: options.name, role: options.role, pid: child.pid, startTicks, address: options.address, log: options.log };
  } finally {
    closeSync(out);
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Sends SIGNAL, then FORCE after the grace time; resolves once the process is gone. */
export async function stopProcess(record: ProcessRecord, signal: NodeJS.Signals, graceMs: number, force: NodeJS.Signals = 'SIGKILL'): Promise<void> {
  const send = (s: NodeJS.Signals) => {
    try {
      process.kill(record.pid, s);
    } catch {
      // already gone
    }
  };
  const forceAt = Date.now() + graceMs;
  const giveUpAt = forceAt + 10_000;
  let forced = false;
  if (isRunning(record)) send(signal);
  while (isRunning(record)) {
    if (Date.now() > giveUpAt) throw new Error(`${record.name} (pid ${record.pid}) did not stop after ${force}`);
    if (!forced && Date.now() > forceAt) {
      send(force);
      forced = true;
    }
    await sleep(100);
  }
}

/** The last line of a log worth showing in a one-line error. */
export function lastLogLine(file: string): string {
  let text = '';
  try {
    text = readFileSync(file, 'utf8').slice(-8_000);
  } catch {
    return '';
  }
  const lastLine = text.trim().split('\n').at(-1) ?? '';
  let line = lastLine;
  try {
    const record = JSON.parse(lastLine) as { msg?: string; error?: string };
    line = [record.msg, record.error].filter(Boolean).join(': ');
  } catch {
    // not a JSON log line
  }
  // Go's wrapped errors put the cause last.
  return line.length > 300 ? `...${line.slice(-300)}` : line;
}
