/**
 * A vCenter inventory's hosts as vibflow reaches them: the hosts vCenter lists (optionally only
 * some clusters or names), each with its CIM URL (from its vCenter name and the inventory's
 * template, or a per-host override), its CIM TLS pin (the certificate vCenter knows for it; ESXi's
 * CIM server presents the same one) and its credential (a CIM services ticket unless overridden).
 */
import { X509Certificate } from 'node:crypto';
import type { HostTarget } from '../esxi/model';
import type { HostSummary, VcenterTarget } from '../vsphere/model';
import { sortEntries, type FleetEntry } from './fleetPages';
import type { HostOverride, VcenterInventory } from './inventory';
import { UnknownSelection } from './selection';

/** Where the hosts of a rollout come from when a vCenter lists them. */
export interface VcenterHostSource {
  readonly vcenter: VcenterTarget;
  readonly cimUrlTemplate: string;
  readonly overrides: HostOverride[];
  /** Only hosts of these clusters (names as vCenter shows them). */
  readonly clusters?: string[];
  /** Only these hosts. */
  readonly hosts?: string[];
}

export { UnknownSelection };

function sha256Thumbprint(pem: string): string | undefined {
  try {
    return new X509Certificate(pem).fingerprint256;
  } catch {
    return undefined;
  }
}

function cimTarget(host: HostSummary, source: VcenterHostSource, override: HostOverride | undefined): HostTarget {
  const thumbprint = host.certificatePem ? sha256Thumbprint(host.certificatePem) : undefined;
  const tls = override?.tls ?? (thumbprint ? { thumbprint } : undefined);
  return {
    name: host.name,
    url: override?.url ?? source.cimUrlTemplate.replace('{name}', host.name),
    ...(override?.credential ? { user: override.user, credential: override.credential } : { cimTicket: { vcenter: source.vcenter, hostRef: host.ref.value } }),
    ...(tls ? { tls } : {}),
    ...(override?.allowHttp ? { allowHttp: true } : {}),
  };
}

/** Each wanted name as vCenter spells it: exactly, or (noted) in another case; unknown ones are refused, listing the real ones. */
function matchNames(kind: 'cluster' | 'host', wanted: readonly string[], known: readonly string[], vcenter: string, notes: string[] | undefined): string[] {
  const exact = new Set(known);
  const unknown: string[] = [];
  const matched = wanted.map((name) => {
    if (exact.has(name)) return name;
    const other = known.filter((k) => k.toLowerCase() === name.toLowerCase());
    // Without notes (a rollout's activity), only the exact name counts: the CLI has already said what it matched.
    if (other.length === 1 && notes) {
      notes.push(`${kind} "${name}" matched "${other[0]}", its name in vCenter ${vcenter} (the case differs)`);
      return other[0];
    }
    unknown.push(other.length ? `"${name}" (did you mean ${other.map((o) => `"${o}"`).join(' or ')}?)` : `"${name}"`);
    return name;
  });
  if (unknown.length) {
    const listed = known.length > 20 ? `${known.slice(0, 20).join(', ')}, ... (${known.length} in all)` : known.join(', ') || '(none)';
    throw new UnknownSelection(`${kind} ${unknown.join(', ')} ${unknown.length > 1 ? 'do' : 'does'} not exist in vCenter ${vcenter}; its ${kind}s: ${listed}`);
  }
  return matched;
}

/** A selection with every cluster and host name as vCenter spells it, and what was matched in another case. */
export interface ResolvedSelection {
  readonly clusters?: string[];
  readonly hosts?: string[];
  readonly notes: string[];
}

/**
 * Checks a selection against what vCenter has, exactly; with `notes`, a name that differs only in
 * case is taken as vCenter spells it and said so (the CLI), otherwise it is refused (a rollout).
 */
export function resolveSelection(summaries: readonly HostSummary[], source: Pick<VcenterHostSource, 'vcenter' | 'clusters' | 'hosts'>, notes?: string[]): ResolvedSelection {
  const vcenter = new URL(source.vcenter.url).host;
  const clusterNames = [...new Set(summaries.map((h) => h.cluster).filter((c): c is string => c !== null))].sort();
  const clusters = source.clusters?.length ? matchNames('cluster', source.clusters, clusterNames, vcenter, notes) : undefined;
  const inClusters = clusters ? summaries.filter((h) => h.cluster !== null && clusters.includes(h.cluster)) : summaries;
  const hosts = source.hosts?.length ? matchNames('host', source.hosts, inClusters.map((h) => h.name).sort(), vcenter, notes) : undefined;
  return { ...(clusters ? { clusters } : {}), ...(hosts ? { hosts } : {}), notes: notes ?? [] };
}

/** The selected hosts in page order; hosts vCenter cannot reach are skipped with the reason. */
export function fleetFromVcenter(summaries: readonly HostSummary[], source: VcenterHostSource): FleetEntry[] {
  const { clusters, hosts } = resolveSelection(summaries, source);
  const inClusters = clusters ? summaries.filter((h) => h.cluster !== null && clusters.includes(h.cluster)) : summaries;
  const selected = hosts ? inClusters.filter((h) => hosts.includes(h.name)) : inClusters;
  const overrides = new Map(source.overrides.map((o) => [o.name.toLowerCase(), o]));
  return sortEntries(selected.map((host): FleetEntry => (host.connectionState === 'connected'
    ? { host: { target: cimTarget(host, source, overrides.get(host.name.toLowerCase())), hostRef: host.ref.value, cluster: host.cluster } }
    : { skipped: { name: host.name, cluster: host.cluster, reason: `${host.connectionState} in vCenter` } })));
}

/** A vCenter inventory as a rollout's host source, optionally narrowed to clusters or hosts. */
export function vcenterSource(inventory: VcenterInventory, selection: { clusters?: readonly string[]; hosts?: readonly string[] } = {}): VcenterHostSource {
  return {
    vcenter: inventory.vcenter,
    cimUrlTemplate: inventory.cimUrlTemplate,
    overrides: inventory.hosts,
    ...(selection.clusters?.length ? { clusters: [...selection.clusters] } : {}),
    ...(selection.hosts?.length ? { hosts: [...selection.hosts] } : {}),
  };
}
