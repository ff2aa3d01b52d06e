/** TLS connections and connection-failure classification shared by the CIM and vSphere transports. */
export { normalizeThumbprint, tlsConnector, ThumbprintMismatch, TlsOptionsError, type TlsOptions } from './connect';
export { errorCode, errorMessage, requestMayHaveReachedServer, tlsFailure, type TlsFailure, type TlsFailureReason } from './failure';
