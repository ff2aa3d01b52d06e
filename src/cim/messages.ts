/**
 * CIM operations as data. The client encodes a CimRequest and decodes the matching CimResponse;
 * a server (the simulator, a test peer) decodes a CimRequest and encodes a CimResponse. Both
 * directions live in this library so that the two sides can never disagree about the wire form.
 */
import type {
  CimClass,
  CimInstance,
  CimInstanceName,
  CimMethodResult,
  CimTypedValue,
} from './types';

export interface AssociationFilter {
  readonly assocClass?: string;
  readonly resultClass?: string;
  readonly role?: string;
  readonly resultRole?: string;
}

export interface InstanceRetrievalOptions {
  readonly localOnly?: boolean;
  readonly includeQualifiers?: boolean;
  readonly includeClassOrigin?: boolean;
  readonly propertyList?: readonly string[];
}

/** Intrinsic operations carry their namespace; extrinsic ones take it from the object path. */
export type CimRequest =
  | { readonly kind: 'GetInstance'; readonly namespace: string; readonly instanceName: CimInstanceName; readonly options?: InstanceRetrievalOptions }
  | { readonly kind: 'EnumerateInstanceNames'; readonly namespace: string; readonly className: string }
  | { readonly kind: 'EnumerateInstances'; readonly namespace: string; readonly className: string; readonly options?: InstanceRetrievalOptions & { readonly deepInheritance?: boolean } }
  | { readonly kind: 'AssociatorNames'; readonly namespace: string; readonly objectName: CimInstanceName; readonly filter?: AssociationFilter }
  | { readonly kind: 'Associators'; readonly namespace: string; readonly objectName: CimInstanceName; readonly filter?: AssociationFilter; readonly options?: InstanceRetrievalOptions }
  | { readonly kind: 'GetClass'; readonly namespace: string; readonly className: string; readonly localOnly?: boolean; readonly includeQualifiers?: boolean }
  | {
      readonly kind: 'InvokeMethod';
      /** Target object path; its `namespace` is required. */
      readonly objectName: CimInstanceName;
      readonly methodName: string;
      /** null encodes a parameter explicitly sent as NULL (no VALUE child). */
      readonly params: Readonly<Record<string, CimTypedValue | null>>;
    };

export type CimRequestKind = CimRequest['kind'];

export interface CimErrorPayload {
  readonly code: number;
  readonly description?: string;
  /** CIM_Error instances carried inside the ERROR element. */
  readonly instances?: readonly CimInstance[];
}

/** What an operation returns, by kind. Instances from enumerations/associators carry `path`. */
export type CimResult =
  | { readonly kind: 'GetInstance'; readonly instance: CimInstance }
  | { readonly kind: 'EnumerateInstanceNames'; readonly names: readonly CimInstanceName[] }
  | { readonly kind: 'EnumerateInstances'; readonly instances: readonly CimInstance[] }
  | { readonly kind: 'AssociatorNames'; readonly names: readonly CimInstanceName[] }
  | { readonly kind: 'Associators'; readonly instances: readonly CimInstance[] }
  | { readonly kind: 'GetClass'; readonly cimClass: CimClass }
  | { readonly kind: 'InvokeMethod'; readonly methodName: string; readonly result: CimMethodResult };

export type CimResponse =
  | { readonly ok: true; readonly messageId: string; readonly result: CimResult }
  | { readonly ok: false; readonly messageId: string; readonly kind: CimRequestKind; readonly methodName?: string; readonly error: CimErrorPayload };

/** The HTTP headers that travel with a request (DSP0200 section 7). */
export interface CimRequestHeaders {
  readonly CIMOperation: 'MethodCall';
  /** Percent-encoded method name (intrinsic operation or extrinsic method). */
  readonly CIMMethod: string;
  /** Percent-encoded namespace (intrinsic) or object path (extrinsic). */
  readonly CIMObject: string;
}
