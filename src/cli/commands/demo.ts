/**
 * `npm run demo`: the main job on embedded defaults. A file-backed Temporal dev server, a
 * simulated vCenter and ESXi fleet, a worker, an offline bundle file on the operator's disk, and
 * one host remediated through vCenter and followed live: the bundle staged on the datastore the
 * host mounts, the pre-check, maintenance mode, the install seed-style, the reboot,
 * verification, and out of maintenance mode again.
 */
import path from 'node:path';
import type { Client } from '@temporalio/client';
import { type Command, Option } from 'commander';
import { closeAllVcenterSessions } from '../../activities/vcenterSessions';
import { followInstall } from '../../api/installs';
import { answeredQuery } from '../../api/lookup';
import { rolloutResult, startRollout, type RolloutHandle } from '../../api/rollouts';
import { startDevServer } from '../../devserver/devServer';
import { vcentersSource } from '../../inventory/vcenterHosts';
import { startSimulator } from '../../simulator';
import { writeBundle, type BundleSpec } from '../../simulator/bundleBuilder';
import { connectClient } from '../../temporal/connection';
import { DefaultLogger, Runtime } from '@temporalio/worker';
import { createWorker } from '../../worker';
import { rolloutProgressQuery } from '../../workflows/fleetRollout';
import { remediationInstallId, remediationProgressQuery } from '../../workflows/remediateHost';
import { stepLabel, type RemediationStep } from '../../workflows/remediationResult';
import { copyLine, stagingLine, type RolloutResult } from '../../workflows/rolloutState';
import { createInstallView } from '../installView';
import { numberArg } from '../numberArg';
import { bundleFromFlags } from '../rolloutOptions';
import { EXIT } from '../usageError';

interface DemoFlags {
  hosts: number;
  installSeconds: number;
  poll: string;
  hold: boolean;
}

/**
 * The demo's offline bundle: one partner-level VIB that needs maintenance mode and a reboot,
 * with a payload big enough (8 MiB) that staging shows its bytes and rate for a moment.
 */
const DEMO_BUNDLE_FILE = 'vibflow-demo-1.0.0.zip';
const DEMO_BUNDLE_SPEC: BundleSpec = { vibs: [{ name: 'vibflow-demo', version: '1.0.0', payloadBytes: 8 * 1024 * 1024 }] };
const TASK_QUEUE = 'vibflow-demo';

export function registerDemo(program: Command): void {
  program
    .command('demo')
    .description('run the whole thing locally: dev server, simulated vCenter and hosts, a worker, and one host remediated through vCenter')
    .addOption(new Option('--hosts <n>', 'simulated hosts').argParser(numberArg('--hosts', 1, 1_000, true)).default(3))
    .addOption(new Option('--install-seconds <s>', 'how long the simulated install takes').argParser(numberArg('--install-seconds', 0.1)).default(30))
    .option('--poll <duration>', 'poll interval', '3s')
    .option('--no-hold', 'exit after the remediation instead of keeping the Web UI up until Ctrl-C')
    .action(async (flags: DemoFlags) => runDemo(flags));
}

