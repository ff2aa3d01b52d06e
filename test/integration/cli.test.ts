/** The `vibflow` command as a user runs it: a real process, its output and its exit status. */
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { WorkflowNotFoundError } from '@temporalio/client';
import { freeLoopbackPort } from '../../src/ops/opsServer';
import { installWorkflowId } from '../../src/shared/ids';
import { startSimulator } from '../../src/simulator';
import { placeBundle } from '../support/bundles';
import { useCliStack } from '../support/cliStack';
import { vibflow } from '../support/commands';
import { temporalAddress, testClient, uniqueTaskQueue } from '../support/temporal';

describe('vibflow install and status', () => {
  // esx-002 takes only VMware-accepted VIBs: it refuses the partner-level cli-tool.
  const stack = useCliStack('cli', { hosts: 2, basePort: 0, addressBase: '127.33.0.1', installSeconds: 2, datastores: [{ name: 'ds1' }], acceptanceLevels: { 'esx-002': 'vmware_accepted' } });
  beforeAll(async () => {
    await placeBundle(stack.simulator, 'file:///vmfs/volumes/ds1/cli-tool-1.0.0.zip', [{ name: 'cli-tool', version: '1.0.0', acceptanceLevel: 'partner' }]);
    await placeBundle(stack.simulator, 'file:///vmfs/volumes/ds1/done-1.0.0.zip', [{ name: 'done', version: '1.0.0' }]);
  });
  const common = () => ['--inventory', stack.inventory, ...stack.temporal(), '--poll', '500ms'];

  it('--wait --json prints the typed result and exits 0 on success', async () => {
    const run = await vibflow(['install', ...common(), '--host', 'esx-001', '--uri', 'file:///vmfs/volumes/ds1/cli-tool-1.0.0.zip', '--wait', '--json']);
    expect(run.code).toBe(0);
    const result = JSON.parse(run.stdout);
    expect(result).toMatchObject({ host: 'esx-001', outcome: 'succeeded-reboot-required', percent: 100, errorCode: 0 });
  });

  it('--wait prints the seed-style lines, the category and the reason, and exits 1 when the install fails; status tells the same', async () => {
    const run = await vibflow(['install', ...common(), '--host', 'esx-002', '--uri', 'file:///vmfs/volumes/ds1/cli-tool-1.0.0.zip', '--wait']);
    expect(run.code).toBe(1);
    expect(run.stdout).toContain('Software installation in progress...');
    expect(run.stdout).toMatch(/percent complete 100/);
    expect(run.stdout).toContain('description: [AcceptanceConfigError]');
    expect(run.stdout).toMatch(/Outcome: failed\n {2}category: acceptance\n {2}reason: .*AcceptanceConfigError/);

    const workflowId = installWorkflowId('esx-002', 'file:///vmfs/volumes/ds1/cli-tool-1.0.0.zip');
    const status = await vibflow(['status', workflowId, ...stack.temporal()]);
    expect(status.code).toBe(0);
    expect(status.stdout).toContain(`${workflowId}: FAILED\n   host: esx-002   bundle: file:///vmfs/volumes/ds1/cli-tool-1.0.0.zip\n   phase: done`);
    expect(status.stdout).toMatch(/ {3}Outcome: failed\n {5}category: acceptance\n {5}reason: .*AcceptanceConfigError/);
    expect(status.stdout).not.toContain('undefined');
  });

  const BAD_INPUT_BUNDLE = 'file:///vmfs/volumes/ds1/never-started.zip';
  it.each([
    [['--host', 'esx-001', '--uri', 'https://depot.example/b.zip'], '--uri: must be an offline bundle'],
    [['--host', 'esx-999', '--uri', BAD_INPUT_BUNDLE], 'host "esx-999" is not in the inventory'],
    [['--host', 'esx-001', '--uri', BAD_INPUT_BUNDLE, '--poll', 'sometimes'], '--poll: "sometimes" is not a duration'],
    [['--host', 'esx-001', '--uri', BAD_INPUT_BUNDLE, '--unreachable-timeout', '10ms'], '--unreachable-timeout: must be between 1s'],
    [['--host', 'esx-001', '--uri', BAD_INPUT_BUNDLE, '--thumbprint', 'AB:CD'], 'give either --inventory with --host, or --url and its options, not both (--thumbprint given)'],
    [['--host', 'esx-001'], "required option '--uri <uri>' not specified"],
  ])('exits 2 with a message naming what was typed, starting nothing: %j', async (args, message) => {
    const run = await vibflow(['install', '--inventory', stack.inventory, ...stack.temporal(), ...args]);
    expect(run.stderr).toContain(message);
    expect(run.stderr).not.toMatch(/pollInterval|bundleUri|unreachableTimeout|expected \w+, received/);
    expect(run.code).toBe(2);
    const handle = (await testClient()).workflow.getHandle(installWorkflowId('esx-001', BAD_INPUT_BUNDLE));
    await expect(handle.describe()).rejects.toBeInstanceOf(WorkflowNotFoundError);
  });

  it('refuses --thumbprint "" with exit 2 and starts nothing', async () => {
    const host = stack.simulator.inventory.hosts[0];
    const before = stack.simulator.stats().fleet.installFromUri;
    const run = await vibflow(['install', '--url', host.url, '--credential', host.credential as string, '--thumbprint', '', '--uri', BAD_INPUT_BUNDLE, ...stack.temporal()]);
    expect(run.stderr).toContain('vibflow: --thumbprint: must not be empty');
    expect(run.code).toBe(2);
    expect(stack.simulator.stats().fleet.installFromUri).toBe(before);
    await expect((await testClient()).workflow.getHandle(installWorkflowId('127.33.0.1', BAD_INPUT_BUNDLE)).describe()).rejects.toBeInstanceOf(WorkflowNotFoundError);
  });

  it('says when a start attaches to the install already running, and status shows it live without undefined', async () => {
    // Its own host with a slower install, so that it is still running when the last of four CLI
    // starts comes (each takes seconds on a loaded machine: 8 s was too short in CI).
    const slowInventory = path.join(stack.dir, 'slow.json');
    const slow = await startSimulator({ hosts: 1, basePort: 0, addressBase: '127.33.1.1', installSeconds: 30, inventoryFile: slowInventory, datastores: [{ name: 'ds1' }] });
    try {
      const bundle = await placeBundle(slow, 'file:///vmfs/volumes/ds1/attach-1.0.0.zip', [{ name: 'attach', version: '1.0.0' }]);
      const workflowId = installWorkflowId('esx-001', bundle);
      const install = (...more: string[]) => vibflow(['install', '--inventory', slowInventory, '--host', 'esx-001', '--uri', bundle, '--poll', '500ms', ...stack.temporal(), ...more]);
      const first = await install();
      expect(first.stdout).toBe(`started ${workflowId}\nfollow it with: vibflow status '${workflowId}'\n`);
      const second = await install('--json');
      expect(JSON.parse(second.stdout)).toMatchObject({ workflowId, attached: true });

      const status = await vibflow(['status', workflowId, ...stack.temporal()]);
      expect(status.code).toBe(0);
      expect(status.stdout).toMatch(new RegExp(`^${workflowId}: RUNNING\n {3}host: esx-001 {3}bundle: ${bundle}\n {3}phase: \\w+\n {3}percent complete \\d+`));
      expect(status.stdout).not.toContain('undefined');

      const followed = await install('--wait');
      expect(followed.stdout).toContain(`attached to the install already running for this host and bundle: ${workflowId}`);
      expect(followed.stdout).toContain('Outcome: succeeded-reboot-required');
      expect(followed.code).toBe(0);
      expect(slow.stats().hosts['esx-001'].installFromUri).toBe(1);
    } finally {
      await slow.stop();
    }
  }, 150_000);

  it('says when no worker polls the task queue (status too, within seconds), and cancel refuses an install that has ended', async () => {
    const bundle = 'file:///vmfs/volumes/ds1/no-worker-1.0.0.zip';
    const lonely = uniqueTaskQueue('no-worker');
    const run = await vibflow(['install', '--inventory', stack.inventory, '--host', 'esx-001', '--uri', bundle, '--address', temporalAddress(), '--task-queue', lonely]);
    expect(run.code).toBe(0);
    expect(run.stderr).toBe(`vibflow: no worker polls task queue "${lonely}": nothing moves until one starts (vibflow worker --task-queue ${lonely})\n`);
    const workflowId = installWorkflowId('esx-001', bundle);
    const started = Date.now();
    const status = await vibflow(['status', workflowId, ...stack.temporal()]);
    expect(status.stdout).toBe(`${workflowId}: RUNNING\n   no progress yet: no worker answered; is one running on task queue "${lonely}"?\n`);
    expect(Date.now() - started).toBeLessThan(10_000);
    expect((await vibflow(['cancel', workflowId, ...stack.temporal()])).stdout).toBe(`cancellation requested for ${workflowId}\n`);

    const done = 'file:///vmfs/volumes/ds1/done-1.0.0.zip';
    expect((await vibflow(['install', ...common(), '--host', 'esx-001', '--uri', done, '--wait'])).code).toBe(0);
    const ended = installWorkflowId('esx-001', done);
    const refused = await vibflow(['cancel', ended, ...stack.temporal()]);
    expect(refused.stderr).toBe(`vibflow: ${ended} has ended (COMPLETED): vibflow status ${ended}\n`);
    expect(refused.code).toBe(2);
  });

  it('status of an id that is no install, rollout or remediation exits 2', async () => {
    const run = await vibflow(['status', 'no-such-thing', ...stack.temporal()]);
    expect(run.stderr).toBe('vibflow: no install, rollout or remediation "no-such-thing" in namespace default\n');
    expect(run.code).toBe(2);
  });

  it('a host that does not answer fails as unreachable after --unreachable-timeout, showing attempts and the last error meanwhile', async () => {
    const [port1, port2] = [await freeLoopbackPort(), await freeLoopbackPort()];
    const { user, credential, tls } = stack.simulator.inventory.hosts[0];
    const unreachable = path.join(stack.dir, 'unreachable.json');
    await writeFile(unreachable, JSON.stringify({ version: 1, hosts: [
      { name: 'closed-1', url: `https://127.0.0.1:${port1}`, user, credential, tls },
      { name: 'closed-2', url: `https://127.0.0.1:${port2}`, user, credential, tls },
    ] }));
    const bundle = 'file:///vmfs/volumes/ds1/c.zip';
    const install = (host: string, ...more: string[]) =>
      vibflow(['install', '--inventory', unreachable, '--host', host, '--uri', bundle, '--unreachable-timeout', '15s', '--wait', ...stack.temporal(), ...more], { timeoutMs: 90_000 });

    const started = Date.now();
    const [json, text, status] = await Promise.all([
      install('closed-1', '--json'),
      install('closed-2'),
      (async () => {
        await new Promise((resolve) => setTimeout(resolve, 6_000));
        return vibflow(['status', installWorkflowId('closed-1', bundle), ...stack.temporal()]);
      })(),
    ]);
    expect((Date.now() - started) / 1000).toBeLessThan(60);

    expect(json.code).toBe(1);
    const result = JSON.parse(json.stdout);
    expect(result).toMatchObject({ host: 'closed-1', outcome: 'failed', errorCategory: 'unreachable' });
    expect(result.reason).toContain(`127.0.0.1:${port1}`);

    expect(text.code).toBe(1);
    expect(text.stdout).toMatch(new RegExp(`host not answering, attempt 1: .*ECONNREFUSED 127\\.0\\.0\\.1:${port2}`));
    // Followed for some 20 s, one progress query a second: nothing accumulates per query.
    expect(text.stderr).not.toContain('MaxListenersExceededWarning');
    expect(text.stdout).toMatch(/Outcome: failed\n {2}category: unreachable\n {2}reason: closed-2 did not answer/);

    expect(status.stdout).toContain(': RUNNING');
    expect(status.stdout).toMatch(new RegExp(`host not answering, attempt \\d+: .*ECONNREFUSED 127\\.0\\.0\\.1:${port1}`));
  });
});
