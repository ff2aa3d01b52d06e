/**
 * What Temporal keeps about an install: no secret anywhere in it (architecture decision 5), and
 * histories that replay against the current workflow code without nondeterminism.
 */
import { historyToJSON } from '@temporalio/common/lib/proto-utils';
import { Worker } from '@temporalio/worker';
import { installResult, startInstall } from '../../src/api/installs';
import { startSimulator, type Simulator } from '../../src/simulator';
import { recordHistoryFixture, runHistories } from '../support/histories';
import { decodedPayloads } from '../support/secretCanary';
import { startTestWorker, testClient, uniqueTaskQueue, workflowBundlePath, type TestWorker } from '../support/temporal';
import { placeBundle } from '../support/bundles';

const CANARY = 'Canary-Pa55w0rd-7f3a9c';
const BUNDLE = 'file:///vmfs/volumes/datastore1/history-check-1.0.0.zip';

describe('install histories', () => {
  let simulator: Simulator;
  let worker: TestWorker;
  const taskQueue = uniqueTaskQueue('history');

  beforeAll(async () => {
    process.env.VIBFLOW_CANARY_PASSWORD = CANARY;
    simulator = await startSimulator({
      hosts: 3,
      basePort: 0,
      addressBase: '127.24.0.1',
      installSeconds: 4,
      password: CANARY,
      failures: { 'esx-002': 'dependency' },
    });
    await placeBundle(simulator, BUNDLE, [{ name: 'history-check', version: '1.0.0' }]);
    worker = await startTestWorker({ taskQueue });
  });

  afterAll(async () => {
    await worker?.shutdown();
    await simulator?.stop();
  });

  it('hold no password, and replay against the current code', async () => {
    const client = await testClient();
    const hosts = simulator.inventory.hosts.map((h) => ({ ...h, credential: 'env:VIBFLOW_CANARY_PASSWORD' }));
    // One success (with continue-as-new), one failed install, one refused login (password mangled).
    process.env.VIBFLOW_CANARY_WRONG = `${CANARY}-wrong`;
    const handles = await Promise.all([
      startInstall(client, { host: hosts[0], bundleUri: BUNDLE, pollInterval: '200ms', maxPollsPerRun: 2 }, taskQueue),
      startInstall(client, { host: hosts[1], bundleUri: BUNDLE, pollInterval: '200ms' }, taskQueue),
      startInstall(client, { host: { ...hosts[2], credential: 'env:VIBFLOW_CANARY_WRONG' }, bundleUri: BUNDLE, pollInterval: '200ms' }, taskQueue),
    ]);
    const outcomes = await Promise.all(handles.map((h) => installResult(h)));
    expect(outcomes.map((o) => o.outcome)).toEqual(['succeeded-reboot-required', 'failed', 'failed']);

    // Every run of every install, following continue-as-new from run to run.
    const histories = (await Promise.all(handles.map((handle) => runHistories(client, handle)))).flat();
    for (const { workflowId, runId } of histories) {
      const description = await client.workflow.getHandle(workflowId, runId).describe();
      expect(JSON.stringify({ memo: description.memo, searchAttributes: description.searchAttributes })).not.toContain(CANARY);
    }
    expect(histories.length).toBeGreaterThan(3); // the continued-as-new install has several runs
    let allPayloads = '';
    for (const { history } of histories) {
      const text = historyToJSON(history);
      const decoded = decodedPayloads(text);
      expect(text).not.toContain(CANARY);
      expect(decoded.join('\n')).not.toContain(CANARY);
      allPayloads += decoded.join('\n');
    }
    // The decoding above really reads payloads: the inputs' bundle URI is in them.
    expect(allPayloads).toContain('history-check-1.0.0.zip');

    const replay = Worker.runReplayHistories({ workflowBundle: { codePath: workflowBundlePath() } },
      histories.map(({ workflowId, runId, history }) => ({ workflowId: `${workflowId}-${runId}`, history })));
    for await (const outcome of replay) {
      expect(outcome.error).toBeUndefined();
    }

    const names = ['installVib-succeeded-continued', 'installVib-failed-dependency', 'installVib-failed-authentication'];
    for (const [index, handle] of handles.entries()) await recordHistoryFixture(client, names[index], handle);
  });
});
