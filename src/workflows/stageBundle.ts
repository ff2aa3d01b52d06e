/**
 * stageBundle (`vibflow stage`): the staging step of a rollout on its own, to stage on Friday for
 * Saturday's window. Read and verify the bundle, choose the datastores, put one verified copy on
 * each, and keep them: a later rollout with the same bundle finds them in place and uploads
 * nothing. No host is touched. `vibflow staged --remove` removes them.
 */
import { defineQuery, setCurrentDetails, setHandler, upsertSearchAttributes, workflowInfo } from '@temporalio/workflow';
import type { StagingProgress } from '../staging/model';
import { VIBFLOW_OUTCOME, VIBFLOW_PHASE, VIBFLOW_ROLLOUT_ID } from '../shared/searchAttributes';
import { checkRolloutInput, validated } from './inputCheck';
import type { FleetRolloutInput } from './rolloutInput';
import { stagingLine } from './rolloutState';
import { Staging } from './staging';

/** What `vibflow stage` gives: the hosts (from vCenter), the bundle and where to put it. */
export type StageBundleInput = Pick<FleetRolloutInput, 'rolloutId' | 'fromVcenter' | 'fromVcenters' | 'bundle' | 'datastore' | 'vibs'>;

export const stagingProgressQuery = defineQuery<StagingProgress>('staging');

export function stageWorkflowId(id: string): string {
  return `vibflow-stage:${id}`;
}

export async function stageBundle(input: StageBundleInput): Promise<StagingProgress> {
  const staging = new Staging(undefined, () => setCurrentDetails(`**${stagingLine(staging.progress)}**`));
  staging.registerHandlers();
  setHandler(stagingProgressQuery, () => staging.progress);
  const nowMs = Date.now();
  // The rollout's own checks (vCenters, bundle, VIBs), as for a dry run: nothing here touches a host.
  const plan = await validated(checkRolloutInput({ input: { ...input, dryRun: true, maxConcurrency: 1 }, nowMs, windowStartMs: nowMs, windowMayHavePassed: false }));
  upsertSearchAttributes([{ key: VIBFLOW_ROLLOUT_ID, value: plan.rolloutId }, { key: VIBFLOW_PHASE, value: 'staging' }]);
  const source = plan.source;
  if (!plan.bundle || !source || !('vcenters' in source)) throw new Error('stageBundle needs a bundle and hosts from vCenter'); // the input check says so first
  try {
    await staging.run({
      source: source.vcenters,
      unreadable: [],
      bundle: plan.bundle,
      ...(plan.datastore ? { datastore: plan.datastore } : {}),
      vibs: plan.vibs,
      upload: true,
      workflowId: workflowInfo().workflowId,
    });
  } catch (err) {
    upsertSearchAttributes([{ key: VIBFLOW_PHASE, value: 'done' }, { key: VIBFLOW_OUTCOME, value: 'failed' }]);
    throw err;
  }
  upsertSearchAttributes([{ key: VIBFLOW_PHASE, value: 'done' }, { key: VIBFLOW_OUTCOME, value: staging.progress.state === 'not-needed' ? 'not-needed' : 'staged' }]);
  return staging.progress;
}
