/**
 * Staging as a step of a workflow (a rollout, or `vibflow stage`): read and verify the bundle on a
 * worker, choose the datastores that reach every host, put one verified copy on each (a few
 * uploads at a time, each an activity that heartbeats and signals its progress), and remove the
 * copies at the end. Nothing here touches a host: a bundle that cannot be read or staged ends the
 * workflow before any host is started.
 *
 * Its state (the bundle's facts, the copies, the progress) is plain data that rides across
 * continue-as-new, so a continued rollout neither stages again nor forgets what to remove.
 */
import { ActivityFailure, ApplicationFailure, defineSignal, proxyActivities, setHandler } from '@temporalio/workflow';
import type * as activities from '../activities';
import type { UnreadableVcenter } from '../activities/fleet';
import type { VcentersHostSource } from '../inventory/vcenterHosts';
import {
  STAGING_PROGRESS_SIGNAL,
  type BundleFacts,
  type BundleSource,
  type StagedCopy,
  type StagedForHost,
  type StagingCopyProgress,
  type StagingProgress,
} from '../staging/model';
import { INVALID_INPUT_TYPE } from './installResult';
import type { Vib } from './remediationInput';

export const stagingProgressSignal = defineSignal<[StagingCopyProgress]>(STAGING_PROGRESS_SIGNAL);

/** Failure type of a workflow that could not read or stage its bundle (nothing was touched). */
export const STAGING_FAILED_TYPE = 'StagingFailed';

const { readStagingBundle } = proxyActivities<typeof activities>({
  // A URL source is downloaded (and hashed) by this activity: a large bundle over a slow link takes a while.
  startToCloseTimeout: '2h',
  retry: { initialInterval: '2s', backoffCoefficient: 2, maximumInterval: '30s', maximumAttempts: 5 },
  summary: 'read and verify the bundle (SHA-256, VIBs)',
});

const { planStaging } = proxyActivities<typeof activities>({
  startToCloseTimeout: '15m',
  heartbeatTimeout: '2m',
  retry: { initialInterval: '2s', backoffCoefficient: 2, maximumInterval: '30s', maximumAttempts: 5 },
  summary: 'choose the datastores to stage the bundle on',
});

const { stageBundleCopy } = proxyActivities<typeof activities>({
  startToCloseTimeout: '12h',
  // The upload heartbeats every second: a worker killed mid-upload is noticed in 10 s and the copy restarts from its partial file.
  heartbeatTimeout: '10s',
  retry: { initialInterval: '2s', backoffCoefficient: 2, maximumInterval: '1m', maximumAttempts: 20 },
  summary: 'stage the bundle on a datastore (upload, read back, verify, move into place)',
});

const { removeStagedCopies } = proxyActivities<typeof activities>({
  startToCloseTimeout: '5m',
  retry: { initialInterval: '2s', backoffCoefficient: 2, maximumInterval: '30s', maximumAttempts: 5 },
  summary: 'remove the staged copies',
});

/** Uploads running at once (each to its own datastore). */
const UPLOADS_AT_ONCE = 4;

/** What staging hands on across continue-as-new. */
export interface StagingCarry {
  readonly facts: BundleFacts | null;
  readonly copies: readonly StagedCopy[];
  readonly progress: StagingProgress;
}

export interface StagingRequest {
  readonly source: VcentersHostSource;
  readonly unreadable: readonly UnreadableVcenter[];
  readonly bundle: BundleSource;
  readonly datastore?: string;
  /** The VIBs the rollout declared (`--vib`): they narrow the check and must be in the bundle. */
  readonly vibs: readonly Vib[];
  /** False for a dry run: the plan only, nothing uploaded. */
  readonly upload: boolean;
  /** The workflow the uploads tell how far they are. */
  readonly workflowId: string;
}

const copyKey = (c: { vcenter: string; datastore: string }) => `${c.vcenter}\u0000${c.datastore}`;

/** The VIBs hosts must have: the declared ones (each checked against the bundle), or all of the bundle's. */
export function expectedVibs(facts: BundleFacts, declared: readonly Vib[]): Vib[] {
  if (declared.length === 0) return facts.vibs.map((v) => ({ name: v.name, version: v.version }));
  const has = facts.vibs.map((v) => `${v.name} ${v.version}`).join(', ');
  declared.forEach((vib, index) => {
    const found = facts.vibs.find((v) => v.name === vib.name);
    const problem = !found ? 'is not in the bundle' : vib.version !== undefined && vib.version !== found.version ? `is ${found.version} in the bundle, not ${vib.version}` : undefined;
    if (problem) throw ApplicationFailure.nonRetryable(`invalid rollout input:\nvibs[${index}]: "${vib.name}" ${problem} ${facts.fileName} (it has ${has})`, INVALID_INPUT_TYPE);
  });
  return declared.map((vib) => ({ name: vib.name, version: vib.version ?? (facts.vibs.find((v) => v.name === vib.name) as { version: string }).version }));
}

/** A staging failure in words: which worker could not read what, or which datastore could not take the copy. */
function stagingFailure(err: unknown, what: string): ApplicationFailure {
  const cause = err instanceof ActivityFailure ? err.cause : err;
  if (cause instanceof ApplicationFailure && cause.type === INVALID_INPUT_TYPE) return ApplicationFailure.nonRetryable(cause.message, INVALID_INPUT_TYPE);
  if (err instanceof ApplicationFailure) return err;
  const message = cause instanceof Error ? cause.message : String(cause);
  return ApplicationFailure.nonRetryable(`${what}: ${message}; no host was touched`, STAGING_FAILED_TYPE);
}

