/** The slice of ESXi's CIM schema the simulator serves: class hierarchy and declarations. */
import type { CimClass, CimMethodDecl, CimPropertyDecl } from '../cim/types';

export const INTEROP = 'root/interop';
export const IMPLEMENTATION = 'root/cimv2';

/** class -> superclass (undefined for roots). */
const SUPERCLASS: Readonly<Record<string, string | undefined>> = {
  CIM_ManagedElement: undefined,
  CIM_RegisteredProfile: 'CIM_ManagedElement',
  CIM_ComputerSystem: 'CIM_ManagedElement',
  OMC_UnitaryComputerSystem: 'CIM_ComputerSystem',
  CIM_Service: 'CIM_ManagedElement',
  CIM_SoftwareInstallationService: 'CIM_Service',
  VMware_SoftwareInstallationService: 'CIM_SoftwareInstallationService',
  CIM_Capabilities: 'CIM_ManagedElement',
  CIM_SoftwareInstallationServiceCapabilities: 'CIM_Capabilities',
  VMware_SoftwareInstallationServiceCapabilities: 'CIM_SoftwareInstallationServiceCapabilities',
  CIM_SoftwareIdentity: 'CIM_ManagedElement',
  CIM_Job: 'CIM_ManagedElement',
  CIM_ConcreteJob: 'CIM_Job',
  VMware_ConcreteJob: 'CIM_ConcreteJob',
  CIM_Error: undefined,
  // Associations
  CIM_ElementConformsToProfile: undefined,
  CIM_HostedService: undefined,
  VMware_HostedInstallationService: 'CIM_HostedService',
  CIM_ElementCapabilities: undefined,
  CIM_InstalledSoftwareIdentity: undefined,
};

const CANONICAL = new Map(Object.keys(SUPERCLASS).map((name) => [name.toLowerCase(), name]));

export function canonicalClass(name: string): string | undefined {
  return CANONICAL.get(name.toLowerCase());
}

export function isA(className: string, ancestor: string): boolean {
  const target = ancestor.toLowerCase();
  for (let c: string | undefined = canonicalClass(className); c; c = SUPERCLASS[c]) {
    if (c.toLowerCase() === target) return true;
  }
  return false;
}

const key = (name: string, type: CimPropertyDecl['type'] = 'string'): CimPropertyDecl => ({ name, type, isArray: false, isKey: true });
const prop = (name: string, type: CimPropertyDecl['type'] = 'string', isArray = false): CimPropertyDecl => ({ name, type, isArray, isKey: false });

const SERVICE_KEYS = [key('CreationClassName'), key('Name'), key('SystemCreationClassName'), key('SystemName')];
const INSTALL_FROM_URI: CimMethodDecl = {
  name: 'InstallFromURI',
  returnType: 'uint32',
  parameters: [
    { name: 'Job', type: 'reference', isArray: false, referenceClass: 'CIM_ConcreteJob', qualifiers: { IN: false, OUT: true } },
    { name: 'URI', type: 'string', isArray: false, qualifiers: { IN: true } },
    { name: 'Target', type: 'reference', isArray: false, referenceClass: 'CIM_ManagedElement', qualifiers: { IN: true } },
    { name: 'InstallOptions', type: 'uint16', isArray: true, qualifiers: { IN: true } },
    { name: 'InstallOptionsValues', type: 'string', isArray: true, qualifiers: { IN: true } },
  ],
};

const JOB_PROPERTIES = [
  key('InstanceID'), prop('Caption'), prop('Description'), prop('ElementName'), prop('Name'),
  prop('JobState', 'uint16'), prop('JobStatus'), prop('PercentComplete', 'uint16'), prop('ErrorCode', 'uint16'),
  prop('ErrorDescription'), prop('StartTime', 'datetime'), prop('TimeSubmitted', 'datetime'),
  prop('TimeOfLastStateChange', 'datetime'), prop('ElapsedTime', 'datetime'), prop('TimeBeforeRemoval', 'datetime'),
  prop('DeleteOnCompletion', 'boolean'), prop('HealthState', 'uint16'),
];

const DECLARATIONS: Readonly<Record<string, Omit<CimClass, 'name' | 'superClass'>>> = {
  CIM_RegisteredProfile: { properties: [key('InstanceID'), prop('RegisteredName'), prop('RegisteredVersion'), prop('RegisteredOrganization', 'uint16')], methods: [] },
  CIM_ComputerSystem: { properties: [key('CreationClassName'), key('Name'), prop('ElementName')], methods: [] },
  CIM_SoftwareInstallationService: { properties: [...SERVICE_KEYS, prop('ElementName')], methods: [INSTALL_FROM_URI] },
  CIM_SoftwareInstallationServiceCapabilities: { properties: [key('InstanceID'), prop('SupportedURISchemes', 'uint16', true), prop('SupportedInstallOptions', 'uint16', true)], methods: [] },
  CIM_SoftwareIdentity: { properties: [key('InstanceID'), prop('ElementName'), prop('VersionString'), prop('Manufacturer')], methods: [] },
  CIM_ConcreteJob: { properties: JOB_PROPERTIES, methods: [] },
};

/** GetClass: the nearest declared ancestor's declarations, under the requested class's name. */
export function classDeclaration(className: string): CimClass | undefined {
  const canonical = canonicalClass(className);
  if (!canonical) return undefined;
  let declared: string | undefined = canonical;
  while (declared && !DECLARATIONS[declared]) declared = SUPERCLASS[declared];
  const superClass = SUPERCLASS[canonical];
  const body = declared ? DECLARATIONS[declared] : { properties: [], methods: [] };
  return { name: canonical, ...(superClass ? { superClass } : {}), ...body };
}
