/**
 * Input validation for the workflows, run as local activities: the schemas (zod) load once per
 * worker process here instead of once per workflow inside the workflow sandbox, where every
 * workflow evaluates its own copy of each module it imports (about 2.5 MB for zod alone). The
 * recorded result keeps replay deterministic.
 */
import { ApplicationFailure } from '@temporalio/common';
import { InvalidInputError, parseInstallInput, type InstallPlan, type InstallVibInput } from '../workflows/installInput';
import { INVALID_INPUT_TYPE } from '../workflows/installResult';
import { parseRemediationInput, type RemediateHostInput, type RemediationPlan } from '../workflows/remediationInput';
import { parseRolloutInput, type FleetRolloutInput, type RolloutPlan } from '../workflows/rolloutInput';

function rejectingInvalidInput<T>(parse: () => T): T {
  try {
    return parse();
  } catch (err) {
    if (err instanceof InvalidInputError) throw ApplicationFailure.nonRetryable(err.message, INVALID_INPUT_TYPE);
    throw err;
  }
}

/** installVib's input without its continue-as-new state, validated into the plan it runs by. */
export async function checkInstallInput(input: Omit<InstallVibInput, 'resume'>): Promise<InstallPlan> {
  return rejectingInvalidInput(() => parseInstallInput(input).plan);
}

export interface CheckRolloutInput {
  readonly input: FleetRolloutInput;
  /** The workflow's clock and the moment its window counts from. */
  readonly nowMs: number;
  readonly windowStartMs: number;
  readonly windowMayHavePassed: boolean;
}

export async function checkRolloutInput(check: CheckRolloutInput): Promise<RolloutPlan> {
  return rejectingInvalidInput(() =>
    parseRolloutInput(check.input, check.nowMs, check.windowStartMs, { windowMayHavePassed: check.windowMayHavePassed }));
}

/** remediateHost's input, validated into the plan it runs by. */
export async function checkRemediationInput(input: RemediateHostInput): Promise<RemediationPlan> {
  return rejectingInvalidInput(() => parseRemediationInput(input));
}