export class Staging {
  facts: BundleFacts | null;
  copies: StagedCopy[];
  progress: StagingProgress;

  constructor(carried: StagingCarry | undefined, private readonly changed: () => void) {
    this.facts = carried?.facts ?? null;
    this.copies = [...(carried?.copies ?? [])];
    this.progress = carried?.progress ?? { state: 'reading', copies: [], blocked: [], blockedCount: 0, compliantCount: 0 };
  }

  /** Upload progress, signalled by the copies' activities; registered before the workflow's first await. */
  registerHandlers(): void {
    setHandler(stagingProgressSignal, (update) => {
      const copies = this.progress.copies.map((c) => (copyKey(c) === copyKey(update) && c.state !== 'staged' && c.state !== 'reused' ? { ...c, ...update, hosts: c.hosts } : c));
      this.update({ copies });
    });
  }

  /** Staging has run to its end (staged, planned, nothing needed): a continued run does not stage again. */
  get done(): boolean {
    return ['staged', 'planned', 'not-needed', 'removed', 'kept'].includes(this.progress.state);
  }

  carry(): StagingCarry {
    return { facts: this.facts, copies: this.copies, progress: this.progress };
  }

  private update(change: Partial<StagingProgress>): void {
    this.progress = { ...this.progress, ...change };
    this.changed();
  }

  /** Read the bundle, plan, and (unless a dry run) upload: one verified copy per chosen datastore. */
  async run(request: StagingRequest): Promise<void> {
    try {
      this.update({ state: 'reading' });
      const facts = await readStagingBundle(request.bundle);
      this.facts = facts;
      this.update({ state: 'planning', bundle: { fileName: facts.fileName, sizeBytes: facts.sizeBytes, sha256: facts.sha256 } });
      const expected = expectedVibs(facts, request.vibs);
      const plan = await planStaging({ source: request.source, unreadable: request.unreadable, bundle: facts, expected, ...(request.datastore ? { datastore: request.datastore } : {}) });
      this.copies = plan.copies.map(({ hosts: _hosts, ...copy }) => copy);
      const copies: StagingCopyProgress[] = plan.copies.map((c) => ({ vcenter: c.vcenter, datastore: c.datastore, hosts: c.hosts, state: 'waiting', bytesDone: 0, sizeBytes: c.sizeBytes }));
      const planned = { copies, blocked: plan.blocked, blockedCount: plan.blockedCount, compliantCount: plan.compliantCount };
      if (plan.copies.length === 0) return this.update({ ...planned, state: 'not-needed' });
      if (!request.upload) return this.update({ ...planned, state: 'planned' });
      this.update({ ...planned, state: 'uploading' });
      await this.uploadAll(request);
      this.update({ state: 'staged' });
    } catch (err) {
      const failure = stagingFailure(err, this.facts ? `staging ${this.facts.fileName} failed` : `the bundle ${request.bundle.source} could not be read`);
      this.update({ state: 'failed', error: failure.message });
      throw failure;
    }
  }

  private async uploadAll(request: StagingRequest): Promise<void> {
    const queue = [...this.copies];
    const uploadNext = async (): Promise<void> => {
      for (let copy = queue.shift(); copy; copy = queue.shift()) {
        const vcenter = request.source.vcenters.find((v) => v.name === copy?.vcenter);
        if (!vcenter) throw ApplicationFailure.nonRetryable(`the staging plan names vCenter ${copy.vcenter}, which the rollout does not have`, STAGING_FAILED_TYPE);
        const result = await stageBundleCopy({ vcenter: vcenter.vcenter, copy, bundle: request.bundle, rolloutWorkflowId: request.workflowId });
        const done = copy;
        this.update({
          copies: this.progress.copies.map((c) => (copyKey(c) === copyKey(done) ? { ...c, state: result.uploaded ? 'staged' : 'reused', bytesDone: result.sizeBytes, ...(result.uploaded && result.durationMs > 0 ? { rateBps: Math.round(result.sizeBytes / (result.durationMs / 1000)) } : {}) } : c)),
        });
      }
    };
    await Promise.all(Array.from({ length: Math.min(UPLOADS_AT_ONCE, queue.length) }, uploadNext));
  }

  /** What a host of `vcenter` needs to check and install the staged bundle. */
  forHost(vcenter: string): StagedForHost {
    return {
      copies: this.copies.filter((c) => c.vcenter === vcenter),
      vibs: this.facts?.vibs ?? [],
      ...(this.progress.state === 'planned' ? { planned: true } : {}),
    };
  }

  /** Removes the copies (best effort: a copy that cannot be removed is said, not fatal); `keep` leaves them for a later window. */
  async end(source: VcentersHostSource, keep: boolean): Promise<void> {
    if (this.copies.length === 0 || this.progress.state === 'planned' || this.progress.state === 'removed' || this.progress.state === 'kept') return;
    if (keep) return this.update({ state: 'kept' });
    const problems: string[] = [];
    for (const v of source.vcenters) {
      const copies = this.copies.filter((c) => c.vcenter === v.name);
      if (copies.length === 0) continue;
      try {
        await removeStagedCopies({ vcenter: v.vcenter, copies });
      } catch (err) {
        const cause = err instanceof ActivityFailure ? err.cause : err;
        problems.push(`${v.name}: ${cause instanceof Error ? cause.message : String(cause)}`);
      }
    }
    this.update(problems.length ? { state: 'kept', error: `staged copies not removed (remove them with vibflow staged --remove): ${problems.join('; ')}` } : { state: 'removed' });
  }
}
