/** The `vibflow` command as a user runs it: a real process, its output and its exit status. */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { startSimulator, type Simulator } from '../../src/simulator';
import { vibflow } from '../support/commands';
import { startTestWorker, temporalAddress, uniqueTaskQueue, type TestWorker } from '../support/temporal';


describe('vibflow install', () => {
  let simulator: Simulator;
  let worker: TestWorker;
  let dir: string;
  let inventory: string;
  const taskQueue = uniqueTaskQueue('cli');

  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'vibflow-cli-'));
    inventory = path.join(dir, 'inventory.json');
    simulator = await startSimulator({ hosts: 2, basePort: 0, addressBase: '127.33.0.1', installSeconds: 2, failures: { 'esx-002': 'acceptance' }, inventoryFile: inventory });
    worker = await startTestWorker({ taskQueue });
  });

  afterAll(async () => {
    await worker?.shutdown();
    await simulator?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  const common = () => ['--inventory', inventory, '--address', temporalAddress(), '--task-queue', taskQueue, '--poll', '500ms'];

  it('--wait --json prints the typed result and exits 0 on success', async () => {
    const run = await vibflow(['install', ...common(), '--host', 'esx-001', '--uri', 'file:///vmfs/volumes/ds1/cli-tool-1.0.0.zip', '--wait', '--json']);
    expect(run.code).toBe(0);
    const result = JSON.parse(run.stdout);
    expect(result).toMatchObject({ host: 'esx-001', outcome: 'succeeded-reboot-required', percent: 100, errorCode: 0 });
  });

  it('--wait prints the seed-style lines and exits 1 when the install fails', async () => {
    const run = await vibflow(['install', ...common(), '--host', 'esx-002', '--uri', 'file:///vmfs/volumes/ds1/cli-tool-1.0.0.zip', '--wait']);
    expect(run.code).toBe(1);
    expect(run.stdout).toContain('Software installation in progress...');
    expect(run.stdout).toMatch(/percent complete 100/);
    expect(run.stdout).toContain('description: [AcceptanceConfigError]');
    expect(run.stdout).toContain('Outcome: failed');
  });

  it.each([
    [['--host', 'esx-001', '--uri', 'https://depot.example/b.zip'], 'bundleUri: must be an offline bundle'],
    [['--host', 'esx-999', '--uri', 'file:///vmfs/volumes/ds1/b.zip'], 'host "esx-999" is not in the inventory'],
    [['--host', 'esx-001', '--uri', 'file:///vmfs/volumes/ds1/b.zip', '--poll', 'sometimes'], 'pollInterval'],
    [['--host', 'esx-001'], "required option '--uri <uri>' not specified"],
  ])('exits 2 with a message naming the problem: %j', async (args, message) => {
    const run = await vibflow(['install', ...common().filter((a) => a !== '--poll' && a !== '500ms'), ...args]);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain(message);
  });
});

describe('vibflow rollout and report', () => {
  let simulator: Simulator;
  let worker: TestWorker;
  let dir: string;
  let inventory: string;
  const taskQueue = uniqueTaskQueue('cli-rollout');

  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'vibflow-cli-'));
    inventory = path.join(dir, 'inventory.json');
    simulator = await startSimulator({ hosts: 6, basePort: 0, addressBase: '127.34.0.1', installSeconds: 2, failures: { 'esx-006': 'space' }, inventoryFile: inventory });
    worker = await startTestWorker({ taskQueue });
  });

  afterAll(async () => {
    await worker?.shutdown();
    await simulator?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  const temporal = () => ['--address', temporalAddress(), '--task-queue', taskQueue];

  it('runs a rollout to the end, prints the table, and exits 1 because one host failed within the budget', async () => {
    const run = await vibflow(['rollout', '--inventory', inventory, '--uri', 'file:///vmfs/volumes/ds1/fleet-2.0.0.zip', '--max-concurrency', '50%', '--max-failures', '1', '--canary', '1', '--poll', '500ms', '--id', 'cli-fleet', '--wait', ...temporal()]);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(1);
    expect(run.stdout).toContain('started rollout cli-fleet on 6 hosts');
    expect(run.stdout).toMatch(/esx-006 +failed +1 +failed +\[InstallationError\]/);
    expect(run.stdout).toContain('5 succeeded, 1 failed');
    expect(run.stdout).toContain('ended: completed (completed-with-failures)');
    expect(simulator.stats().fleet.peakConcurrentJobs).toBeLessThanOrEqual(3);

    const csv = await vibflow(['report', 'cli-fleet', '--format', 'csv', ...temporal()]);
    expect(csv.code).toBe(0);
    expect(csv.stdout.split('\n')[0]).toBe('host,state,attempt,outcome,error');
    expect(csv.stdout).toContain('esx-001,succeeded,1,succeeded-reboot-required,');
  });

  it('refuses steering that makes no sense with exit 2 and the reason', async () => {
    const run = await vibflow(['rollout', 'approve', 'cli-fleet', ...temporal()]);
    expect(run.stderr).toMatch(/approve refused/);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/approve refused: (the rollout has ended|rollout cli-fleet has ended or does not exist)/);
  });

  it('refuses a bad rollout before starting anything', async () => {
    const run = await vibflow(['rollout', '--inventory', inventory, '--uri', 'file:///vmfs/volumes/ds1/x.zip', '--max-concurrency', '0', ...temporal()]);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('maxConcurrency');
  });
});
