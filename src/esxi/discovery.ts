/**
 * Finding the objects an install needs: the Base Server scoping instance (the host's computer
 * system) and the software installation service hosted on it (reference section 2).
 */
import type { CimClient } from '../cim/client';
import { propertyValue } from '../cim/values';
import type { CimInstanceName } from '../cim/types';
import { BASE_SERVER_PROFILE, CLASS, NS_INTEROP } from './classes';
import { EsxiError } from './errors';
import type { HostObjects } from './model';

export async function discoverHost(client: CimClient): Promise<HostObjects> {
  const computerSystem = await findBaseServer(client);
  const services = await client.associatorNames(computerSystem, {
    assocClass: CLASS.hostedService,
    resultClass: CLASS.installService,
  });
  const installService =
    services.find((name) => name.className.toLowerCase() === CLASS.vmwareInstallService.toLowerCase()) ?? services[0];
  if (!installService) {
    throw notPresent(client, `no ${CLASS.installService} is hosted on ${computerSystem.className}`);
  }
  return { computerSystem, installService };
}

async function findBaseServer(client: CimClient): Promise<CimInstanceName> {
  const profiles = await client.enumerateInstances(CLASS.registeredProfile, NS_INTEROP);
  const baseServer = profiles.find((profile) => propertyValue(profile, 'RegisteredName') === BASE_SERVER_PROFILE);
  if (!baseServer?.path) throw notPresent(client, `no "${BASE_SERVER_PROFILE}" profile is registered in ${NS_INTEROP}`);
  const systems = await client.associatorNames(baseServer.path, {
    assocClass: CLASS.elementConformsToProfile,
    resultClass: CLASS.computerSystem,
  });
  if (!systems[0]) throw notPresent(client, `the "${BASE_SERVER_PROFILE}" profile has no conforming computer system`);
  return systems[0];
}

function notPresent(client: CimClient, what: string): EsxiError {
  return new EsxiError(
    `Discovery on ${client.host} failed: ${what} (is the CIM service enabled and the Software Update profile installed?)`,
    'service-not-present',
    false,
  );
}
