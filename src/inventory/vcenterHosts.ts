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

function refuseUnknown(kind: 'cluster' | 'host', wanted: readonly string[] | undefined, known: readonly string[], vcenter: string): void {
  const lower = new Set(known.map((k) => k.toLowerCase()));
  const unknown = (wanted ?? []).filter((w) => !lower.has(w.toLowerCase()));
  if (!unknown.length) return;
  const listed = known.length > 20 ? `${known.slice(0, 20).join(', ')}, ... (${known.length} in all)` : known.join(', ') || '(none)';
  throw new UnknownSelection(`${kind} ${unknown.map((u) => `"${u}"`).join(', ')} ${unknown.length > 1 ? 'do' : 'does'} not exist in vCenter ${vcenter}; its ${kind}s: ${listed}`);
}

/** The selected hosts in page order; hosts vCenter cannot reach are skipped with the reason. */
export function fleetFromVcenter(summaries: readonly HostSummary[], source: VcenterHostSource): FleetEntry[] {
  const vcenter = new URL(source.vcenter.url).host;
  const clusters = [...new Set(summaries.map((h) => h.cluster).filter((c): c is string => c !== null))].sort();
  refuseUnknown('cluster', source.clusters, clusters, vcenter);
  const inClusters = source.clusters?.length
    ? summaries.filter((h) => h.cluster !== null && source.clusters?.some((c) => c.toLowerCase() === h.cluster?.toLowerCase()))
    : summaries;
  refuseUnknown('host', source.hosts, inClusters.map((h) => h.name).sort(), vcenter);
  const selected = source.hosts?.length ? inClusters.filter((h) => source.hosts?.some((n) => n.toLowerCase() === h.name.toLowerCase())) : inClusters;
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
