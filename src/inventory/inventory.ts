/**
 * Inventory files: the hosts vibflow can install on, as JSON. `vibflow simulator` writes one; the
 * CLI reads them. Errors name the file and the field (e.g. `hosts[3].url`).
 */
import { readFile } from 'node:fs/promises';
import { z } from 'zod';
import type { HostTarget } from '../esxi/model';
import { describeIssues, hostTargetSchema } from '../esxi/hostSchema';
import { UsageError } from '../cli/usageError';

export const inventorySchema = z
  .strictObject({
    version: z.literal(1),
    controlUrl: z.string().optional(),
    hosts: z.array(hostTargetSchema).min(1, 'must list at least one host'),
  })
  .superRefine((inventory, ctx) => {
    const seen = new Map<string, number>();
    inventory.hosts.forEach((host, index) => {
      const first = seen.get(host.name.toLowerCase());
      if (first !== undefined) ctx.addIssue({ code: 'custom', path: ['hosts', index, 'name'], message: `duplicate host "${host.name}" (also hosts[${first}])` });
      else seen.set(host.name.toLowerCase(), index);
    });
  });

export type Inventory = z.infer<typeof inventorySchema>;

export class InventoryError extends UsageError {}

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
  const parsed = inventorySchema.safeParse(json);
  if (!parsed.success) throw new InventoryError(`inventory ${file} is invalid:\n${describeIssues(parsed.error)}`);
  return parsed.data;
}

export function findHost(inventory: Inventory, name: string): HostTarget {
  const host = inventory.hosts.find((h) => h.name.toLowerCase() === name.toLowerCase());
  if (host) return host;
  const close = inventory.hosts.map((h) => h.name).filter((n) => n.includes(name) || name.includes(n)).slice(0, 5);
  const hint = close.length ? `; did you mean ${close.join(', ')}?` : `; it has ${inventory.hosts.length} hosts, e.g. ${inventory.hosts.slice(0, 3).map((h) => h.name).join(', ')}`;
  throw new InventoryError(`host "${name}" is not in the inventory${hint}`);
}
