/**
 * The vibflow worker: runs installVib/fleetRollout workflows and the CIM activities.
 * Workflow code comes from a prebuilt bundle when one is given (production, tests) and is bundled
 * from source otherwise.
 */
import v8 from 'node:v8';
import { NativeConnection, Worker, type WorkerOptions } from '@temporalio/worker';
import * as activities from './activities';
import { connectWorker, DEFAULT_TASK_QUEUE, type TemporalTarget } from './temporal/connection';
import { WORKFLOWS_PATH } from './workflowBundle';

export interface VibflowWorkerOptions extends TemporalTarget {
  readonly taskQueue?: string;
  /** A bundle made by bundleWorkflowCode; VIBFLOW_WORKFLOW_BUNDLE otherwise; else bundle from source. */
  readonly workflowBundlePath?: string;
  /** Extra worker tuning (concurrency limits, cache size) passed through as is. */
  readonly tuning?: Partial<Pick<WorkerOptions,
    'maxConcurrentActivityTaskExecutions' | 'maxConcurrentLocalActivityExecutions' |
    'maxConcurrentWorkflowTaskExecutions' | 'maxCachedWorkflows' | 'shutdownGraceTime'>>;
}

const MB = 1024 * 1024;

/**
 * The sticky cache's default size, from the heap limit the workflows run under, at 128 KB per
 * cached install above a 64 MB reserve. The SDK's default assumes some 1.7 MB per workflow and
 * keeps a 256 MB heap to about 60, so that a worker with 1,000 installs would replay one on every
 * poll. bench/footprint.ts: with a 256 MB heap (about 1,500 here) 1,000 cached installs are served
 * at full rate; a 128 MB heap holding them all already loses a quarter of the polls to the GC.
 */
export function defaultMaxCachedWorkflows(heapLimitBytes = v8.getHeapStatistics().heap_size_limit): number {
  return Math.max(100, Math.floor((heapLimitBytes / MB - 64) / 0.128));
}

export async function createWorker(options: VibflowWorkerOptions = {}): Promise<{ worker: Worker; connection: NativeConnection }> {
  const { connection, namespace } = await connectWorker(options);
  const bundlePath = options.workflowBundlePath ?? process.env.VIBFLOW_WORKFLOW_BUNDLE;
  const worker = await Worker.create({
    connection,
    namespace,
    taskQueue: options.taskQueue ?? DEFAULT_TASK_QUEUE,
    activities,
    // A task routed to a dead worker's sticky queue waits this long before any worker may take
    // it: the main term in crash recovery time (SDK default 10 s).
    stickyQueueScheduleToStartTimeout: '3s',
    maxCachedWorkflows: defaultMaxCachedWorkflows(),
    ...(bundlePath
      ? { workflowBundle: { codePath: bundlePath } }
      : { workflowsPath: WORKFLOWS_PATH }),
    ...options.tuning,
  }).catch(async (err: unknown) => {
    await connection.close();
    throw err;
  });
  return { worker, connection };
}
