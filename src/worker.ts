/**
 * The vibflow worker: runs installVib/fleetRollout workflows and the CIM activities.
 * Workflow code comes from a prebuilt bundle when one is given (production, tests) and is bundled
 * from source otherwise.
 */
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import v8 from 'node:v8';
import { NativeConnection, Worker, type WorkerOptions } from '@temporalio/worker';
import { version as packageVersion } from '../package.json';
import * as activities from './activities';
import { connectWorker, DEFAULT_TASK_QUEUE, type TemporalTarget } from './temporal/connection';
import { bundleWorkflows, WORKFLOWS_PATH } from './workflowBundle';

/** The Worker Deployment a versioned worker belongs to, and its version in it. */
export interface WorkerVersion {
  readonly deployment: string;
  readonly buildId: string;
}

export interface VibflowWorkerOptions extends TemporalTarget {
  readonly taskQueue?: string;
  /** A bundle made by bundleWorkflowCode; VIBFLOW_WORKFLOW_BUNDLE otherwise; else bundle from source. */
  readonly workflowBundlePath?: string;
  /** Extra worker tuning (concurrency limits, cache size) passed through as is. */
  readonly tuning?: Partial<Pick<WorkerOptions,
    'maxConcurrentActivityTaskExecutions' | 'maxConcurrentLocalActivityExecutions' |
    'maxConcurrentWorkflowTaskExecutions' | 'maxCachedWorkflows' | 'shutdownGraceTime'>>;
  /**
   * Run as a version of this Worker Deployment, every workflow pinned to the version it started on.
   * The build id defaults to defaultBuildId() of the workflow code. Absent: an unversioned worker.
   */
  readonly deployment?: { readonly name: string; readonly buildId?: string };
}

/**
 * The package version and a hash of the workflow bundle: any change of workflow code (or of what
 * it imports) is a new build id, while activity-only changes keep it.
 */
export function defaultBuildId(workflowCode: string): string {
  return `${packageVersion}-${createHash('sha256').update(workflowCode).digest('hex').slice(0, 12)}`;
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

/** The workflow code the worker runs, so that its hash can name the version. */
async function workflowCode(bundlePath: string | undefined): Promise<string> {
  return bundlePath ? readFile(bundlePath, 'utf8') : bundleWorkflows();
}

export async function createWorker(options: VibflowWorkerOptions = {}): Promise<{ worker: Worker; connection: NativeConnection; version?: WorkerVersion }> {
  const bundlePath = options.workflowBundlePath ?? process.env.VIBFLOW_WORKFLOW_BUNDLE;
  // Connect first: a Temporal that cannot be reached is said at once, not after the seconds that
  // bundling the workflow code for its build id takes.
  const { connection, namespace } = await connectWorker(options);
  const code = options.deployment ? await workflowCode(bundlePath).catch(async (err: unknown) => {
    await connection.close();
    throw err;
  }) : undefined;
  const version = options.deployment && code !== undefined
    ? { deployment: options.deployment.name, buildId: options.deployment.buildId ?? defaultBuildId(code) }
    : undefined;
  const worker = await Worker.create({
    connection,
    namespace,
    taskQueue: options.taskQueue ?? DEFAULT_TASK_QUEUE,
    activities,
    // A task routed to a dead worker's sticky queue waits this long before any worker may take
    // it: the main term in crash recovery time (SDK default 10 s).
    stickyQueueScheduleToStartTimeout: '3s',
    maxCachedWorkflows: defaultMaxCachedWorkflows(),
    ...(code !== undefined ? { workflowBundle: { code } }
      : bundlePath ? { workflowBundle: { codePath: bundlePath } }
      : { workflowsPath: WORKFLOWS_PATH }),
    // Pinned: a rollout, remediation or install runs to its end on the code it started on; its
    // children and its continue-as-new runs inherit that version (Worker Versioning).
    ...(version ? {
      workerDeploymentOptions: {
        version: { deploymentName: version.deployment, buildId: version.buildId },
        useWorkerVersioning: true,
        defaultVersioningBehavior: 'PINNED',
      },
    } as const : {}),
    ...options.tuning,
  }).catch(async (err: unknown) => {
    await connection.close();
    throw err;
  });
  return { worker, connection, ...(version ? { version } : {}) };
}
