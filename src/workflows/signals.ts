/** Signals between vibflow's own workflows. Pure definitions, shared by sender and receiver. */
import { defineSignal } from '@temporalio/workflow';
import type { RemediationStep } from './remediationResult';

/** A remediation tells its rollout which step its host is in, for the rollout's table and UI. */
export const hostStepSignal = defineSignal<[{ host: string; step: RemediationStep }]>('hostStep');
