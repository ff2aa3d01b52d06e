/** vibflow's vSphere (vim25 SOAP) client: usable on its own, with no Temporal knowledge. */
export * from './model';
export * from './errors';
export { VsphereClient, type VsphereAbout, type VsphereLoginOptions, type VsphereServiceContent, type WaitForTaskOptions } from './client';
export type { CallOptions, RequestDone } from './transport';
export type { DataObject, SoapField, SoapScalar, SoapValue } from './envelope';
export type { MissingProperty, ObjectContent, ObjectSpec, PropertyFilterSpec, PropertySpec, RetrieveResult, SelectionSpec, TraversalSpec } from './propertyCollector';
export { VimObject, isMoRef, list, readBoolean, readDateTime, readMoRef, readNumber, readObject, readString, type VimValue } from './values';
