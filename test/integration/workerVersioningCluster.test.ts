/**
 * Worker Versioning on the production topology: the upgrade scenario of workerVersioning.test.ts
 * on `vibflow cluster` (PostgreSQL, two Temporal server nodes built from source, the frontend
 * proxy), both with v1 left running and with v1's worker SIGKILLed mid-upgrade, and the move of an
 * unversioned installation to Worker Versioning.
 */
import { rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import { Client, Connection } from '@temporalio/client';
import { resolveClusterBinaries, TEMPORAL_SERVER_VERSION } from '../../src/devserver/cluster/binaries';
import type { ClusterStatus } from '../../src/devserver/cluster/cluster';
import { clusterCli, freeClusterPorts, portFlags } from '../support/cluster';
import { buildV2Bundle, migrateFromUnversioned, upgradeWhileRolling } from '../support/upgrade';

describe(`upgrading vibflow while a rollout runs (Worker Versioning, cluster on server ${TEMPORAL_SERVER_VERSION})`, () => {
  const dir = path.join(os.tmpdir(), `vibflow-cluster-wv-${randomUUID().slice(0, 8)}`);
  let clientAddress: string;
  let connection: Connection;
  let client: Client;
  let v2BundlePath: string;
  const cli = async (...args: string[]) => clusterCli([...args, '--dir', dir]);

  beforeAll(async () => {
    resolveClusterBinaries((line) => process.stdout.write(`${line}\n`)); // the first time: a Go build of a few minutes
    const [up, v2] = await Promise.all([cli('up', '--json', ...portFlags(await freeClusterPorts())), buildV2Bundle()]);
    v2BundlePath = v2;
    expect({ status: up.status, stderr: up.status === 0 ? '' : up.stderr }).toEqual({ status: 0, stderr: '' });
    const result = JSON.parse(up.stdout) as ClusterStatus & { seconds: number };
    process.stdout.write(`cluster up in ${result.seconds} s\n`);
    clientAddress = result.clientAddress;
    connection = await Connection.connect({ address: clientAddress });
    client = new Client({ connection });
  }, 20 * 60_000);

  afterAll(async () => {
    await connection?.close();
    const down = await cli('down');
    if (down.status !== 0) process.stdout.write(`cluster down: ${down.stderr}\n`);
    rmSync(dir, { recursive: true, force: true });
    if (v2BundlePath) rmSync(v2BundlePath, { force: true });
  }, 120_000);

  it('a rollout started on v1 finishes on v1 while v2 is made current; new work runs on v2; v1 drains', async () => {
    const figures = await upgradeWhileRolling({ client, address: clientAddress, v2BundlePath, addressBase: '127.81.0.1', killV1: false, label: 'cluster' });
    process.stdout.write(`upgrade on the cluster: ${figures.seconds} s; v1 drained ${figures.drainedAfterSeconds} s after the last rollout ended (${figures.phases.join('; ')})\n`);
  }, 300_000);

  it('with the v1 worker SIGKILLed mid-upgrade the rollout waits, status says why, and it finishes once a v1 worker is back', async () => {
    const figures = await upgradeWhileRolling({ client, address: clientAddress, v2BundlePath, addressBase: '127.82.0.1', killV1: true, label: 'clusterkill' });
    process.stdout.write(`upgrade with v1 killed on the cluster: ${figures.seconds} s; v1 drained ${figures.drainedAfterSeconds} s after the last rollout ended (${figures.phases.join('; ')})\n`);
  }, 300_000);

  it('an unversioned installation moves over: the versioned worker waits for set-current; once the unversioned worker stops, running work moves to the version', async () => {
    const figures = await migrateFromUnversioned({ client, address: clientAddress, addressBase: '127.86.0.1', label: 'cluster' });
    process.stdout.write(`move from unversioned on the cluster: ${figures.seconds} s (${figures.phases.join('; ')})\n`);
  }, 180_000);
});
