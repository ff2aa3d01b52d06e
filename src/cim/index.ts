/** vibflow's CIM-XML library: usable on its own, with no Temporal or ESXi knowledge. */
export * from './types';
export * from './messages';
export * from './errors';
export * from './values';
export * from './objectPath';
export { encodeRequest, encodeResponse, escape } from './encode';
export { decodeRequest, decodeResponse, checkRequestHeaders } from './decode';
export { CimClient } from './client';
export { normalizeThumbprint, type CimEndpointOptions, type CimRequestDone, type CimRequestOutcome, type CimTlsOptions } from './transport';