async function runDemo(flags: DemoFlags): Promise<void> {
  // The demo's output is the install's progress; the worker speaks up only for warnings.
  Runtime.install({ logger: new DefaultLogger('WARN') });
  const stateDir = path.resolve('.vibflow');
  const cleanups: (() => Promise<unknown>)[] = [];
  const cleanup = async () => {
    for (const step of cleanups.reverse()) await step().catch(() => undefined);
  };
  const interrupted = new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  try {
    process.stdout.write('Starting the Temporal dev server (file-backed)...\n');
    const server = await startDevServer({ dbFile: path.join(stateDir, 'demo.db') });
    cleanups.push(() => server.stop());

    const simulator = await startSimulator({
      hosts: flags.hosts,
      installSeconds: flags.installSeconds,
      inventoryFile: path.join(stateDir, 'demo-inventory.json'),
      vcenter: { clusters: 1, rebootSeconds: 5, maintenanceSeconds: 2 },
      log: (line) => process.stdout.write(`${line}\n`),
    });
    cleanups.push(() => simulator.stop());
    const inventory = simulator.vcenterInventory as NonNullable<typeof simulator.vcenterInventory>;
    process.stdout.write(`Simulated a vCenter (${inventory.vcenter.url}) with ${simulator.hosts.length} ESXi hosts; inventory in .vibflow/demo-inventory.json\n`);
    // A real offline bundle on the operator's disk: the rollout stages it on the datastore the
    // host mounts (one verified upload through vCenter) and the host installs what it holds.
    const bundleFile = path.join(stateDir, DEMO_BUNDLE_FILE);
    await writeBundle(bundleFile, DEMO_BUNDLE_SPEC);
    // As `vibflow rollout --bundle FILE` does: inspected here, named to the workers by path and SHA-256.
    const { source, info } = await bundleFromFlags(bundleFile, []);
    const bundle = info as NonNullable<typeof info>;
    process.stdout.write(`Wrote the offline bundle .vibflow/${DEMO_BUNDLE_FILE} (${bundle.vibs.map((v) => `${v.name} ${v.version}, ${v.acceptanceLevel}`).join('; ')}; sha256 ${bundle.sha256.slice(0, 12)})\n`);

    const { worker, connection: workerConnection } = await createWorker({ address: server.address, taskQueue: TASK_QUEUE });
    const running = worker.run();
    cleanups.push(async () => {
      worker.shutdown();
      await running;
      await closeAllVcenterSessions();
      await workerConnection.close();
    });

    const { client, connection } = await connectClient({ address: server.address });
    cleanups.push(() => connection.close());
    const host = simulator.hosts[0].name;
    const handle = await startRollout(client, {
      rolloutId: `demo-${new Date().toISOString().replace(/[:.]/g, '-')}`,
      fromVcenters: vcentersSource(inventory, { hosts: [host] }),
      bundle: source,
      remediate: {},
      maxConcurrency: 1,
      pollInterval: flags.poll,
    }, TASK_QUEUE);
    process.stdout.write(`\nRemediating ${host} with ${DEMO_BUNDLE_FILE} through vCenter: staging, pre-check, maintenance mode, install, reboot, verification\n`);
    const result = await Promise.race([followRemediation(client, handle), interrupted.then(() => undefined)]);
    if (!result) return;
    const row = result.rows[0];
    process.stdout.write(
      `\n${host}: ${row.outcome}${row.error ? ` (${row.error})` : ''}\n` +
        `  maintenance mode: entered ${row.maintenanceEnteredAt ?? '-'}, exited ${row.maintenanceExitedAt ?? '-'}\n` +
        `  staged copy: ${row.datastore ?? '-'} (${result.staging?.state === 'removed' ? 'removed when the rollout ended' : result.staging?.state ?? '-'})\n` +
        `  boot time: ${row.bootTimeBefore ?? '-'} -> ${row.bootTimeAfter ?? '-'}\n` +
        `  verified: ${row.verified ? 'yes' : 'no'} (${(row.vibs ?? []).map((v) => `${v.name} ${v.found ?? 'missing'}`).join(', ')})\n`,
    );
    process.exitCode = row.state === 'succeeded' ? EXIT.ok : EXIT.failed;

    const url = `${server.uiUrl}/namespaces/default/workflows/${encodeURIComponent(row.installWorkflowId as string)}`;
    process.stdout.write(
      `\nSee it in the Temporal Web UI: ${url}\n` +
        `  each step is an activity in its history, the install a child workflow whose history reads like the seed\n` +
        `  filter the workflow list with: VibflowHost="${host}"\n`,
    );
    if (flags.hold && process.stdin.isTTY) {
      process.stdout.write('\nThe dev server and the Web UI stay up until you press Ctrl-C.\n');
      await interrupted;
    }
  } finally {
    await cleanup();
  }
}

/**
 * Prints the staging as it goes, each step of the rollout's one host as it comes, and the
 * install's progress the seed's way while it installs; returns the rollout's result.
 */
async function followRemediation(client: Client, handle: RolloutHandle): Promise<RolloutResult> {
  let settled = false;
  const ended = rolloutResult(handle).finally(() => (settled = true));
  let step: RemediationStep | undefined;
  let stagingText: string | undefined;
  while (!settled) {
    const progress = await answeredQuery(handle, rolloutProgressQuery);
    // The staging phase: the bundle read and hashed, then the copy's bytes and rate, once per change.
    if (progress?.staging) {
      const text = [stagingLine(progress.staging), ...progress.staging.copies.map(copyLine)].map((line) => `  ${line}`).join('\n');
      if (text !== stagingText) process.stdout.write(`${text}\n`);
      stagingText = text;
    }
    const row = progress?.rows[0];
    // The host's step is its remediation's own: asked of it, not of the rollout.
    const current = row?.installWorkflowId ? (await answeredQuery(client.workflow.getHandle(row.installWorkflowId), remediationProgressQuery))?.step : undefined;
    if (row?.installWorkflowId && current && current !== step) {
      step = current;
      if (step !== 'done') process.stdout.write(`  ${stepLabel(step)}\n`);
      if (step === 'installing') {
        process.stdout.write('Software installation in progress...\n');
        const view = createInstallView();
        view.finish(await followInstall(client.workflow.getHandle(remediationInstallId(row.installWorkflowId)), (p) => view.update(p)));
      }
    }
    await Promise.race([ended.catch(() => undefined), new Promise((resolve) => setTimeout(resolve, 500))]);
  }
  return ended;
}
