/**
 * Handles to vibflow's three kinds of work, typed by their workflows. Types only, in a module of
 * their own, so that finding work (lookup) and working with it (installs, rollouts, remediations)
 * can both name them without importing each other.
 */
import type { WorkflowHandle } from '@temporalio/client';
import type { fleetRollout } from '../workflows/fleetRollout';
import type { installVib } from '../workflows/installVib';
import type { remediateHost } from '../workflows/remediateHost';

export type InstallHandle = WorkflowHandle<typeof installVib>;
export type RolloutHandle = WorkflowHandle<typeof fleetRollout>;
export type RemediationHandle = WorkflowHandle<typeof remediateHost>;
