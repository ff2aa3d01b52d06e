/**
 * Typed failures of the vSphere client. Every message names the operation and the vCenter
 * (host:port); none ever contains a password, a session cookie or a ticket. Each error carries
 * its category and whether trying again can help, so callers classify without parsing text.
 */
import type { TlsFailureReason } from '../tls';

export type VsphereErrorCategory =
  | 'usage'
  | 'authentication'
  | 'permission'
  | 'tls'
  | 'network'
  | 'http'
  | 'server-error'
  | 'protocol'
  | 'invalid-state'
  | 'invalid-argument'
  | 'timed-out'
  | 'cancelled'
  | 'not-supported'
  | 'not-found'
  | 'not-implemented'
  | 'host-unreachable'
  | 'vsphere-fault';

export class VsphereError extends Error {
  constructor(
    readonly operation: string,
    readonly host: string,
    detail: string,
    readonly category: VsphereErrorCategory,
    readonly retryable: boolean,
  ) {
    super(`${operation} on ${host} failed: ${detail}`);
    this.name = new.target.name;
  }
}

/** Options that cannot work (a bad URL, an empty thumbprint...): the message names the field. */
export class VsphereUsageError extends VsphereError {
  constructor(operation: string, host: string, detail: string) {
    super(operation, host, detail, 'usage', false);
  }
}

interface FaultClass {
  readonly category: VsphereErrorCategory;
  readonly retryable: boolean;
}

/** vim25 fault types vibflow tells apart (subtypes listed where they matter); others are 'vsphere-fault'. */
const FAULT_CLASSES: Readonly<Record<string, FaultClass>> = {
  InvalidLogin: { category: 'authentication', retryable: false },
  NotAuthenticated: { category: 'authentication', retryable: false },
  NoPermission: { category: 'permission', retryable: false },
  InvalidState: { category: 'invalid-state', retryable: false },
  InvalidHostState: { category: 'invalid-state', retryable: false },
  InvalidPowerState: { category: 'invalid-state', retryable: false },
  // Another task holds the object; it ends by itself.
  TaskInProgress: { category: 'invalid-state', retryable: true },
  InvalidArgument: { category: 'invalid-argument', retryable: false },
  InvalidRequest: { category: 'invalid-argument', retryable: false },
  InvalidProperty: { category: 'invalid-argument', retryable: false },
  InvalidType: { category: 'invalid-argument', retryable: false },
  Timedout: { category: 'timed-out', retryable: true },
  RequestCanceled: { category: 'cancelled', retryable: false },
  NotSupported: { category: 'not-supported', retryable: false },
  ManagedObjectNotFound: { category: 'not-found', retryable: false },
  NotFound: { category: 'not-found', retryable: false },
  MethodNotFound: { category: 'not-implemented', retryable: false },
  NotImplemented: { category: 'not-implemented', retryable: false },
  HostCommunication: { category: 'host-unreachable', retryable: true },
  HostNotConnected: { category: 'host-unreachable', retryable: true },
  HostNotReachable: { category: 'host-unreachable', retryable: true },
  SystemError: { category: 'server-error', retryable: true },
};

const OTHER_FAULT: FaultClass = { category: 'vsphere-fault', retryable: false };

/** Said when the server gives no text of its own (vcsim sends NotAuthenticated with an empty faultstring). */
const FAULT_EXPLANATIONS: Readonly<Record<string, string>> = {
  NotAuthenticated: 'the session is not logged in (it may have expired or been terminated)',
};

/** A vim25 fault: the server, or a task, refused the operation. */
export class VsphereFault extends VsphereError {
  constructor(
    operation: string,
    host: string,
    /** The vim25 fault type, e.g. "InvalidState", "NotAuthenticated", "MethodNotFound". */
    readonly faultType: string,
    /** The server's own text (faultstring or localizedMessage); may be empty. */
    readonly faultMessage: string,
    /** Replaces the default "Type: text" when the caller can say it better. */
    detail?: string,
  ) {
    const { category, retryable } = FAULT_CLASSES[faultType] ?? OTHER_FAULT;
    const text = faultMessage || FAULT_EXPLANATIONS[faultType];
    super(operation, host, detail ?? `${faultType}${text ? `: ${text}` : ''}`, category, retryable);
  }
}

/** The request did not complete at the HTTP level. */
export class VsphereTransportError extends VsphereError {
  readonly code?: string;
  /** False only when the request provably never reached the server (refused, TLS failure...). */
  readonly requestMayHaveReachedServer: boolean;
  constructor(
    operation: string,
    host: string,
    detail: string,
    options: { code?: string; requestMayHaveReachedServer: boolean },
    category: VsphereErrorCategory = 'network',
    retryable = true,
  ) {
    super(operation, host, detail, category, retryable);
    if (options.code) this.code = options.code;
    this.requestMayHaveReachedServer = options.requestMayHaveReachedServer;
  }
}

/** The server's certificate was not the trusted or pinned one, or the handshake failed. */
export class VsphereTlsError extends VsphereTransportError {
  /** What the server presented when a pin did not match (uppercase hex, no colons). */
  readonly presentedThumbprint?: string;
  constructor(
    operation: string,
    host: string,
    detail: string,
    readonly reason: TlsFailureReason,
    options: { code?: string; presentedThumbprint?: string } = {},
  ) {
    super(operation, host, detail, { ...(options.code ? { code: options.code } : {}), requestMayHaveReachedServer: false }, 'tls', false);
    if (options.presentedThumbprint) this.presentedThumbprint = options.presentedThumbprint;
  }
}

/** A non-200 answer that is not a SOAP fault. */
export class VsphereHttpError extends VsphereError {
  constructor(operation: string, host: string, readonly status: number, serverText = '') {
    const serverSide = status >= 500;
    super(operation, host, `HTTP ${status}${serverText ? `: ${serverText}` : ''}`, serverSide ? 'server-error' : status === 401 || status === 403 ? 'authentication' : 'http', serverSide);
  }
}

/** An answer that is not the SOAP document it should be. */
export class VsphereProtocolError extends VsphereError {
  constructor(operation: string, host: string, detail: string) {
    super(operation, host, detail, 'protocol', false);
  }
}

/** waitForTask gave up: the task was still queued or running when the wait's bound ran out. */
export class VsphereTaskTimeoutError extends VsphereError {
  constructor(operation: string, host: string, detail: string) {
    // The task may still finish; waiting again (or reading the host's state) is the way on.
    super(operation, host, detail, 'timed-out', true);
  }
}
