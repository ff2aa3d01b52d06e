/**
 * Which hosts a rollout starts next: a pure function of the rows and the limits, so the choice
 * can be tested on its own and the workflow only asks it. Hosts start in row order, each within
 * the fleet's free slots, its cluster's limit and its vCenter's limit; a canary batch is spread
 * over the vCenters (one host of each in turn) so that it tries every vCenter early.
 */

/** The states that matter here (a rollout row's `state`). */
export type PickState = 'pending' | 'running' | 'waiting-retry' | string;

/** What the choice reads of a host's row. */
export interface PickRow {
  readonly host: string;
  readonly state: PickState;
  /** The host's cluster (null: standalone; absent: hosts not from a vCenter). */
  readonly cluster?: string | null;
  /** The vCenter that manages the host (absent: one vCenter or none). */
  readonly vcenter?: string;
}

export interface PickLimits {
  /** At most this many hosts are picked (free slots of the window, or the canary batch size). */
  readonly count: number;
  /** Hosts of one cluster in flight at once; 0: no limit. */
  readonly maxPerCluster: number;
  /** Hosts of one vCenter in flight at once; 0: no limit. */
  readonly maxPerVcenter: number;
  /** Workflow time (ms): a host waiting for a retry is due once its time has come. */
  readonly now: number;
  /** When each host waiting for a retry may start again (ms). */
  readonly retryAt: ReadonlyMap<string, number>;
  /** Take one host of each vCenter in turn (canary batches) instead of row order. */
  readonly spreadOverVcenters?: boolean;
}

/** Clusters of different vCenters are different clusters, whatever their names. */
const clusterKey = (row: PickRow) => `${row.vcenter ?? ''}\u0000${row.cluster}`;

function isDue(row: PickRow, limits: PickLimits): boolean {
  return row.state === 'pending' || (row.state === 'waiting-retry' && (limits.retryAt.get(row.host) ?? 0) <= limits.now);
}

/** Due hosts, in row order, or one of each vCenter in turn (vCenters in order of first appearance). */
function candidates(rows: readonly PickRow[], limits: PickLimits): PickRow[] {
  const due = rows.filter((row) => isDue(row, limits));
  if (!limits.spreadOverVcenters) return due;
  const byVcenter = new Map<string, PickRow[]>();
  for (const row of due) byVcenter.set(row.vcenter ?? '', [...(byVcenter.get(row.vcenter ?? '') ?? []), row]);
  const queues = [...byVcenter.values()];
  const spread: PickRow[] = [];
  for (let round = 0; spread.length < due.length; round++) for (const queue of queues) if (queue[round]) spread.push(queue[round]);
  return spread;
}

/** The hosts to start now, in the order to start them. */
export function pickNextHosts(rows: Iterable<PickRow>, limits: PickLimits): string[] {
  const all = [...rows];
  const perCluster = new Map<string, number>();
  const perVcenter = new Map<string, number>();
  const count = (map: Map<string, number>, key: string) => map.set(key, (map.get(key) ?? 0) + 1);
  for (const row of all) {
    if (row.state !== 'running') continue;
    if (row.cluster) count(perCluster, clusterKey(row));
    if (row.vcenter !== undefined) count(perVcenter, row.vcenter);
  }
  const picked: string[] = [];
  for (const row of candidates(all, limits)) {
    if (picked.length >= limits.count) break;
    const cluster = row.cluster ? clusterKey(row) : undefined;
    if (cluster !== undefined && limits.maxPerCluster > 0 && (perCluster.get(cluster) ?? 0) >= limits.maxPerCluster) continue;
    if (row.vcenter !== undefined && limits.maxPerVcenter > 0 && (perVcenter.get(row.vcenter) ?? 0) >= limits.maxPerVcenter) continue;
    if (cluster !== undefined) count(perCluster, cluster);
    if (row.vcenter !== undefined) count(perVcenter, row.vcenter);
    picked.push(row.host);
  }
  return picked;
}
