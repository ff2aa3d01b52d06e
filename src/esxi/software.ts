/** Installed software inventory (DSP1023): the snapshot compared before and after an install. */
import type { CimClient } from '../cim/client';
import type { CimInstanceName } from '../cim/types';
import { propertyValue } from '../cim/values';
import { CLASS } from './classes';
import type { SoftwareItem } from './model';

function text(value: unknown): string {
  return typeof value === 'string' ? value : '';
}

export async function snapshotSoftware(client: CimClient, computerSystem: CimInstanceName): Promise<SoftwareItem[]> {
  const identities = await client.associators(computerSystem, {
    assocClass: CLASS.installedSoftwareIdentity,
    resultClass: CLASS.softwareIdentity,
  });
  return identities
    .map((identity) => ({
      id: text(propertyValue(identity, 'InstanceID')),
      name: text(propertyValue(identity, 'ElementName')),
      version: text(propertyValue(identity, 'VersionString')),
      vendor: text(propertyValue(identity, 'Manufacturer')),
    }))
    .sort((a, b) => a.name.localeCompare(b.name) || a.id.localeCompare(b.id));
}
