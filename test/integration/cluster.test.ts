/**
 * The production topology for real: `vibflow cluster up` (PostgreSQL, two Temporal server nodes,
 * the frontend proxy, the Web UI) in a temporary directory, two `vibflow worker` processes on its
 * client address, the CIM simulator. 100-host rollouts keep going while a server node is SIGKILLed
 * (and later rejoins) and while PostgreSQL crashes and restarts; the cluster's own faults each end
 * in one clear line with nothing left running.
 */
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import { Client, Connection } from '@temporalio/client';
import { rolloutHandle, rolloutResult, startRollout } from '../../src/api/rollouts';
import { resolveClusterBinaries } from '../../src/devserver/cluster/binaries';
import type { ClusterStatus } from '../../src/devserver/cluster/cluster';
import type { ClusterPorts } from '../../src/devserver/cluster/layout';
import { findPostgres } from '../../src/devserver/cluster/postgres';
import { startTicksOf } from '../../src/devserver/cluster/processes';
import { startSimulator, type Simulator } from '../../src/simulator';
import { clusterCli, freeClusterPorts, portFlags, ProgressGapMeter } from '../support/cluster';
import { waitFor } from '../support/waitFor';
import { spawnWorkerProcess, type WorkerProcess } from '../support/workerProcess';
import { placeBundle } from '../support/bundles';

const HOSTS = 100;
const FAILING = { 'esx-017': 'dependency', 'esx-058': 'dependency', 'esx-093': 'dependency' } as const;
const BUNDLE = 'file:///vmfs/volumes/datastore1/cluster-failover-1.0.0.zip';

const alive = (pid: number) => startTicksOf(pid) !== undefined;

