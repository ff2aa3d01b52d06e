/**
 * The hosts of one or more vCenters as vibflow reaches them: the hosts each vCenter lists
 * (optionally only some clusters or names), each with its CIM URL (from its vCenter name and that
 * vCenter's template, or a per-host override), its CIM TLS pin (the certificate vCenter knows for
 * it; ESXi's CIM server presents the same one) and its credential (a CIM services ticket from its
 * own vCenter unless overridden). A host is named `VCENTER/HOST` where its name is in more than
 * one vCenter (names are unique within a vCenter, not across them), plain `HOST` otherwise.
 */
import { createHash } from 'node:crypto';
import type { HostTarget } from '../esxi/model';
import type { HostSummary, VcenterTarget } from '../vsphere/model';
import { sortEntries, type FleetEntry } from './fleetPages';
import type { HostOverride, VcenterEntry, VcenterInventory } from './inventory';
import { UnknownSelection } from './selection';

/** One vCenter of a fleet, by the name the inventory gives it. */
export interface FleetVcenter {
  readonly name: string;
  readonly vcenter: VcenterTarget;
  readonly cimUrlTemplate: string;
  readonly overrides: HostOverride[];
}

/** Where the hosts of a rollout come from when vCenters list them. */
export interface VcentersHostSource {
  readonly vcenters: FleetVcenter[];
  /** Only hosts of these clusters: `VCENTER/CLUSTER`, or a cluster name no other vCenter has. */
  readonly clusters?: string[];
  /** Only these hosts: `VCENTER/HOST`, or a host name no other vCenter has. */
  readonly hosts?: string[];
  /** A vCenter that cannot be read when the rollout starts fails it, instead of having its hosts skipped. */
  readonly requireAll?: boolean;
}

/** What one vCenter listed, or why it could not be read. */
export type VcenterListing =
  | { readonly name: string; readonly summaries: readonly HostSummary[] }
  | { readonly name: string; readonly unreadable: string };

const readable = (listing: VcenterListing): listing is { name: string; summaries: readonly HostSummary[] } => 'summaries' in listing;

export { UnknownSelection };

/** The name a one-vCenter inventory's vCenter goes by: its host (and port, when not the default). */
export function vcenterNameOf(url: string): string {
  return new URL(url).host;
}

/** `VCENTER/NAME` -> [VCENTER, NAME] when VCENTER is one of them; else [undefined, the whole]. */
function qualified(text: string, vcenters: ReadonlySet<string>): [string | undefined, string] {
  const slash = text.indexOf('/');
  return slash > 0 && vcenters.has(text.slice(0, slash)) ? [text.slice(0, slash), text.slice(slash + 1)] : [undefined, text];
}

const PEM_CERTIFICATE = /-----BEGIN CERTIFICATE-----([A-Za-z0-9+/=\s]+)-----END CERTIFICATE-----/;

/** Whether `der` is exactly one DER SEQUENCE, as a certificate is, judged by its header. */
function isDerSequence(der: Buffer): boolean {
  if (der.length < 2 || der[0] !== 0x30) return false;
  const first = der[1] as number;
  if (first < 0x80) return 2 + first === der.length;
  const octets = first & 0x7f;
  if (octets === 0 || octets > 4 || der.length < 2 + octets) return false;
  let length = 0;
  for (let i = 0; i < octets; i++) length = length * 256 + (der[2 + i] as number);
  return 2 + octets + length === der.length;
}

/**
 * The SHA-256 thumbprint of the PEM's (first) certificate as X509Certificate.fingerprint256 writes
 * it: the hash of its DER bytes. Hashed without parsing the certificate, which took 0.19 ms a host
 * (2 s of CPU for 10,000) where this takes 0.015 ms; undefined when the PEM holds no DER certificate.
 */
export function sha256Thumbprint(pem: string): string | undefined {
  const body = PEM_CERTIFICATE.exec(pem)?.[1];
  if (body === undefined) return undefined;
  const der = Buffer.from(body.replace(/\s+/g, ''), 'base64');
  if (!isDerSequence(der)) return undefined;
  return (createHash('sha256').update(der).digest('hex').toUpperCase().match(/../g) as string[]).join(':');
}

function cimTarget(host: HostSummary, name: string, source: FleetVcenter, override: HostOverride | undefined): HostTarget {
  const thumbprint = host.certificatePem ? sha256Thumbprint(host.certificatePem) : undefined;
  const tls = override?.tls ?? (thumbprint ? { thumbprint } : undefined);
  return {
    name,
    url: override?.url ?? source.cimUrlTemplate.replace('{name}', host.name),
    ...(override?.credential ? { user: override.user, credential: override.credential } : { cimTicket: { vcenter: source.vcenter, hostRef: host.ref.value } }),
    ...(tls ? { tls } : {}),
    ...(override?.allowHttp ? { allowHttp: true } : {}),
  };
}

