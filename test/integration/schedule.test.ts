/** Patch windows: a Temporal Schedule fires at its calendar time and runs a rollout. */
import path from 'node:path';
import { createPatchWindowSchedule, parseCalendar } from '../../src/api/schedules';
import { rolloutResult } from '../../src/api/rollouts';
import { startSimulator, type Simulator } from '../../src/simulator';
import type { fleetRollout } from '../../src/workflows/fleetRollout';
import { placeBundle } from '../support/bundles';
import { vibflow } from '../support/commands';
import { startTestWorker, temporalAddress, testClient, uniqueTaskQueue, type TestWorker } from '../support/temporal';
import { waitFor } from '../support/waitFor';

describe('patch window schedules', () => {
  let simulator: Simulator;
  let worker: TestWorker;
  const taskQueue = uniqueTaskQueue('schedule');

  beforeAll(async () => {
    simulator = await startSimulator({ hosts: 3, basePort: 0, addressBase: '127.35.0.1', installSeconds: 2, datastores: [{ name: 'ds1' }] });
    await placeBundle(simulator, 'file:///vmfs/volumes/ds1/scheduled-1.0.0.zip', [{ name: 'scheduled', version: '1.0.0' }]);
    worker = await startTestWorker({ taskQueue });
  });

  afterAll(async () => {
    await worker?.shutdown();
    await simulator?.stop();
  });

  it('reads calendars the way operators write them, and names what is wrong', () => {
    expect(parseCalendar('dayOfWeek=sat, hour=2, minute=30')).toEqual({ dayOfWeek: 'SATURDAY', hour: 2, minute: 30 });
    expect(() => parseCalendar('weekday=SAT')).toThrow(/"weekday=SAT" is not FIELD=VALUE/);
    expect(() => parseCalendar('dayOfWeek=Caturday')).toThrow(/not a day of the week/);
  });

  it('fires at a calendar time one minute ahead and runs the rollout, with its own rollout id', async () => {
    const client = await testClient();
    const now = new Date();
    const at = new Date(Math.ceil((now.getTime() + (now.getUTCSeconds() > 45 ? 60_000 : 1)) / 60_000) * 60_000);
    const scheduleId = `weekend-${Date.now().toString(36)}`;
    const handle = await createPatchWindowSchedule(client, {
      scheduleId,
      calendars: [{ hour: at.getUTCHours(), minute: at.getUTCMinutes() }],
      timezone: 'UTC',
      taskQueue,
      rollout: {
        rolloutId: scheduleId,
        hosts: simulator.inventory.hosts,
        bundleUri: 'file:///vmfs/volumes/ds1/scheduled-1.0.0.zip',
        pollInterval: '500ms',
        maxConcurrency: 3,
        window: { duration: '2h', cutoff: '30m' },
      },
    });
    try {
      let workflowId = '';
      await waitFor(async () => {
        const recent = (await handle.describe()).info.recentActions;
        workflowId = recent[0]?.action.workflow.workflowId ?? '';
        return workflowId !== '';
      }, 'the schedule to fire', 100_000, 1_000);
      expect(workflowId.startsWith(`vibflow-rollout:${scheduleId}-`)).toBe(true);
      const result = await rolloutResult(client.workflow.getHandle<typeof fleetRollout>(workflowId));
      expect(result.totals.succeeded).toBe(3);
      expect(result.rolloutId).toBe(workflowId.replace('vibflow-rollout:', ''));
      expect(simulator.stats().fleet.installFromUri).toBe(3);
    } finally {
      await handle.delete();
    }
  }, 180_000);

  it('is managed from the CLI: create, describe, pause, delete', async () => {
    const inventory = path.join(__dirname, '../../test-output/schedule-inventory.json');
    const { writeFile } = await import('node:fs/promises');
    await writeFile(inventory, JSON.stringify(simulator.inventory));
    const run = async (args: string[]) => {
      const { code, stdout, stderr } = await vibflow(['schedule', ...args, '--address', temporalAddress(), '--task-queue', taskQueue]);
      return { code, out: stdout + stderr };
    };
    const id = `cli-sched-${Date.now().toString(36)}`;
    const created = await run(['create', '--id', id, '--cron', '0 2 * * 6', '--timezone', 'Europe/Berlin', '--window', '4h', '--cutoff', '30m', '--inventory', inventory, '--uri', 'file:///vmfs/volumes/ds1/x-1.zip', '--max-concurrency', '2']);
    expect(created.out).toContain(`created schedule ${id}; next windows:`);
    expect(created.code).toBe(0);
    expect((await run(['pause', id])).out).toContain(`paused ${id}`);
    expect((await run(['describe', id])).out).toContain(`${id}: paused`);
    expect((await run(['delete', id])).code).toBe(0);
    const bad = await run(['create', '--id', `${id}-bad`, '--cron', '0 2 * * 6', '--timezone', 'Mars/Olympus', '--inventory', inventory, '--uri', 'file:///vmfs/volumes/ds1/x-1.zip']);
    expect(bad.code).toBe(2);
    expect(bad.out).toContain('timezone: "Mars/Olympus" is not an IANA time zone');
  });
});