describe('vibflow on a two-node Temporal cluster on PostgreSQL', () => {
  const dir = path.join(os.tmpdir(), `vibflow-cluster-${randomUUID().slice(0, 8)}`);
  const taskQueue = `cluster-${randomUUID().slice(0, 8)}`;
  let ports: ClusterPorts;
  let clientAddress: string;
  let connection: Connection;
  let client: Client;
  const workers: WorkerProcess[] = [];
  const finishedRollouts: string[] = [];

  const cli = async (...args: string[]) => clusterCli([...args, '--dir', dir]);
  async function status(): Promise<ClusterStatus> {
    const result = await cli('status', '--json');
    expect(result.status).toBe(0);
    return JSON.parse(result.stdout) as ClusterStatus;
  }
  const pidOf = (s: ClusterStatus, name: string) => s.processes.find((p) => p.name === name)?.pid as number;

  beforeAll(async () => {
    resolveClusterBinaries((line) => process.stdout.write(`${line}\n`)); // the first time: a Go build of a few minutes
    ports = await freeClusterPorts();
    const up = await cli('up', '--json', ...portFlags(ports));
    expect({ status: up.status, stderr: up.status === 0 ? '' : up.stderr }).toEqual({ status: 0, stderr: '' });
    const result = JSON.parse(up.stdout) as ClusterStatus & { seconds: number };
    process.stdout.write(`cluster up (cold: new data directory, schema, two nodes) in ${result.seconds} s\n`);
    clientAddress = result.clientAddress;
    connection = await Connection.connect({ address: clientAddress });
    client = new Client({ connection });
    workers.push(...(await Promise.all([0, 1].map(() => spawnWorkerProcess({ taskQueue, address: clientAddress })))));
  }, 20 * 60_000);

  afterAll(async () => {
    await Promise.all(workers.map((w) => w.stop()));
    await connection?.close();
    await cli('down');
    rmSync(dir, { recursive: true, force: true });
  }, 120_000);

  it('up answers with every process recorded; a second up starts nothing', async () => {
    const s = await status();
    expect(s).toMatchObject({ up: true, clientAddress: `127.0.0.1:${ports.client}`, uiUrl: `http://127.0.0.1:${ports.ui}`, namespace: 'default' });
    expect(s.processes.map((p) => [p.name, p.role, p.running])).toEqual([
      ['postgresql', 'postgresql', true],
      ['node-1', 'temporal-server', true],
      ['node-2', 'temporal-server', true],
      ['proxy', 'frontend-proxy', true],
      ['ui', 'ui-server', true],
    ]);
    for (const p of s.processes) expect({ name: p.name, alive: alive(p.pid as number) }).toEqual({ name: p.name, alive: true });

    const again = await cli('up');
    expect(again.status).toBe(0);
    expect(again.stdout).toContain('cluster already up: nothing started');
    expect((await status()).processes.map((p) => p.pid)).toEqual(s.processes.map((p) => p.pid));
    expect((await fetch(s.uiUrl)).status).toBe(200);
    const { customAttributes } = await connection.operatorService.listSearchAttributes({ namespace: 'default' });
    expect(Object.keys(customAttributes ?? {}).sort()).toEqual(['VibflowHost', 'VibflowOutcome', 'VibflowPhase', 'VibflowRolloutId']);
  });

  /** A 100-host rollout with FAULT injected once a third of the hosts started; prints the longest stalls after it. */
  async function rolloutThrough(label: string, addressBase: string, fault: () => Promise<void>): Promise<void> {
    const simulator: Simulator = await startSimulator({ hosts: HOSTS, basePort: 0, addressBase, installSeconds: 4, failures: FAILING });
    await placeBundle(simulator, BUNDLE, [{ name: 'cluster-failover', version: '1.0.0' }]);
    const meter = new ProgressGapMeter(simulator);
    try {
      const rolloutId = `${label}-${randomUUID().slice(0, 8)}`;
      const started = Date.now();
      const handle = await startRollout(client, { rolloutId, hosts: simulator.inventory.hosts, bundleUri: BUNDLE, maxConcurrency: 20, maxFailures: 5, pollInterval: '1s' }, taskQueue);
      await waitFor(() => simulator.stats().fleet.installFromUri >= HOSTS / 3, 'a third of the hosts to start', 120_000);
      const faultAt = Date.now();
      await fault();
      const result = await rolloutResult(handle);
      meter.stop();
      const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
      const before = meter.longestGaps(started, faultAt);
      const after = meter.longestGaps(faultAt);
      process.stdout.write(
        `${label}: ${HOSTS}-host rollout in ${seconds(Date.now() - started)}; longest gap in progress after the fault: ` +
          `${seconds(after.hostMs)} for one install (${after.host}), ${seconds(after.fleetMs)} for the whole fleet ` +
          `(before it: ${seconds(before.hostMs)} and ${seconds(before.fleetMs)})\n`,
      );
      expect(result).toMatchObject({ reason: 'completed', outcome: 'completed-with-failures' });
      expect(result.totals).toMatchObject({ hosts: HOSTS, succeeded: HOSTS - 3, failed: 3, running: 0, pending: 0 });
      for (const row of result.rows) {
        if (row.host in FAILING) expect({ host: row.host, state: row.state, error: row.error }).toEqual({ host: row.host, state: 'failed', error: expect.stringContaining('[DependencyError]') });
        else expect({ host: row.host, state: row.state, outcome: row.outcome }).toEqual({ host: row.host, state: 'succeeded', outcome: 'succeeded-reboot-required' });
      }
      const stats = simulator.stats();
      const installs = Object.fromEntries(simulator.hosts.map((h) => [h.name, stats.hosts[h.name].installFromUri]));
      expect(installs).toEqual(Object.fromEntries(simulator.hosts.map((h) => [h.name, 1])));
      // Nothing stuck: SQL visibility, filtered by vibflow's search attribute, shows no open workflow.
      await waitFor(async () => (await client.workflow.count(`VibflowRolloutId = "${rolloutId}" AND ExecutionStatus = "Running"`)).count === 0, 'no running workflow of the rollout', 30_000);
      expect((await client.workflow.count(`VibflowRolloutId = "${rolloutId}"`)).count).toBe(HOSTS + 1);
      finishedRollouts.push(rolloutId);
    } finally {
      meter.stop();
      await simulator.stop();
    }
  }

  it('a 100-host rollout carries on while a server node is SIGKILLed, and the node rejoins', async () => {
    await rolloutThrough('node-killed', '127.60.0.1', async () => {
      const before = await status();
      process.kill(pidOf(before, 'node-1'), 'SIGKILL');
      await waitFor(() => !alive(pidOf(before, 'node-1')), 'node-1 to die', 10_000);
      expect((await status()).processes.find((p) => p.name === 'node-1')?.running).toBe(false);
      await new Promise((resolve) => setTimeout(resolve, 10_000)); // the rollout runs on node-2 alone for a while
      const up = await cli('up', '--json');
      expect(up.status).toBe(0);
      expect(JSON.parse(up.stdout)).toMatchObject({ up: true, started: ['node-1'] });
    });
  }, 300_000);

  it('a 100-host rollout carries on while PostgreSQL crashes and restarts', async () => {
    await rolloutThrough('postgres-restarted', '127.61.0.1', async () => {
      const before = await status();
      process.kill(pidOf(before, 'postgresql'), 'SIGQUIT'); // immediate shutdown: crash recovery on the next start
      await waitFor(() => !alive(pidOf(before, 'postgresql')), 'PostgreSQL to stop', 30_000);
      await new Promise((resolve) => setTimeout(resolve, 5_000));
      const up = await cli('up', '--json');
      expect(up.status).toBe(0);
      expect(JSON.parse(up.stdout)).toMatchObject({ up: true, started: ['postgresql'] });
    });
  }, 300_000);

  it('down stops exactly what up started, a second down has nothing to stop, and the data survives the next up', async () => {
    const before = await status();
    const down = await cli('down', '--json');
    expect(down.status).toBe(0);
    expect(JSON.parse(down.stdout).stopped.sort()).toEqual(['node-1', 'node-2', 'postgresql', 'proxy', 'ui']);
    for (const p of before.processes) expect({ name: p.name, alive: alive(p.pid as number) }).toEqual({ name: p.name, alive: false });
    expect((await status()).processes.every((p) => !p.running)).toBe(true);

    const again = await cli('down');
    expect({ status: again.status, stdout: again.stdout.trim() }).toEqual({ status: 0, stdout: `nothing to stop: no cluster process is running (${dir})` });

    const up = await cli('up', '--json');
    expect(up.status).toBe(0);
    expect(finishedRollouts).toHaveLength(2);
    for (const rolloutId of finishedRollouts) {
      const result = await rolloutResult(rolloutHandle(client, rolloutId));
      expect(result.totals).toMatchObject({ hosts: HOSTS, succeeded: HOSTS - 3, failed: 3 });
    }
  }, 180_000);

  describe('faults end in one line and leave nothing running', () => {
    const lines = (text: string) => text.trim().split('\n');

    beforeAll(async () => {
      expect((await cli('down')).status).toBe(0);
    }, 60_000);

    it('a PostgreSQL port already taken', async () => {
      const squatter = net.createServer();
      await new Promise<void>((resolve) => squatter.listen(ports.postgres, '127.0.0.1', resolve));
      try {
        const up = await cli('up');
        expect(up.status).toBe(1);
        expect(lines(up.stderr)).toEqual([`vibflow: port 127.0.0.1:${ports.postgres} (postgresql) is already in use by another process: free it, or choose other ports (vibflow cluster up --help)`]);
        expect((await status()).processes.some((p) => p.running)).toBe(false);
      } finally {
        await new Promise((resolve) => squatter.close(resolve));
      }
    });

    it('a data directory from another PostgreSQL version', async () => {
      const versionFile = path.join(dir, 'postgresql', 'PG_VERSION');
      const major = findPostgres().major;
      writeFileSync(versionFile, `${major - 1}\n`);
      try {
        const up = await cli('up');
        expect(up.status).toBe(1);
        expect(lines(up.stderr)).toEqual([expect.stringMatching(new RegExp(`^vibflow: .*postgresql holds a PostgreSQL ${major - 1} data directory, but the installed PostgreSQL is ${major}: `))]);
        expect((await status()).processes.some((p) => p.running)).toBe(false);
      } finally {
        writeFileSync(versionFile, `${major}\n`);
      }
    });

    it('two ups at once: the second is refused while the first works, which brings everything up', async () => {
      const first = cli('up');
      await waitFor(() => {
        try {
          return readFileSync(path.join(dir, 'cluster.lock'), 'utf8').includes('"up"');
        } catch {
          return false;
        }
      }, 'the first up to take the lock', 30_000, 20);
      const second = await cli('up');
      expect(second.status).toBe(1);
      expect(lines(second.stderr)).toEqual([expect.stringMatching(/^vibflow: another `vibflow cluster up` \(pid \d+\) is working on .*: wait for it to finish$/)]);
      expect((await first).status).toBe(0);
      expect((await status()).up).toBe(true);
    }, 120_000);
  });
});
