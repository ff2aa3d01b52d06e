/**
 * Where a rollout slot's time goes, from the histories of the rollout and its children and the
 * simulator's job records: the parent starting a child, the child getting to InstallFromURI, the
 * install itself, noticing its end, and the parent hearing of it and starting the next host.
 */
import type { Client } from '@temporalio/client';
import type { SimulatorStats } from '../src/simulator';
import { eventMs, type HistoryEvent } from './events';
import { median, percentile } from './figures';

/** The phases of one host's slot, in seconds, in the order they happen. */
export const SLOT_PHASES = [
  ['parent decides -> child running', 'the server starts the child workflow'],
  ['child running -> InstallFromURI sent', 'input check, discovery (local activities), then the start activity is scheduled'],
  ['InstallFromURI sent -> job exists', 'the start activity is dispatched and the host accepts the call'],
  ['job runs', 'the install itself (the ideal counts only this)'],
  ['job ends -> next poll due', "detection: the poll timer that fires after the job's end"],
  ['poll due -> child closed', 'the workflow task that reads the job and completes the child'],
  ['child closed -> parent hears', 'the server records the completion in the parent'],
  ['parent hears -> next host decided', "the parent's workflow task that starts the next child"],
] as const;

export type SlotTimes = number[][];

async function historyOf(client: Client, workflowId: string, runId?: string): Promise<HistoryEvent[]> {
  return (await client.workflow.getHandle(workflowId, runId).fetchHistory()).events ?? [];
}

/**
 * Seconds per phase, one row per phase, one column per host (the handoff phase has one value per
 * host that freed a slot for another). Only the rollout's last run is read: the benchmark's
 * rollout fits in one.
 */
export async function slotTimes(client: Client, rolloutWorkflowId: string, stats: SimulatorStats): Promise<SlotTimes> {
  const parent = await historyOf(client, rolloutWorkflowId);
  const decidedAt = new Map<string, number>();
  const heardAt = new Map<string, number>();
  for (const event of parent) {
    const initiated = event.startChildWorkflowExecutionInitiatedEventAttributes;
    if (initiated?.workflowId) decidedAt.set(initiated.workflowId, eventMs(event));
    const completed = event.childWorkflowExecutionCompletedEventAttributes ?? event.childWorkflowExecutionFailedEventAttributes;
    if (completed?.workflowExecution?.workflowId) heardAt.set(completed.workflowExecution.workflowId, eventMs(event));
  }
  const phases: SlotTimes = SLOT_PHASES.map(() => []);
  for (const [childId, decided] of decidedAt) {
    const events = await historyOf(client, childId);
    const host = events[0]?.workflowExecutionStartedEventAttributes?.input?.payloads?.[0];
    const hostName = host ? (JSON.parse(Buffer.from(host.data ?? new Uint8Array()).toString()) as { host: { name: string } }).host.name : '';
    const job = stats.hosts[hostName]?.jobs[0];
    const startScheduled = events.find((e) => e.activityTaskScheduledEventAttributes?.activityType?.name === 'startInstall');
    const heard = heardAt.get(childId);
    const lastPollDue = [...events].reverse().find((e) => e.timerFiredEventAttributes);
    if (!job || !startScheduled || !lastPollDue || heard === undefined) continue;
    const marks = [decided, eventMs(events[0]), eventMs(startScheduled), job.startedAt, job.endedAt, eventMs(lastPollDue), eventMs(events[events.length - 1]), heard];
    marks.slice(1).forEach((mark, i) => phases[i].push((mark - marks[i]) / 1000));
  }
  // A slot passes to the next host in the workflow task that hears of a completion: pair the
  // k-th completion heard with the k-th start decided after the first one was heard.
  const heardTimes = [...heardAt.values()].sort((a, b) => a - b);
  const laterDecisions = [...decidedAt.values()].filter((at) => at >= heardTimes[0]).sort((a, b) => a - b);
  laterDecisions.forEach((decided, k) => phases[SLOT_PHASES.length - 1].push((decided - heardTimes[k]) / 1000));
  return phases;
}

const mean = (values: readonly number[]) => values.reduce((sum, v) => sum + v, 0) / values.length;

/** One figure row per phase: mean, median and p99 seconds. */
export function slotRows(phases: SlotTimes): [string, string][] {
  return SLOT_PHASES.map(([name], i) => [
    `slot: ${name}`,
    `mean ${mean(phases[i]).toFixed(3)} s, median ${median(phases[i]).toFixed(3)} s, p99 ${percentile(phases[i], 99).toFixed(3)} s`,
  ]);
}
