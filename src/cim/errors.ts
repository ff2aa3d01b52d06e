/**
 * Typed failures of the CIM client. Every message names the operation and the host; none ever
 * contains a password or an Authorization header.
 */
import { CIM_STATUS, type CimInstance } from './types';

const STATUS_NAMES = new Map<number, string>(Object.entries(CIM_STATUS).map(([name, code]) => [code, `CIM_ERR_${name}`]));

export function cimStatusName(code: number): string {
  return STATUS_NAMES.get(code) ?? `CIM_ERR_${code}`;
}

export class CimClientError extends Error {
  constructor(
    readonly operation: string,
    readonly host: string,
    detail: string,
  ) {
    super(`${operation} on ${host} failed: ${detail}`);
    this.name = new.target.name;
  }
}

/** The server answered with an ERROR element. */
export class CimError extends CimClientError {
  readonly codeName: string;
  constructor(
    operation: string,
    host: string,
    readonly code: number,
    readonly description: string,
    readonly instances: readonly CimInstance[] = [],
  ) {
    super(operation, host, `${cimStatusName(code)} (${code})${description ? `: ${description}` : ''}`);
    this.codeName = cimStatusName(code);
  }
}

/** The request did not complete at the HTTP level. */
export class CimTransportError extends CimClientError {
  readonly code?: string;
  /** False only when the request provably never reached the server (refused, TLS failure...). */
  readonly requestMayHaveReachedServer: boolean;
  constructor(operation: string, host: string, detail: string, options: { code?: string; requestMayHaveReachedServer: boolean }) {
    super(operation, host, detail);
    if (options.code) this.code = options.code;
    this.requestMayHaveReachedServer = options.requestMayHaveReachedServer;
  }
}

export type CimTlsFailure = 'thumbprint-mismatch' | 'untrusted-certificate' | 'handshake';

export class CimTlsError extends CimTransportError {
  constructor(operation: string, host: string, detail: string, readonly reason: CimTlsFailure, code?: string) {
    super(operation, host, detail, { ...(code ? { code } : {}), requestMayHaveReachedServer: false });
  }
}

/** HTTP 401: the user name or password was refused. */
export class CimAuthError extends CimClientError {}

/** A non-200 answer other than 401. */
export class CimHttpError extends CimClientError {
  constructor(operation: string, host: string, readonly status: number, readonly cimErrorHeader?: string) {
    super(operation, host, `HTTP ${status}${cimErrorHeader ? ` (CIMError: ${cimErrorHeader})` : ''}`);
  }
}

/** A document that is not acceptable CIM-XML. On a server, cimErrorHeader is what to answer with. */
export class CimProtocolError extends CimClientError {
  constructor(operation: string, host: string, detail: string, readonly cimErrorHeader = 'request-not-valid') {
    super(operation, host, detail);
  }
}
