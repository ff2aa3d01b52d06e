/**
 * Inventory files: the hosts vibflow can install on, as JSON. Either a host list, or a vCenter
 * (`vcenter`) or several (`vcenters`, each with a name) that the hosts are read from when a rollout
 * starts (then each vCenter's `hosts` holds optional per-host overrides, e.g. a CIM URL where the
 * vCenter name does not resolve). `vibflow simulator` writes one; the CLI reads them. Errors name
 * the file and the field (e.g. `hosts[3].url`, `vcenters[1].credential`).
 */
import { readFile } from 'node:fs/promises';
import { z } from 'zod';
import type { HostTarget } from '../esxi/model';
import { credentialReference, describeIssues, HOST_NAME, hostTargetSchema, hostTlsSchema, VCENTER_NAME, vcenterTargetSchema } from '../esxi/hostSchema';
import { UsageError } from '../cli/usageError';

export const DEFAULT_CIM_URL_TEMPLATE = 'https://{name}:5989';

function uniqueNames(hosts: readonly { name: string }[], ctx: z.RefinementCtx): void {
  const seen = new Map<string, number>();
  hosts.forEach((host, index) => {
    const first = seen.get(host.name.toLowerCase());
    if (first !== undefined) ctx.addIssue({ code: 'custom', path: ['hosts', index, 'name'], message: `duplicate host "${host.name}" (also hosts[${first}])` });
    else seen.set(host.name.toLowerCase(), index);
  });
}

export const hostListInventorySchema = z
  .strictObject({
    version: z.literal(1),
    controlUrl: z.string().optional(),
    hosts: z.array(hostTargetSchema).min(1, 'must list at least one host'),
  })
  .superRefine((inventory, ctx) => uniqueNames(inventory.hosts, ctx));

/** What may be said about one vCenter host that vCenter itself does not know. */
export const hostOverrideSchema = z
  .strictObject({
    name: z.string().regex(HOST_NAME, 'must be the host\'s name in vCenter'),
    url: z.string().refine((url) => URL.canParse(url) && /^https?:$/.test(new URL(url).protocol), 'must be an http(s) URL such as https://esx01:5989').optional(),
    user: z.string().min(1, 'must not be empty').optional(),
    credential: credentialReference.optional(),
    tls: hostTlsSchema.optional(),
    allowHttp: z.boolean().optional(),
  })
  .refine((host) => host.credential === undefined || host.user !== undefined, { message: 'required with credential (the CIM user, e.g. root)', path: ['user'] });

const cimUrlTemplate = z
  .string()
  .refine((t) => t.includes('{name}') && URL.canParse(t.replace('{name}', 'esx01')), 'must be a URL containing {name}, e.g. https://{name}:5989')
  .default(DEFAULT_CIM_URL_TEMPLATE);

/** An inventory that names one vCenter: its hosts are read from it when a rollout starts. */
export const oneVcenterInventorySchema = z
  .strictObject({
    version: z.literal(1),
    controlUrl: z.string().optional(),
    vcenter: vcenterTargetSchema,
    /** The CIM URL of a host from its vCenter name. */
    cimUrlTemplate,
    hosts: z.array(hostOverrideSchema).default([]),
  })
  .superRefine((inventory, ctx) => uniqueNames(inventory.hosts, ctx));

/** A vCenter's name in the inventory: how hosts (`VCENTER/HOST`), clusters and --vcenter name it (a one-vCenter inventory's is its host:port). */
export { VCENTER_NAME };

/** One vCenter of a fleet that spans several: the one-vCenter form's fields, under a name. */
export const vcenterEntrySchema = vcenterTargetSchema.extend({
  name: z.string().regex(VCENTER_NAME, 'must be 1-100 letters, digits, ".", "_", ":" or "-", e.g. vc-fra1'),
  cimUrlTemplate,
  hosts: z.array(hostOverrideSchema).default([]),
}).superRefine((vcenter, ctx) => uniqueNames(vcenter.hosts, ctx));

export const vcentersInventorySchema = z
  .strictObject({
    version: z.literal(1),
    controlUrl: z.string().optional(),
    vcenters: z.array(vcenterEntrySchema).min(1, 'must list at least one vCenter'),
  })
  .superRefine((inventory, ctx) => {
    const seen = new Map<string, number>();
    inventory.vcenters.forEach((vcenter, index) => {
      const first = seen.get(vcenter.name.toLowerCase());
      if (first !== undefined) ctx.addIssue({ code: 'custom', path: ['vcenters', index, 'name'], message: `duplicate vCenter "${vcenter.name}" (also vcenters[${first}])` });
      else seen.set(vcenter.name.toLowerCase(), index);
    });
  });

export type HostListInventory = z.infer<typeof hostListInventorySchema>;
export type OneVcenterInventory = z.infer<typeof oneVcenterInventorySchema>;
export type VcentersInventory = z.infer<typeof vcentersInventorySchema>;
/** An inventory whose hosts come from one vCenter or several. */
export type VcenterInventory = OneVcenterInventory | VcentersInventory;
export type VcenterEntry = z.infer<typeof vcenterEntrySchema>;
export type HostOverride = z.infer<typeof hostOverrideSchema>;
export type Inventory = HostListInventory | VcenterInventory;

export function isVcenterInventory(inventory: Inventory): inventory is VcenterInventory {
  return 'vcenter' in inventory || 'vcenters' in inventory;
}

export class InventoryError extends UsageError {}

/** Validates parsed JSON as an inventory; `where` names it in errors (a file, or "inventory"). */
export function parseInventory(json: unknown, where: string): Inventory {
  const has = (key: string) => typeof json === 'object' && json !== null && key in json;
  const schema = has('vcenters') ? vcentersInventorySchema : has('vcenter') ? oneVcenterInventorySchema : hostListInventorySchema;
  const parsed = schema.safeParse(json);
  if (!parsed.success) throw new InventoryError(`${where} is invalid:\n${describeIssues(parsed.error)}`);
  return parsed.data;
}

export async function loadInventory(file: string): Promise<Inventory> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    throw new InventoryError(`inventory ${file}: cannot be read (${(err as NodeJS.ErrnoException).code ?? 'error'})`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new InventoryError(`inventory ${file}: not valid JSON (${(err as Error).message})`);
  }
  return parseInventory(json, `inventory ${file}`);
}

/** A host-list inventory, or a clear error for one that names a vCenter. */
export function hostList(inventory: Inventory, file: string): HostListInventory {
  if (isVcenterInventory(inventory)) {
    throw new InventoryError(`inventory ${file} names a vCenter: its hosts are read when a rollout starts (vibflow rollout --inventory ${file} --hosts NAME), or listed with vibflow hosts --inventory ${file}`);
  }
  return inventory;
}

export function findHost(inventory: HostListInventory, name: string): HostTarget {
  const host = inventory.hosts.find((h) => h.name.toLowerCase() === name.toLowerCase());
  if (host) return host;
  const close = inventory.hosts.map((h) => h.name).filter((n) => n.includes(name) || name.includes(n)).slice(0, 5);
  const hint = close.length ? `; did you mean ${close.join(', ')}?` : `; it has ${inventory.hosts.length} hosts, e.g. ${inventory.hosts.slice(0, 3).map((h) => h.name).join(', ')}`;
  throw new InventoryError(`host "${name}" is not in the inventory${hint}`);
}
