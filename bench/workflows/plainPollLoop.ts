/**
 * The loop as first written: read the job with a regular activity, then a timer. Only here, so
 * the history benchmark can measure what installVib's local-activity read saves.
 */
import { proxyActivities, sleep } from '@temporalio/workflow';
import type * as activities from '../../src/activities';
import type { HostTarget } from '../../src/esxi/model';

const { prepareInstall, startInstall, readJob } = proxyActivities<typeof activities>({ startToCloseTimeout: '1m' });

export async function plainPollLoop(host: HostTarget, bundleUri: string, pollMs: number): Promise<number> {
  const prepared = await prepareInstall(host);
  const job = await startInstall({ host, objects: prepared.objects, bundleUri, jobsBefore: prepared.jobsBefore });
  for (let polls = 1; ; polls++) {
    const reading = await readJob({ host, jobRef: job.jobRef });
    if (!reading.found || reading.job.phase !== 'running') return polls;
    await sleep(pollMs);
  }
}
