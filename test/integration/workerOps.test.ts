/**
 * Worker operations with two `vibflow worker` processes on one task queue: both serve /metrics,
 * /healthz and /readyz and log JSON; they share a rollout, one is SIGKILLed, the other finishes
 * it, and vibflow's counters of the two add up to the simulator's own count.
 */
import { rolloutResult, rolloutProgress, startRollout, steer } from '../../src/api/rollouts';
import { startSimulator, type Simulator } from '../../src/simulator';
import { spawnWorkerProcess, type WorkerProcess } from '../support/workerProcess';
import { testClient, uniqueTaskQueue } from '../support/temporal';
import { waitFor } from '../support/waitFor';
import { placeBundle } from '../support/bundles';

const HOSTS = 8;
const CANARY_PASSWORD = 'Ops-Canary-Pa55-41c2';
const OPS_FLAGS = ['--metrics-port', '0', '--metrics-host', '127.0.0.1', '--log-format', 'json'];

async function get(url: string): Promise<{ status: number; text: string }> {
  const response = await fetch(url);
  return { status: response.status, text: await response.text() };
}

/** Sum of a Prometheus metric's samples whose labels include every given label. */
function metricSum(exposition: string, name: string, labels: Record<string, string> = {}): number {
  return exposition
    .split('\n')
    .filter((line) => line.startsWith(`${name}{`) || line.startsWith(`${name} `))
    .filter((line) => Object.entries(labels).every(([k, v]) => line.includes(`${k}="${v}"`)))
    .reduce((sum, line) => sum + Number(line.slice(line.lastIndexOf(' ') + 1)), 0);
}

describe('two workers on one task queue', () => {
  let simulator: Simulator;
  const workers: WorkerProcess[] = [];

  beforeAll(async () => {
    process.env.VIBFLOW_OPS_CANARY = CANARY_PASSWORD;
    simulator = await startSimulator({ hosts: HOSTS, basePort: 0, addressBase: '127.41.0.1', installSeconds: 2, passwordEnv: 'VIBFLOW_OPS_CANARY' });
    await placeBundle(simulator, 'file:///vmfs/volumes/datastore1/ops-1.0.0.zip', [{ name: 'ops', version: '1.0.0' }]);
  });

  afterAll(async () => {
    await Promise.all(workers.map((w) => w.stop()));
    await simulator?.stop();
  });

  it('share a rollout; one is killed, the other finishes, their metrics add up, and SIGTERM stops cleanly', async () => {
    const taskQueue = uniqueTaskQueue('ops');
    const [first, second] = await Promise.all([0, 1].map(() => spawnWorkerProcess({ taskQueue, args: OPS_FLAGS })));
    workers.push(first, second);
    const base = (w: WorkerProcess) => String(w.ready.metrics).replace(/\/metrics$/, '');
    for (const w of [first, second]) {
      expect((await get(`${base(w)}/healthz`)).status).toBe(200);
      expect(await get(`${base(w)}/readyz`)).toEqual({ status: 200, text: '{"state":"RUNNING"}' });
    }

    const handle = await startRollout(await testClient(), {
      rolloutId: `ops-${taskQueue}`,
      hosts: simulator.inventory.hosts,
      bundleUri: 'file:///vmfs/volumes/datastore1/ops-1.0.0.zip',
      maxConcurrency: 4,
      canary: [4],
      approveAfterCanary: true,
      pollInterval: '500ms',
    }, taskQueue);
    // At the approval gate nothing is in flight, so the killed worker's last scrape is its final count.
    await waitFor(async () => (await rolloutProgress(handle)).phase === 'awaiting-approval', 'the approval gate', 60_000);
    const firstMetrics = (await get(`${base(first)}/metrics`)).text;
    first.kill('SIGKILL');
    await first.exited;
    await steer.approve(handle);
    const result = await rolloutResult(handle);
    expect(result.totals.succeeded).toBe(HOSTS);

    const secondMetrics = await get(`${base(second)}/metrics`);
    expect(secondMetrics.status).toBe(200);
    expect(secondMetrics.text).toMatch(/^temporal_\w+/m); // the SDK's own metrics
    const started = (text: string) => metricSum(text, 'vibflow_installs_started');
    const finished = (text: string) => metricSum(text, 'vibflow_installs_finished', { outcome: 'succeeded-reboot-required' });
    process.stdout.write(`installs started: killed worker ${started(firstMetrics)}, survivor ${started(secondMetrics.text)}\n`);
    expect(started(firstMetrics) + started(secondMetrics.text)).toBe(simulator.stats().fleet.installFromUri);
    expect(simulator.stats().fleet.installFromUri).toBe(HOSTS);
    expect(started(secondMetrics.text)).toBeGreaterThanOrEqual(HOSTS - 4);
    expect(finished(firstMetrics) + finished(secondMetrics.text)).toBe(HOSTS);
    expect(metricSum(secondMetrics.text, 'vibflow_cim_request_duration_count', { operation: 'InstallFromURI', outcome: 'ok' }))
      .toBe(started(secondMetrics.text));

    second.kill('SIGTERM');
    expect(await second.exited).toBe(0);
    const lines = second.output().trim().split('\n').map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(lines.at(-1)).toMatchObject({ msg: 'vibflow worker stopped' });
    expect(lines.some((l) => l.msg === 'install finished' && typeof l.workflowId === 'string' && l.outcome === 'succeeded-reboot-required')).toBe(true);
    for (const w of [first, second]) expect(w.output()).not.toContain(CANARY_PASSWORD);
  });
});
