/** InstallFromURI (reference section 3), and adopting a job a previous attempt already started. */
import type { CimClient } from '../cim/client';
import type { CimInstanceName, CimTypedValue } from '../cim/types';
import { cimArray, cimReference, cimString } from '../cim/values';
import { EsxiError, installReturnCodeError } from './errors';
import { listJobs } from './job';
import type { HostObjects, InstallOptions, StartedInstall } from './model';
import { INSTALL_RC } from './valueMaps';

function instanceIdOf(jobRef: CimInstanceName): string {
  const id = Object.entries(jobRef.keys).find(([key]) => key.toLowerCase() === 'instanceid')?.[1];
  return typeof id === 'string' ? id : JSON.stringify(jobRef.keys);
}

export async function startInstall(
  client: CimClient,
  objects: HostObjects,
  bundleUri: string,
  installOptions?: InstallOptions,
): Promise<StartedInstall> {
  const params: Record<string, CimTypedValue> = {
    URI: cimString(bundleUri),
    Target: cimReference(objects.computerSystem),
  };
  if (installOptions && installOptions.options.length > 0) {
    params.InstallOptions = cimArray('uint16', installOptions.options);
    if (installOptions.values) params.InstallOptionsValues = cimArray('string', installOptions.values);
  }
  const result = await client.invokeMethod(objects.installService, 'InstallFromURI', params);
  const returnCode = Number(result.returnValue.value);
  if (returnCode !== INSTALL_RC.jobStarted && returnCode !== INSTALL_RC.completed) {
    throw installReturnCodeError(returnCode, client.host);
  }
  const jobParam = Object.entries(result.outParams).find(([name]) => name.toLowerCase() === 'job')?.[1];
  const job = jobParam?.value as CimInstanceName | null | undefined;
  if (!job || typeof job !== 'object' || !('keys' in job)) {
    throw new EsxiError(`InstallFromURI on ${client.host} returned ${returnCode} without a Job reference`, 'protocol', false);
  }
  const jobRef = job.namespace ? job : { ...job, namespace: objects.installService.namespace };
  return { jobRef, instanceId: instanceIdOf(jobRef), adopted: false };
}

/**
 * After an ambiguous failure (the request may have reached the host), the job the earlier attempt
 * started is the one that was not there before the install began. ESXi runs one install at a time,
 * so at most one such job can be ours.
 */
export async function findAdoptableJob(
  client: CimClient,
  objects: HostObjects,
  jobsBefore: readonly string[],
): Promise<StartedInstall | undefined> {
  const known = new Set(jobsBefore);
  const jobs = await listJobs(client, objects.installService.namespace ?? 'root/cimv2');
  const candidate = jobs.find((job) => !known.has(job.instanceId));
  return candidate && { jobRef: candidate.ref, instanceId: candidate.instanceId, adopted: true };
}
