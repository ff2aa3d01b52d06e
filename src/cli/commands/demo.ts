/**
 * `npm run demo`: the main job on embedded defaults. A file-backed Temporal dev server, a
 * simulated ESXi fleet, a worker, and one durable install followed live, seed-style.
 */
import path from 'node:path';
import { type Command, Option } from 'commander';
import { followInstall, startInstall } from '../../api/installs';
import { startDevServer } from '../../devserver/devServer';
import { startSimulator } from '../../simulator';
import { connectClient } from '../../temporal/connection';
import { DefaultLogger, Runtime } from '@temporalio/worker';
import { createWorker } from '../../worker';
import { SUCCESSFUL_OUTCOMES } from '../../workflows/installResult';
import { createInstallView } from '../installView';
import { numberArg } from '../numberArg';
import { EXIT } from '../usageError';

interface DemoFlags {
  hosts: number;
  installSeconds: number;
  poll: string;
  hold: boolean;
}

const DEMO_BUNDLE = 'file:///vmfs/volumes/datastore1/vibflow-demo-1.0.0.zip';
const TASK_QUEUE = 'vibflow-demo';

export function registerDemo(program: Command): void {
  program
    .command('demo')
    .description('run the whole thing locally: dev server, simulated hosts, a worker and one durable install')
    .addOption(new Option('--hosts <n>', 'simulated hosts').argParser(numberArg('--hosts', 1, 1_000, true)).default(3))
    .addOption(new Option('--install-seconds <s>', 'how long the simulated install takes').argParser(numberArg('--install-seconds', 0.1)).default(30))
    .option('--poll <duration>', 'poll interval', '3s')
    .option('--no-hold', 'exit after the install instead of keeping the Web UI up until Ctrl-C')
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
    });
    cleanups.push(() => simulator.stop());
    process.stdout.write(`Simulated ${simulator.hosts.length} ESXi hosts; inventory in .vibflow/demo-inventory.json\n`);

    const { worker, connection: workerConnection } = await createWorker({ address: server.address, taskQueue: TASK_QUEUE });
    const running = worker.run();
    cleanups.push(async () => {
      worker.shutdown();
      await running;
      await workerConnection.close();
    });

    const { client, connection } = await connectClient({ address: server.address });
    cleanups.push(() => connection.close());
    const host = simulator.inventory.hosts[0];
    const handle = await startInstall(client, { host, bundleUri: DEMO_BUNDLE, pollInterval: flags.poll }, TASK_QUEUE);
    process.stdout.write(`\nInstalling ${DEMO_BUNDLE} on ${host.name} (${host.url})\nSoftware installation in progress...\n`);
    const view = createInstallView();
    const result = await Promise.race([followInstall(handle, (p) => view.update(p)), interrupted.then(() => undefined)]);
    if (!result) return;
    view.finish(result);
    process.exitCode = SUCCESSFUL_OUTCOMES.has(result.outcome) ? EXIT.ok : EXIT.failed;

    const url = `${server.uiUrl}/namespaces/default/workflows/${encodeURIComponent(handle.workflowId)}`;
    process.stdout.write(
      `\nSee it in the Temporal Web UI: ${url}\n` +
        `  the event history reads like the seed: InstallFromURI, then GetInstance and a timer per poll\n` +
        `  filter the workflow list with: VibflowHost="${host.name}"\n`,
    );
    if (flags.hold && process.stdin.isTTY) {
      process.stdout.write('\nThe dev server and the Web UI stay up until you press Ctrl-C.\n');
      await interrupted;
    }
  } finally {
    await cleanup();
  }
}
