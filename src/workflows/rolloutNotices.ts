/**
 * The rollout's side of notifications: at each change of state that needs a person, the notice
 * (built by notify/notices, pure) goes to a notifyRollout workflow of its own, started with
 * parent close policy ABANDON. The rollout waits only for the server to start it, never for a
 * receiver. Once-per-rollout notices are remembered across continue-as-new (the carry), each
 * start is in the rollout's history (a replay after a worker kill starts nothing again), and the
 * child's workflow id is the notice's idempotency key (a second start of it is refused).
 */
import {
  CancellationScope,
  log,
  ParentClosePolicy,
  startChild,
  WorkflowIdReusePolicy,
  workflowInfo,
} from '@temporalio/workflow';
import { WorkflowExecutionAlreadyStartedError } from '@temporalio/common';
import {
  awaitingApprovalNotice,
  budgetExceededNotice,
  endedNotice,
  eventsOfMoment,
  hostInMaintenanceNotice,
  windowClosingNotice,
  type NoticeContext,
  type NoticeEvent,
  type RolloutMoment,
  type RolloutNotice,
} from '../notify/notices';
import { NOTICE_WORKFLOW_TIMEOUT, notifyRollout } from './notifyRollout';
import type { NotifyPlan } from '../notify/plan';
import type { HostRow, RolloutProgress, RolloutResult } from './rolloutState';

export const noticeWorkflowId = (notice: RolloutNotice) => `vibflow-notify:${notice.idempotencyKey}`;

export class RolloutNotices {
  private readonly context: NoticeContext;
  /** Once-per-rollout events already started, this run or an earlier one. */
  private readonly told: Set<NoticeEvent>;
  private readonly starting: Promise<void>[] = [];

  constructor(private readonly plan: NotifyPlan, rolloutId: string, told: readonly string[] = []) {
    const info = workflowInfo();
    this.context = { rolloutId, workflowId: info.workflowId, firstRunId: info.firstExecutionRunId, namespace: info.namespace, webUi: plan.webUi };
    this.told = new Set(told as NoticeEvent[]);
  }

  /** For the next run (continue-as-new): what it must not tell again. */
  toldEvents(): string[] {
    return [...this.told];
  }

  /** At a turn of the rollout loop: the once-per-rollout notices its state calls for. */
  observe(moment: RolloutMoment, progress: () => RolloutProgress, window: { startsUntil: number; endsAt: number } | undefined, maxFailures: number): void {
    const events = eventsOfMoment(moment).filter((event) => !this.told.has(event));
    if (!events.length) return;
    const now = progress();
    for (const event of events) {
      this.told.add(event);
      if (event === 'awaiting-approval') this.send(awaitingApprovalNotice(this.context, Date.now(), now));
      else if (event === 'budget-exceeded') this.send(budgetExceededNotice(this.context, Date.now(), now, maxFailures));
      else if (event === 'window-closing' && window) this.send(windowClosingNotice(this.context, Date.now(), now, window));
    }
  }

  /** A host's final row for this attempt: told when it leaves the host in maintenance mode. */
  hostEnded(row: HostRow, progress: () => RolloutProgress): void {
    if (row.inMaintenanceMode && row.state !== 'waiting-retry') this.send(hostInMaintenanceNotice(this.context, Date.now(), progress(), row));
  }

  /** The rollout's end, whichever it is. */
  ended(result: RolloutResult): void {
    if (this.told.has('rollout-ended') || this.told.has('rollout-failed')) return;
    const notice = endedNotice(this.context, Date.now(), result);
    this.told.add(notice.event);
    this.send(notice);
  }

  /** Before the rollout closes (ends or continues as new): its notices' workflows have started. */
  async flush(): Promise<void> {
    await Promise.all(this.starting);
  }

  private send(notice: RolloutNotice): void {
    this.starting.push(this.start(notice));
  }

  private async start(notice: RolloutNotice): Promise<void> {
    try {
      // Not cancellable: a rollout that is being cancelled or aborted still says so.
      await CancellationScope.nonCancellable(() => startChild(notifyRollout, {
        workflowId: noticeWorkflowId(notice),
        args: [{ notice, webhooks: this.plan.webhooks, ...(this.plan.secret ? { secret: this.plan.secret } : {}) }],
        parentClosePolicy: ParentClosePolicy.ABANDON,
        workflowIdReusePolicy: WorkflowIdReusePolicy.REJECT_DUPLICATE,
        // Longer than the delivery's own bound, so the workflow ends with the delivery's reason.
        workflowExecutionTimeout: NOTICE_WORKFLOW_TIMEOUT,
        staticSummary: `Notify: ${notice.title}`.slice(0, 200),
      }));
    } catch (err) {
      // Started before (same key): told already. Anything else is logged; a notice never fails a rollout.
      if (err instanceof WorkflowExecutionAlreadyStartedError) return;
      log.warn('notice not started', { event: notice.event, idempotencyKey: notice.idempotencyKey, error: err instanceof Error ? err.message : String(err) });
    }
  }
}