/** A name as a selection gives it, resolved to the vCenter that has it. */
export interface SelectedName {
  readonly vcenter: string;
  readonly name: string;
}

const listed = (items: readonly string[]) => (items.length > 20 ? `${items.slice(0, 20).join(', ')}, ... (${items.length} in all)` : items.join(', ') || '(none)');

/**
 * Each wanted name resolved to the vCenter that has it, as vCenter spells it: exactly, or (with
 * `notes`: the CLI) in another case, said so. A plain name in several vCenters is refused (name one);
 * an unknown name is refused listing the real ones, unless a vCenter that could not be read may have it.
 */
function matchNames(kind: 'cluster' | 'host', wanted: readonly string[], known: ReadonlyMap<string, readonly string[]>, unreadable: readonly string[], notes: string[] | undefined): SelectedName[] {
  const vcenters = new Set([...known.keys(), ...unreadable]);
  const several = known.size + unreadable.length > 1;
  const where = (vcenter: string) => `vCenter ${vcenter}`;
  const problems: string[] = [];
  const matched: SelectedName[] = [];
  for (const text of wanted) {
    const [only, name] = qualified(text, vcenters);
    if (only && unreadable.includes(only)) continue; // its hosts are skipped with the reason
    const candidates = [...known].filter(([vcenter]) => !only || vcenter === only);
    const exact = candidates.filter(([, names]) => names.includes(name));
    if (exact.length > 1) {
      problems.push(`${kind} "${name}" is in ${exact.length} vCenters (${exact.map(([v]) => v).join(', ')}): name one, e.g. ${exact[0][0]}/${name}`);
      continue;
    }
    if (exact.length === 1) {
      matched.push({ vcenter: exact[0][0], name });
      continue;
    }
    const other = candidates.flatMap(([vcenter, names]) => names.filter((n) => n.toLowerCase() === name.toLowerCase()).map((n) => ({ vcenter, name: n })));
    // Without notes (a rollout's activity), only the exact name counts: the CLI has already said what it matched.
    if (other.length === 1 && notes) {
      notes.push(`${kind} "${text}" matched "${other[0].name}", its name in ${where(other[0].vcenter)} (the case differs)`);
      matched.push(other[0]);
      continue;
    }
    if (!only && unreadable.length) continue; // may be in a vCenter that could not be read
    const hint = other.length ? ` (did you mean ${other.map((o) => `"${several ? `${o.vcenter}/` : ''}${o.name}"`).join(' or ')}?)` : '';
    const real = candidates.length === 1 ? `; its ${kind}s: ${listed(candidates[0][1])}` : `; ${kind}s: ${listed(candidates.flatMap(([v, names]) => names.map((n) => `${v}/${n}`)))}`;
    const place = candidates.length === 1 ? ` in ${where(candidates[0][0])}` : ` in vCenters ${candidates.map(([v]) => v).join(', ')}`;
    problems.push(`${kind} "${text}"${hint} does not exist${place}${real}`);
  }
  if (problems.length) throw new UnknownSelection(problems.join('; '));
  return matched;
}

/** A selection with every cluster and host resolved to its vCenter and spelled as vCenter spells it, and what was matched in another case. */
export interface ResolvedSelection {
  readonly clusters?: SelectedName[];
  readonly hosts?: SelectedName[];
  readonly notes: string[];
}

/**
 * Checks a selection against what the vCenters have; with `notes`, a name that differs only in
 * case is taken as vCenter spells it and said so (the CLI), otherwise it is refused (a rollout).
 */
export function resolveSelection(listings: readonly VcenterListing[], selection: Pick<VcentersHostSource, 'clusters' | 'hosts'>, notes?: string[]): ResolvedSelection {
  const ok = listings.filter(readable);
  const unreadable = listings.filter((l) => !readable(l)).map((l) => l.name);
  const clusterNames = new Map(ok.map((l) => [l.name, [...new Set(l.summaries.map((h) => h.cluster).filter((c): c is string => c !== null))].sort()]));
  const clusters = selection.clusters?.length ? matchNames('cluster', selection.clusters, clusterNames, unreadable, notes) : undefined;
  const inClusters = (l: { name: string; summaries: readonly HostSummary[] }) =>
    clusters ? l.summaries.filter((h) => h.cluster !== null && clusters.some((c) => c.vcenter === l.name && c.name === h.cluster)) : l.summaries;
  const hostNames = new Map(ok.map((l) => [l.name, inClusters(l).map((h) => h.name).sort()]));
  const hosts = selection.hosts?.length ? matchNames('host', selection.hosts, hostNames, unreadable, notes) : undefined;
  return { ...(clusters ? { clusters } : {}), ...(hosts ? { hosts } : {}), notes: notes ?? [] };
}

