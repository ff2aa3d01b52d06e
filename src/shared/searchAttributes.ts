/**
 * The search attributes vibflow sets on its workflows, so the Temporal UI's filter box can find
 * e.g. every failed host of one rollout. Pure: imported by workflows, the dev-server launcher and
 * the CLI alike.
 */
import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';

export const VIBFLOW_HOST = defineSearchAttributeKey('VibflowHost', SearchAttributeType.KEYWORD);
export const VIBFLOW_ROLLOUT_ID = defineSearchAttributeKey('VibflowRolloutId', SearchAttributeType.KEYWORD);
export const VIBFLOW_PHASE = defineSearchAttributeKey('VibflowPhase', SearchAttributeType.KEYWORD);
export const VIBFLOW_OUTCOME = defineSearchAttributeKey('VibflowOutcome', SearchAttributeType.KEYWORD);

/** Every vibflow search attribute, with the type name `temporal` and the operator API use. */
export const VIBFLOW_SEARCH_ATTRIBUTES = [VIBFLOW_HOST, VIBFLOW_ROLLOUT_ID, VIBFLOW_PHASE, VIBFLOW_OUTCOME].map(
  (key) => ({ name: key.name, type: 'Keyword' as const }),
);
