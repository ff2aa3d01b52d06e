/**
 * A CIM client for one endpoint: the operations vibflow needs, over one keep-alive pool.
 * Names it returns carry their namespace, so they can be passed straight back.
 */
import type { AssociationFilter, CimRequest, CimResult, InstanceRetrievalOptions } from './messages';
import { CimTransport, type CimEndpointOptions } from './transport';
import type { CimClass, CimInstance, CimInstanceName, CimMethodResult, CimTypedValue } from './types';

type ResultOf<K extends CimResult['kind']> = Extract<CimResult, { kind: K }>;

export class CimClient {
  private readonly transport: CimTransport;
  private readonly defaultNamespace: string;

  constructor(options: CimEndpointOptions) {
    this.transport = new CimTransport(options);
    this.defaultNamespace = options.defaultNamespace ?? 'root/cimv2';
  }

  /** host:port, for messages. */
  get host(): string {
    return this.transport.host;
  }

  private async run<K extends CimResult['kind']>(request: CimRequest & { kind: K }): Promise<ResultOf<K>> {
    return (await this.transport.execute(request)) as ResultOf<K>;
  }

  private namespaceOf(name: CimInstanceName): string {
    return name.namespace ?? this.defaultNamespace;
  }

  async getInstance(name: CimInstanceName, options?: InstanceRetrievalOptions): Promise<CimInstance> {
    const namespace = this.namespaceOf(name);
    const { instance } = await this.run({ kind: 'GetInstance', namespace, instanceName: name, ...(options ? { options } : {}) });
    return { ...instance, path: { ...name, namespace } };
  }

  async enumerateInstanceNames(className: string, namespace = this.defaultNamespace): Promise<CimInstanceName[]> {
    const { names } = await this.run({ kind: 'EnumerateInstanceNames', namespace, className });
    return names.map((name) => ({ ...name, namespace }));
  }

  async enumerateInstances(className: string, namespace = this.defaultNamespace, options?: InstanceRetrievalOptions): Promise<CimInstance[]> {
    const { instances } = await this.run({ kind: 'EnumerateInstances', namespace, className, ...(options ? { options } : {}) });
    return instances.map((instance) => ({ ...instance, ...(instance.path ? { path: { ...instance.path, namespace } } : {}) }));
  }

  async associatorNames(objectName: CimInstanceName, filter?: AssociationFilter): Promise<CimInstanceName[]> {
    const { names } = await this.run({ kind: 'AssociatorNames', namespace: this.namespaceOf(objectName), objectName, ...(filter ? { filter } : {}) });
    return [...names];
  }

  async associators(objectName: CimInstanceName, filter?: AssociationFilter, options?: InstanceRetrievalOptions): Promise<CimInstance[]> {
    const request = { kind: 'Associators' as const, namespace: this.namespaceOf(objectName), objectName, ...(filter ? { filter } : {}), ...(options ? { options } : {}) };
    return [...(await this.run(request)).instances];
  }

  async invokeMethod(objectName: CimInstanceName, methodName: string, params: Record<string, CimTypedValue | null> = {}): Promise<CimMethodResult> {
    const target = { ...objectName, namespace: this.namespaceOf(objectName) };
    const { result } = await this.run({ kind: 'InvokeMethod', objectName: target, methodName, params });
    return result;
  }

  async getClass(className: string, namespace = this.defaultNamespace): Promise<CimClass> {
    return (await this.run({ kind: 'GetClass', namespace, className, localOnly: false, includeQualifiers: true })).cimClass;
  }

  async close(): Promise<void> {
    await this.transport.close();
  }
}
