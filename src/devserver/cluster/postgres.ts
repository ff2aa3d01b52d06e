/**
 * A private PostgreSQL for the cluster: the installed server binaries (Debian's postgresql
 * package), a data directory under the cluster directory, TCP on a loopback port only, password
 * authentication. Run as the `postgres` user when vibflow runs as root (PostgreSQL refuses root).
 */
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chownSync, existsSync, mkdirSync, readdirSync, readFileSync, realpathSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { onPath } from '../goTool';
import { address, type ClusterPaths } from './layout';
import { spawnDetached, type ProcessRecord } from './processes';

export const DB_USER = 'temporal';

export interface PostgresInstall {
  readonly binDir: string;
  readonly major: number;
}

interface OsUser {
  readonly name: string;
  readonly uid: number;
  readonly gid: number;
}

const NO_POSTGRES =
  'no PostgreSQL server binaries (postgres, initdb, pg_isready): install the postgresql package, or put its bin directory (e.g. /usr/lib/postgresql/15/bin) on PATH';

function majorVersion(binDir: string): number | undefined {
  const result = spawnSync(path.join(binDir, 'postgres'), ['--version'], { encoding: 'utf8' });
  const match = /PostgreSQL\)?\s+(\d+)/.exec(result.stdout ?? '');
  return result.status === 0 && match ? Number(match[1]) : undefined;
}

/** The server binaries: beside `postgres` on PATH, else the newest /usr/lib/postgresql/N/bin. */
export function findPostgres(): PostgresInstall {
  const onPathDir = onPath('postgres') ? path.dirname(realpathSync(onPath('postgres') as string)) : undefined;
  const debianDirs = existsSync('/usr/lib/postgresql')
    ? readdirSync('/usr/lib/postgresql').filter((v) => /^\d+$/.test(v)).sort((a, b) => Number(b) - Number(a)).map((v) => `/usr/lib/postgresql/${v}/bin`)
    : [];
  for (const binDir of [onPathDir, ...debianDirs]) {
    if (!binDir || !['initdb', 'pg_isready'].every((tool) => existsSync(path.join(binDir, tool)))) continue;
    const major = majorVersion(binDir);
    if (major !== undefined) return { binDir, major };
  }
  throw new Error(NO_POSTGRES);
}

/** The user PostgreSQL runs as when we are root; undefined when we run it as ourselves. */
function postgresOsUser(): OsUser | undefined {
  if (process.getuid?.() !== 0) return undefined;
  const line = readFileSync('/etc/passwd', 'utf8').split('\n').find((l) => l.startsWith('postgres:'));
  if (!line) throw new Error('PostgreSQL refuses to run as root and there is no `postgres` user to run it as: create one, or run vibflow as another user');
  const [name, , uid, gid] = line.split(':');
  return { name, uid: Number(uid), gid: Number(gid) };
}

/** PostgreSQL must be able to walk down to its data directory. */
function assertReachable(dir: string, user: OsUser): void {
  for (let current = dir; ; current = path.dirname(current)) {
    const { mode, uid, gid } = statSync(current);
    const searchable = uid === user.uid ? mode & 0o100 : gid === user.gid ? mode & 0o010 : mode & 0o001;
    if (!searchable) {
      throw new Error(`PostgreSQL runs as user ${user.name}, which cannot enter ${current} (mode ${(mode & 0o777).toString(8)}): allow it (chmod o+x) or choose another cluster directory`);
    }
    if (current === path.dirname(current)) return;
  }
}

function ownFor(file: string, user: OsUser | undefined): void {
  if (user) chownSync(file, user.uid, user.gid);
}

export function postgresPassword(paths: ClusterPaths): string {
  return readFileSync(paths.postgresPassword, 'utf8').trim();
}

/** Creates the data directory on first use; refuses one written by another PostgreSQL version. */
export function ensureDataDirectory(install: PostgresInstall, paths: ClusterPaths, log: (line: string) => void): void {
  const user = postgresOsUser();
  if (user) assertReachable(paths.dir, user);
  const versionFile = path.join(paths.postgresData, 'PG_VERSION');
  if (existsSync(versionFile)) {
    const dataMajor = Number(readFileSync(versionFile, 'utf8').trim());
    if (dataMajor !== install.major) {
      throw new Error(
        `${paths.postgresData} holds a PostgreSQL ${dataMajor} data directory, but the installed PostgreSQL is ${install.major}: ` +
          `run PostgreSQL ${dataMajor} (put its bin directory on PATH), upgrade the directory with pg_upgrade, or remove it to start empty`,
      );
    }
    return;
  }
  mkdirSync(paths.postgresData, { recursive: true, mode: 0o700 });
  ownFor(paths.postgresData, user);
  writeFileSync(paths.postgresPassword, `${randomBytes(18).toString('base64url')}\n`, { mode: 0o600 });
  ownFor(paths.postgresPassword, user);
  const initdb = spawnSync(
    path.join(install.binDir, 'initdb'),
    ['-D', paths.postgresData, '-U', DB_USER, `--pwfile=${paths.postgresPassword}`, '-A', 'scram-sha-256', '-E', 'UTF8', '--no-locale'],
    { encoding: 'utf8', uid: user?.uid, gid: user?.gid },
  );
  if (initdb.status !== 0) {
    const reason = `${initdb.stderr ?? ''}`.trim().split('\n').at(-1) ?? `exit ${initdb.status}`;
    throw new Error(`initdb of ${paths.postgresData} failed: ${reason}`);
  }
  log(`postgresql: created the data directory ${paths.postgresData} (PostgreSQL ${install.major})`);
}

export function startPostgres(install: PostgresInstall, paths: ClusterPaths, port: number): ProcessRecord {
  const user = postgresOsUser();
  return spawnDetached({
    name: 'postgresql',
    role: 'postgresql',
    address: address(port),
    command: path.join(install.binDir, 'postgres'),
    // TCP on loopback only, no Unix socket; two nodes with 30 connections each fit well under 200.
    args: ['-D', paths.postgresData, '-p', String(port), '-c', 'listen_addresses=127.0.0.1', '-c', 'unix_socket_directories=', '-c', 'max_connections=200'],
    log: paths.log('postgresql'),
    user,
  });
}

/** Whether PostgreSQL accepts connections (not merely the port: also past recovery). */
export function postgresAccepts(install: PostgresInstall, port: number): boolean {
  return spawnSync(path.join(install.binDir, 'pg_isready'), ['-h', '127.0.0.1', '-p', String(port), '-t', '1'], { stdio: 'ignore' }).status === 0;
}
