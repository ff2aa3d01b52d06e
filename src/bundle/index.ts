/** ESXi offline bundles: what they contain, read without Temporal, vCenter or any host. */
export { ACCEPTANCE_LEVEL_NAMES, ACCEPTANCE_LEVELS, admits, HOST_ACCEPTANCE_LEVELS } from './types';
export type { AcceptanceLevel, BundleContents, BundleInfo, BundleVib, HostAcceptanceLevel } from './types';
export { BundleError } from './errors';
export type { BundleErrorKind } from './errors';
export { inspectBundle, MAX_METADATA_TOTAL_BYTES, MAX_METADATA_ZIP_BYTES, MAX_XML_BYTES, readBundle, sha256OfFile } from './read';
export { parseDescriptor } from './descriptor';
export type { VibDescriptor } from './descriptor';
