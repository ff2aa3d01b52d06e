/**
 * Waiting for vCenter tasks, against vcsim with maintenance-mode tasks held running for a while
 * (-method-delay), so progress, cancellation, a task's fault, the wait's bound and an abort are
 * all seen on real task objects.
 */
import {
  VsphereClient,
  VsphereFault,
  VsphereTaskTimeoutError,
  type HostSummary,
  type MoRef,
  type TaskInfo,
} from '../../../src/vsphere';
import { startVcsim, type Vcsim } from '../../support/vcsim';
import { failure } from '../../support/failure';

const TASK_MS = 1_000;
let sim: Vcsim;
let client: VsphereClient;
let hosts: Map<string, HostSummary>;

beforeAll(async () => {
  // LockHandoff:0 lets the host's properties be read while its task is held.
  sim = await startVcsim({ methodDelay: { EnterMaintenanceMode: TASK_MS, ExitMaintenanceMode: TASK_MS, LockHandoff: 0 } });
  client = await VsphereClient.login({ url: sim.url, user: sim.user, password: sim.password, tls: { thumbprint: sim.thumbprint } });
  hosts = new Map((await client.listHosts()).map((h) => [h.name, h]));
}, 180_000);

afterAll(async () => {
  await client?.close();
  await sim?.stop();
});

function hostRef(name: string): MoRef {
  const host = hosts.get(name);
  if (!host) throw new Error(`vcsim has no host ${name}`);
  return host.ref;
}

it('reports progress while the task runs, and resolves when it succeeds', async () => {
  const host = hostRef('DC0_C0_H0');
  const task = await client.enterMaintenanceMode(host, { timeoutSeconds: 0 });
  await client.invoke('UpdateProgress', task, [['percentDone', 40]]);
  const seen: TaskInfo[] = [];
  const started = Date.now();
  const info = await client.waitForTask(task, { pollIntervalMs: 100, timeoutMs: 10_000, onProgress: (i) => seen.push(i) });
  expect(Date.now() - started).toBeGreaterThan(TASK_MS / 2);
  expect(seen.length).toBeGreaterThan(2);
  expect(seen.every((i) => i.state === 'running' && i.progress === 40)).toBe(true);
  expect(info).toMatchObject({ state: 'success', ref: task, entity: host, completeTime: expect.any(String) });
  expect((await client.hostState(host)).inMaintenanceMode).toBe(true);
  await client.waitForTask(await client.exitMaintenanceMode(host, { timeoutSeconds: 0 }), { pollIntervalMs: 100, timeoutMs: 10_000 });
  expect((await client.hostState(host)).inMaintenanceMode).toBe(false);
});

it('gives up after timeoutMs naming the task, which may still finish', async () => {
  const host = hostRef('DC0_C0_H1');
  const task = await client.enterMaintenanceMode(host, { timeoutSeconds: 0 });
  const err = await failure(client.waitForTask(task, { pollIntervalMs: 50, timeoutMs: 200 }));
  expect(err).toBeInstanceOf(VsphereTaskTimeoutError);
  expect(err).toMatchObject({ category: 'timed-out', retryable: true });
  expect(err.message).toBe(`waitForTask on ${sim.address} failed: task ${task.value} (EnterMaintenanceMode) is still running after 200 ms`);
  expect(await client.waitForTask(task, { pollIntervalMs: 100, timeoutMs: 10_000 })).toMatchObject({ state: 'success' });
  await client.waitForTask(await client.exitMaintenanceMode(host, { timeoutSeconds: 0 }), { pollIntervalMs: 100, timeoutMs: 10_000 });
});

it("throws a cancelled task's RequestCanceled fault", async () => {
  const task = await client.enterMaintenanceMode(hostRef('DC0_C0_H2'), { timeoutSeconds: 0 });
  await client.cancelTask(task);
  const err = await failure(client.waitForTask(task, { pollIntervalMs: 50, timeoutMs: 10_000 }));
  expect(err).toBeInstanceOf(VsphereFault);
  expect(err).toMatchObject({ faultType: 'RequestCanceled', category: 'cancelled', retryable: false, faultMessage: 'The task was canceled by a user' });
  expect(err.message).toBe(`task ${task.value} (EnterMaintenanceMode) on ${sim.address} failed: RequestCanceled: The task was canceled by a user`);
});

it('throws the fault a task ended with, typed (Timedout, as set through the TaskManager API)', async () => {
  const task = await client.exitMaintenanceMode(hostRef('DC0_H0'), { timeoutSeconds: 0 });
  const fault = { vimType: 'LocalizedMethodFault', fields: [['fault', { vimType: 'Timedout', fields: [] }], ['localizedMessage', 'Operation timed out.']] } as const;
  await client.invoke('SetTaskState', task, [['state', 'error'], ['fault', fault]]);
  const err = await failure(client.waitForTask(task, { pollIntervalMs: 50, timeoutMs: 10_000 }));
  expect(err).toBeInstanceOf(VsphereFault);
  expect(err).toMatchObject({ faultType: 'Timedout', category: 'timed-out', retryable: true, faultMessage: 'Operation timed out.' });
  expect((await client.taskInfo(task)).error).toEqual({ faultType: 'Timedout', message: 'Operation timed out.' });
});

it("stops waiting when the caller's signal aborts, with the caller's reason", async () => {
  const task = await client.exitMaintenanceMode(hostRef('DC0_C0_H1'), { timeoutSeconds: 0 });
  const reason = new Error('worker shutting down');
  const controller = new AbortController();
  setTimeout(() => controller.abort(reason), 50);
  const started = Date.now();
  expect(await failure(client.waitForTask(task, { pollIntervalMs: 5_000, signal: controller.signal }))).toBe(reason);
  expect(Date.now() - started).toBeLessThan(2_000);
});
