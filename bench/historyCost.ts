/**
 * Benchmark 3: history cost per install. installVib (local-activity read + timer) and the plain
 * activity-then-timer loop, side by side on two simulated hosts, about 100 polls each: events per
 * poll, events and bytes per complete install, and runs (continue-as-new).
 */
import { Client, Connection } from '@temporalio/client';
import { historyToJSON } from '@temporalio/common/lib/proto-utils';
import { DefaultLogger, NativeConnection, Runtime, Worker } from '@temporalio/worker';
import * as activities from '../src/activities';
import { closeAllClients } from '../src/activities/connections';
import { installResult, startInstall } from '../src/api/installs';
import { startDevServer } from '../src/devserver/devServer';
import { startSimulator } from '../src/simulator';
import { placeBundle } from '../test/support/bundles';
import { printFigures } from './figures';

Runtime.install({ logger: new DefaultLogger('WARN') });
const POLLS = Number(process.argv[2] ?? 100);
const BUNDLE = 'file:///vmfs/volumes/ds1/history-1.0.0.zip';

async function main(): Promise<void> {
  const server = await startDevServer({ ui: false, log: () => undefined });
  const simulator = await startSimulator({ hosts: 2, basePort: 0, addressBase: '127.42.0.1', installSeconds: POLLS, datastores: [{ name: 'ds1' }] });
  await placeBundle(simulator, BUNDLE, [{ name: 'history', version: '1.0.0' }]);
  const nativeConnection = await NativeConnection.connect({ address: server.address });
  const worker = await Worker.create({ connection: nativeConnection, taskQueue: 'history', activities, workflowsPath: require.resolve('./workflows') });
  const running = worker.run();
  const connection = await Connection.connect({ address: server.address });
  const client = new Client({ connection });
  try {
    const [hostA, hostB] = simulator.inventory.hosts;
    const install = await startInstall(client, { host: hostA, bundleUri: BUNDLE, pollInterval: '1s' }, 'history');
    const plain = await client.workflow.start('plainPollLoop', { taskQueue: 'history', workflowId: `plain-${Date.now()}`, args: [hostB, BUNDLE, 1000] });
    const [result, plainPolls] = await Promise.all([installResult(install), plain.result() as Promise<number>]);

    async function cost(workflowId: string, firstRunId: string) {
      let events = 0;
      let bytes = 0;
      let runs = 0;
      for (let runId: string | undefined = firstRunId; runId; runs++) {
        const history = await client.workflow.getHandle(workflowId, runId).fetchHistory();
        events += history.events?.length ?? 0;
        bytes += Buffer.byteLength(historyToJSON(history));
        runId = history.events?.at(-1)?.workflowExecutionContinuedAsNewEventAttributes?.newExecutionRunId ?? undefined;
      }
      return { events, bytes, runs };
    }
    const ours = await cost(install.workflowId, install.firstExecutionRunId);
    const theirs = await cost(plain.workflowId, plain.firstExecutionRunId);
    // Fixed costs (start, prepare, InstallFromURI, completion) are the same few events in both.
    const perPoll = (events: number, polls: number) => (events / polls).toFixed(2);
    printFigures(`history cost per install (about ${POLLS} polls, 1 s apart)`, [
      ['installVib polls / runs', `${result.polls} / ${ours.runs}`],
      ['installVib events, bytes per install', `${ours.events}, ${ours.bytes}`],
      ['installVib events per poll (all events / polls)', perPoll(ours.events, result.polls)],
      ['plain loop polls', plainPolls],
      ['plain loop events, bytes per install', `${theirs.events}, ${theirs.bytes}`],
      ['plain loop events per poll (all events / polls)', perPoll(theirs.events, plainPolls)],
      ['ratio of events per poll, plain / installVib', ((theirs.events / plainPolls) / (ours.events / result.polls)).toFixed(2)],
    ]);
  } finally {
    worker.shutdown();
    await running;
    await closeAllClients();
    await nativeConnection.close();
    await connection.close();
    await simulator.stop();
    await server.stop();
  }
}

main().catch((err) => {
  process.stderr.write(`${err instanceof Error ? err.stack : String(err)}\n`);
  process.exitCode = 1;
});
