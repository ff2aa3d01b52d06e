/**
 * Workflows validate their input through local activities (see activities/validation.ts), so the
 * schema library stays out of the workflow sandbox. A refusal fails the workflow at once as
 * InvalidInput, naming the fields, before anything is done.
 */
import { ActivityFailure, ApplicationFailure, proxyLocalActivities, setCurrentDetails, workflowInfo } from '@temporalio/workflow';
import type * as activities from '../activities';
import { INVALID_INPUT_TYPE } from './installResult';

export const { checkInstallInput, checkRolloutInput, checkRemediationInput } = proxyLocalActivities<typeof activities>({
  startToCloseTimeout: '30s',
  retry: { maximumAttempts: 5 },
  summary: 'validate the input',
});

export async function validated<T>(check: Promise<T>): Promise<T> {
  try {
    return await check;
  } catch (err) {
    const failure = err instanceof ActivityFailure ? err.cause : err;
    if (failure instanceof ApplicationFailure && failure.type === INVALID_INPUT_TYPE) {
      // Said where the Web UI shows a workflow's state, not only in its failure.
      const fields = failure.message.split('\n').map((line) => line.replace(/\|/g, '\\|')).join('  \n');
      setCurrentDetails(`**${workflowInfo().workflowType}: input refused** (${INVALID_INPUT_TYPE}), nothing was done:  \n${fields}`);
      throw ApplicationFailure.nonRetryable(failure.message, INVALID_INPUT_TYPE);
    }
    throw err;
  }
}
