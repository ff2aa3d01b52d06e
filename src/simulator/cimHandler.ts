/** Answers one decoded CIM request for one simulated host, the way sfcbd on ESXi would. */
import type { CimRequest, CimResult } from '../cim/messages';
import { CIM_STATUS, type CimInstance, type CimInstanceName, type CimTypedValue } from '../cim/types';
import { instanceNamesEqual } from '../cim/values';
import { canonicalClass, classDeclaration, IMPLEMENTATION, INTEROP, isA } from './classes';
import type { SimulatedHost } from './host';

export class CimStatus extends Error {
  constructor(readonly code: number, readonly description: string) {
    super(description);
  }
}

const NAMESPACES = new Set([INTEROP, IMPLEMENTATION]);

function checkNamespace(namespace: string): string {
  const normalized = namespace.replace(/^\/+|\/+$/g, '').toLowerCase();
  if (!NAMESPACES.has(normalized)) throw new CimStatus(CIM_STATUS.INVALID_NAMESPACE, `namespace ${namespace} does not exist`);
  return normalized;
}

function checkClass(className: string): string {
  const canonical = canonicalClass(className);
  if (!canonical) throw new CimStatus(CIM_STATUS.INVALID_CLASS, `class ${className} does not exist`);
  return canonical;
}

function find(host: SimulatedHost, name: CimInstanceName, namespace: string): CimInstance {
  checkClass(name.className);
  const found = host.instances(namespace).find((i) => i.path && isA(i.className, name.className) && instanceNamesEqual({ ...i.path, namespace: undefined }, { ...name, namespace: undefined, className: i.className }));
  if (!found) throw new CimStatus(CIM_STATUS.NOT_FOUND, `no instance ${name.className} with those keys`);
  return found;
}

function associated(host: SimulatedHost, request: Extract<CimRequest, { kind: 'AssociatorNames' | 'Associators' }>): CimInstanceName[] {
  const filter = request.filter ?? {};
  if (filter.assocClass) checkClass(filter.assocClass);
  if (filter.resultClass) checkClass(filter.resultClass);
  find(host, request.objectName, checkNamespace(request.namespace));
  const same = (name: CimInstanceName) => instanceNamesEqual({ ...name, namespace: undefined }, { ...request.objectName, namespace: undefined, className: name.className }) && isA(name.className, request.objectName.className);
  const results: CimInstanceName[] = [];
  for (const [assoc, roleA, a, roleB, b] of host.associations()) {
    if (filter.assocClass && !isA(assoc, filter.assocClass)) continue;
    for (const [role, self, resultRole, other] of [[roleA, a, roleB, b], [roleB, b, roleA, a]] as const) {
      if (!same(self)) continue;
      if (filter.role && filter.role.toLowerCase() !== role.toLowerCase()) continue;
      if (filter.resultRole && filter.resultRole.toLowerCase() !== resultRole.toLowerCase()) continue;
      if (filter.resultClass && !isA(other.className, filter.resultClass)) continue;
      results.push(other);
    }
  }
  return results;
}

function text(value: CimTypedValue | null | undefined): string | undefined {
  return typeof value?.value === 'string' ? value.value : undefined;
}

function reference(value: CimTypedValue | null | undefined): CimInstanceName | undefined {
  const v = value?.value;
  return v && typeof v === 'object' && 'keys' in v ? (v as CimInstanceName) : undefined;
}

function param(params: Readonly<Record<string, CimTypedValue | null>>, name: string): CimTypedValue | null | undefined {
  const key = Object.keys(params).find((k) => k.toLowerCase() === name.toLowerCase());
  return key === undefined ? undefined : params[key];
}

export async function handleCimRequest(host: SimulatedHost, request: CimRequest): Promise<CimResult> {
  switch (request.kind) {
    case 'GetInstance':
      return { kind: 'GetInstance', instance: find(host, request.instanceName, checkNamespace(request.namespace)) };
    case 'EnumerateInstanceNames':
    case 'EnumerateInstances': {
      const namespace = checkNamespace(request.namespace);
      const className = checkClass(request.className);
      const instances = host.instances(namespace).filter((i) => isA(i.className, className));
      return request.kind === 'EnumerateInstances'
        ? { kind: 'EnumerateInstances', instances }
        : { kind: 'EnumerateInstanceNames', names: instances.map((i) => i.path as CimInstanceName) };
    }
    case 'AssociatorNames':
      return { kind: 'AssociatorNames', names: associated(host, request) };
    case 'Associators': {
      const names = associated(host, request);
      return { kind: 'Associators', instances: names.map((name) => ({ ...find(host, name, name.namespace ?? IMPLEMENTATION), path: name })) };
    }
    case 'GetClass': {
      checkNamespace(request.namespace);
      const declaration = classDeclaration(request.className);
      if (!declaration) throw new CimStatus(CIM_STATUS.NOT_FOUND, `class ${request.className} does not exist`);
      return { kind: 'GetClass', cimClass: declaration };
    }
    case 'InvokeMethod': {
      const target = find(host, request.objectName, checkNamespace(request.objectName.namespace ?? ''));
      if (!isA(target.className, 'CIM_SoftwareInstallationService')) {
        throw new CimStatus(CIM_STATUS.METHOD_NOT_AVAILABLE, `${request.methodName} is not available on ${target.className}`);
      }
      if (request.methodName.toLowerCase() !== 'installfromuri') {
        throw new CimStatus(CIM_STATUS.METHOD_NOT_FOUND, `method ${request.methodName} is not supported (InstallFromSoftwareIdentity is not usable on ESXi)`);
      }
      const started = await host.installFromUri(text(param(request.params, 'URI')), reference(param(request.params, 'Target')));
      return {
        kind: 'InvokeMethod',
        methodName: 'InstallFromURI',
        result: {
          returnValue: { type: 'uint32', value: started.returnCode },
          outParams: started.job ? { Job: { type: 'reference', value: started.job } } : {},
        },
      };
    }
  }
}
