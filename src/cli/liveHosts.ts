/**
 * A rollout's running hosts as they are now, from their own workflows: the rollout's history holds
 * no per-host steps (that would cost it events per step), so the views ask each host's remediation
 * for its step and each install for its percent, a bounded number at a time.
 */
import type { Client } from '@temporalio/client';
import { answeredQuery } from '../api/lookup';
import { installProgressQuery } from '../workflows/installVib';
import { remediationInstallId, remediationProgressQuery } from '../workflows/remediateHost';
import { stepLabel, type RemediationStep } from '../workflows/remediationResult';
import type { HostRow, RolloutProgress } from '../workflows/rolloutState';
import { installActivity } from './installText';

export interface LiveHost {
  /** A remediation's step. */
  readonly step?: RemediationStep;
  readonly percent: number;
  /** What the host is doing, in words (see installActivity). */
  readonly activity: string;
}

/** Remediation steps that come after the install. */
const INSTALLED_STEPS: ReadonlySet<RemediationStep> = new Set(['rebooting', 'waiting-for-host', 'verifying', 'exiting-maintenance', 'done']);

async function liveHost(client: Client, row: HostRow, remediation: boolean): Promise<LiveHost | undefined> {
  const id = row.installWorkflowId as string;
  if (remediation) {
    const step = (await answeredQuery(client.workflow.getHandle(id), remediationProgressQuery))?.step;
    if (!step) return undefined;
    if (step !== 'installing') return { step, percent: INSTALLED_STEPS.has(step) ? 100 : 0, activity: stepLabel(step) };
    const p = await answeredQuery(client.workflow.getHandle(remediationInstallId(id)), installProgressQuery);
    return { step, percent: p?.percent ?? 0, activity: `installing${p ? `: ${installActivity(p)}` : ''}` };
  }
  const p = await answeredQuery(client.workflow.getHandle(id), installProgressQuery);
  return p && { percent: p.percent, activity: installActivity(p) };
}

/** The live state of (at most `max` of) the running hosts, by host name. */
export async function liveHosts(client: Client, progress: RolloutProgress, max: number): Promise<Map<string, LiveHost>> {
  const running = progress.rows.filter((r) => r.state === 'running' && r.installWorkflowId).slice(0, max);
  const remediation = progress.work === 'remediation';
  const entries = await Promise.all(running.map(async (row) => {
    const live = await liveHost(client, row, remediation);
    return live && ([row.host, live] as const);
  }));
  return new Map(entries.filter((e) => e !== undefined));
}

/** The rollout's state with each running remediation's current step in its row (the first `max` of them). */
export async function withLiveSteps<T extends RolloutProgress>(client: Client, state: T, max = 50): Promise<T> {
  if (state.work !== 'remediation' || !state.rows.some((r) => r.state === 'running')) return state;
  const live = await liveHosts(client, state, max);
  return { ...state, rows: state.rows.map((row) => (live.get(row.host)?.step ? { ...row, step: live.get(row.host)?.step } : row)) };
}