/** Whether a selection may take hosts of this vCenter: none given, or a name qualified with it, or a plain one. */
function mayHave(vcenter: string, selection: Pick<VcentersHostSource, 'clusters' | 'hosts'>): boolean {
  const names = [...(selection.clusters ?? []), ...(selection.hosts ?? [])];
  return names.length === 0 || names.some((n) => n.startsWith(`${vcenter}/`) || !n.includes('/'));
}

/** The selected hosts in page order; hosts vCenter cannot reach, and those of a vCenter that could not be read, are skipped with the reason. */
export function fleetFromVcenters(listings: readonly VcenterListing[], source: VcentersHostSource): FleetEntry[] {
  const { clusters, hosts } = resolveSelection(listings, source);
  const byName = new Map(source.vcenters.map((v) => [v.name, v]));
  const seen = new Map<string, number>();
  for (const listing of listings.filter(readable)) for (const h of listing.summaries) seen.set(h.name.toLowerCase(), (seen.get(h.name.toLowerCase()) ?? 0) + 1);
  const entries: FleetEntry[] = [];
  for (const listing of listings) {
    const vcenter = byName.get(listing.name) as FleetVcenter;
    const displayName = (name: string) => ((seen.get(name.toLowerCase()) ?? 0) > 1 ? `${listing.name}/${name}` : name);
    if ('unreadable' in listing) {
      if (!mayHave(listing.name, source)) continue;
      // Its hosts are unknown but for the inventory's own list of them.
      const reason = `vCenter ${listing.name} could not be read: ${listing.unreadable}`;
      const known = vcenter.overrides.map((o) => o.name);
      const names = known.length ? known : ['(all hosts)'];
      for (const name of names) entries.push({ skipped: { name: `${listing.name}/${name}`, vcenter: listing.name, reason } }); // cluster unknown
      continue;
    }
    if (clusters && !clusters.some((c) => c.vcenter === listing.name)) continue;
    const overrides = new Map(vcenter.overrides.map((o) => [o.name.toLowerCase(), o]));
    for (const host of listing.summaries) {
      if (clusters && !(host.cluster !== null && clusters.some((c) => c.vcenter === listing.name && c.name === host.cluster))) continue;
      if (hosts && !hosts.some((h) => h.vcenter === listing.name && h.name === host.name)) continue;
      const name = displayName(host.name);
      entries.push(host.connectionState === 'connected'
        ? { host: { target: cimTarget(host, name, vcenter, overrides.get(host.name.toLowerCase())), hostRef: host.ref.value, cluster: host.cluster, vcenter: listing.name } }
        : { skipped: { name, cluster: host.cluster, vcenter: listing.name, reason: `${host.connectionState} in vCenter ${listing.name}` } });
    }
  }
  return sortEntries(entries);
}

/** An inventory's vCenters (one for the single `vcenter` form, named after its host). */
export function fleetVcenters(inventory: VcenterInventory): FleetVcenter[] {
  const entries: readonly VcenterEntry[] = 'vcenters' in inventory
    ? inventory.vcenters
    : [{ name: vcenterNameOf(inventory.vcenter.url), ...inventory.vcenter, cimUrlTemplate: inventory.cimUrlTemplate, hosts: inventory.hosts }];
  return entries.map(({ name, url, user, credential, tls, cimUrlTemplate, hosts }) => ({
    name,
    vcenter: { url, user, credential, ...(tls ? { tls } : {}) },
    cimUrlTemplate,
    overrides: hosts,
  }));
}

/** A vCenter inventory as a rollout's host source: all its vCenters or those named, optionally only some clusters or hosts. */
export function vcentersSource(inventory: VcenterInventory, selection: { vcenters?: readonly string[]; clusters?: readonly string[]; hosts?: readonly string[]; requireAll?: boolean } = {}): VcentersHostSource {
  const all = fleetVcenters(inventory);
  const wanted = selection.vcenters?.length ? selection.vcenters : undefined;
  const unknown = (wanted ?? []).filter((name) => !all.some((v) => v.name === name));
  if (unknown.length) throw new UnknownSelection(`vCenter ${unknown.map((n) => `"${n}"`).join(', ')} is not in the inventory; its vCenters: ${all.map((v) => v.name).join(', ')}`);
  return {
    vcenters: wanted ? all.filter((v) => wanted.includes(v.name)) : all,
    ...(selection.clusters?.length ? { clusters: [...selection.clusters] } : {}),
    ...(selection.hosts?.length ? { hosts: [...selection.hosts] } : {}),
    ...(selection.requireAll ? { requireAll: true } : {}),
  };
}
