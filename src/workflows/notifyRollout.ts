/**
 * notifyRollout: the delivery of one rollout notice to each of its webhooks, as a workflow of its
 * own. The rollout starts it and goes on (parent close policy ABANDON): a receiver that is down
 * or hangs retries here, with backoff, for up to a day, while the rollout moves, continues as
 * new or ends. Its workflow id is the notice's idempotency key, so a notice is started once.
 */
import { ActivityFailure, ApplicationFailure, proxyActivities } from '@temporalio/workflow';
import type * as activities from '../activities';
import type { DeliveryReceipt } from '../activities/notify';
import type { RolloutNotice } from '../notify/notices';
import type { NotifyPlan } from '../notify/plan';

export interface NotifyRolloutInput {
  readonly notice: RolloutNotice;
  readonly webhooks: NotifyPlan['webhooks'];
  readonly secret?: string;
}

/** How long a notice is worth trying to deliver. */
export const NOTICE_DELIVERY_TIMEOUT = '24h';
export const NOTICE_WORKFLOW_TIMEOUT = '25h';

const { deliverNotice } = proxyActivities<typeof activities>({
  // One attempt: a connection, the request and the answer, each bounded in the activity (10 s).
  startToCloseTimeout: '40s',
  scheduleToCloseTimeout: NOTICE_DELIVERY_TIMEOUT,
  retry: { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '5m' },
  summary: 'deliver the notice to a webhook',
});

export async function notifyRollout(input: NotifyRolloutInput): Promise<DeliveryReceipt[]> {
  const results = await Promise.allSettled(input.webhooks.map((w) =>
    deliverNotice({ webhook: w.webhook, format: w.format, ...(input.secret ? { secret: input.secret } : {}), notice: input.notice })));
  const failed = results.flatMap((r, i) => {
    if (r.status === 'fulfilled') return [];
    const err = r.reason;
    return [`${input.webhooks[i].webhook}: ${err instanceof ActivityFailure ? (err.cause?.message ?? err.message) : String(err)}`];
  });
  // Red in the Web UI, naming each webhook by its reference; the rollout is not told (it has gone on).
  if (failed.length) throw ApplicationFailure.nonRetryable(`notice ${input.notice.idempotencyKey} not delivered: ${failed.join('; ')}`, 'NoticeNotDelivered');
  return results.map((r) => (r as PromiseFulfilledResult<DeliveryReceipt>).value);
}
