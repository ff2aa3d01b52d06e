/**
 * Reading the install job (a CIM_ConcreteJob) and interpreting it into a JobSnapshot: the seed's
 * PercentComplete/JobStatus/ErrorCode/ErrorDescription, plus what they mean.
 */
import type { CimClient } from '../cim/client';
import { CimError } from '../cim/errors';
import { CIM_STATUS, type CimInstance, type CimInstanceName } from '../cim/types';
import { propertyValue } from '../cim/values';
import { CLASS } from './classes';
import { jobErrorCategory } from './errors';
import type { HostJob, InstallOptions, JobReading, JobSnapshot } from './model';
import { INSTALL_OPTION, JOB_STATE, JOB_STATE_NAMES, TERMINAL_FAILED_JOB_STATES } from './valueMaps';

const REBOOT_TEXT = /reboot/i;

function numberOrNull(value: unknown): number | null {
  return typeof value === 'number' ? value : typeof value === 'bigint' ? Number(value) : null;
}

function textOrNull(value: unknown): string | null {
  return typeof value === 'string' ? value : null;
}

/**
 * A job has ended when PercentComplete reaches 100 (the seed's rule) or its JobState is terminal.
 * It failed when the state says so or when it carries a non-zero ErrorCode.
 */
export function interpretJob(job: CimInstance, installOptions?: InstallOptions): JobSnapshot {
  const percent = numberOrNull(propertyValue(job, 'PercentComplete')) ?? 0;
  const jobState = numberOrNull(propertyValue(job, 'JobState'));
  const errorCode = numberOrNull(propertyValue(job, 'ErrorCode'));
  const errorDescription = textOrNull(propertyValue(job, 'ErrorDescription'));
  const jobStatus = textOrNull(propertyValue(job, 'JobStatus')) ?? '';
  const failed = (jobState !== null && TERMINAL_FAILED_JOB_STATES.has(jobState)) || (errorCode !== null && errorCode !== 0);
  const ended = failed || percent >= 100 || jobState === JOB_STATE.completed;
  const phase = !ended ? 'running' : failed ? 'failed' : 'succeeded';
  const rebootRequired =
    phase === 'succeeded' &&
    (REBOOT_TEXT.test(jobStatus) ||
      (installOptions?.options ?? []).some((o) => o === INSTALL_OPTION.deferReset || o === INSTALL_OPTION.reboot));
  const errorCategory = phase === 'failed' ? jobErrorCategory(errorDescription) : undefined;
  return {
    percent,
    jobState,
    jobStateName: jobState === null ? 'Unknown' : (JOB_STATE_NAMES[jobState] ?? `State ${jobState}`),
    jobStatus,
    errorCode,
    errorDescription,
    phase,
    rebootRequired,
    ...(errorCategory ? { errorCategory } : {}),
  };
}

/** GetInstance of the job. CIM_ERR_NOT_FOUND means the host removed it (TimeBeforeRemoval). */
export async function readJob(client: CimClient, jobRef: CimInstanceName, installOptions?: InstallOptions): Promise<JobReading> {
  try {
    return { found: true, job: interpretJob(await client.getInstance(jobRef), installOptions) };
  } catch (err) {
    if (err instanceof CimError && err.code === CIM_STATUS.NOT_FOUND) return { found: false };
    throw err;
  }
}

/** Every job the host currently keeps, for adopting one an earlier attempt started. */
export async function listJobs(client: CimClient, namespace: string): Promise<HostJob[]> {
  const jobs = await client.enumerateInstances(CLASS.concreteJob, namespace);
  return jobs.flatMap((job) => {
    const instanceId = textOrNull(propertyValue(job, 'InstanceID'));
    if (!job.path || !instanceId) return [];
    return [{ instanceId, ref: job.path, percent: numberOrNull(propertyValue(job, 'PercentComplete')) ?? 0, jobState: numberOrNull(propertyValue(job, 'JobState')) }];
  });
}
