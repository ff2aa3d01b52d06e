/** Namespaces and class names of ESXi's CIM model (reference section 2). */
export const NS_INTEROP = 'root/interop';
export const NS_IMPLEMENTATION = 'root/cimv2';

export const CLASS = {
  registeredProfile: 'CIM_RegisteredProfile',
  elementConformsToProfile: 'CIM_ElementConformsToProfile',
  computerSystem: 'CIM_ComputerSystem',
  hostedService: 'CIM_HostedService',
  installService: 'CIM_SoftwareInstallationService',
  vmwareInstallService: 'VMware_SoftwareInstallationService',
  concreteJob: 'CIM_ConcreteJob',
  installedSoftwareIdentity: 'CIM_InstalledSoftwareIdentity',
  softwareIdentity: 'CIM_SoftwareIdentity',
} as const;

export const BASE_SERVER_PROFILE = 'Base Server';
