/**
 * Why a request failed below HTTP: a TLS failure (never retried blindly: the server is not the
 * one we trust), or a network failure that may or may not have let the request reach the server.
 */
import { ThumbprintMismatch } from './connect';

export type TlsFailureReason = 'thumbprint-mismatch' | 'untrusted-certificate' | 'handshake';

export interface TlsFailure {
  readonly reason: TlsFailureReason;
  /** Says what failed and, for an untrusted certificate, what to do about it. */
  readonly detail: string;
  readonly code?: string;
  /** The thumbprint the server presented, when a pin did not match. */
  readonly presentedThumbprint?: string;
}

const TLS_CODE = /CERT|SSL|TLS|SELF_SIGNED|UNABLE_TO_VERIFY|ALTNAME/;
const UNTRUSTED_CODE = /CERT|SELF_SIGNED|UNABLE_TO_VERIFY|ALTNAME/;
const NEVER_REACHED = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH', 'UND_ERR_CONNECT_TIMEOUT']);

/** The Node or undici error code of a failure, or of its cause. */
export function errorCode(err: unknown): string | undefined {
  const e = err as { code?: string; cause?: { code?: string } };
  return e?.code ?? e?.cause?.code;
}

/**
 * A failure's own message. Not `instanceof Error`: errors from Node's internals may come from
 * another realm (a test runner's sandbox), and String() of them would add an "Error: " prefix.
 */
export function errorMessage(err: unknown): string {
  const message = (err as { message?: unknown } | null)?.message;
  return typeof message === 'string' ? message : String(err);
}

/** The TLS side of a failed request, or undefined when it failed for another reason. */
export function tlsFailure(err: unknown): TlsFailure | undefined {
  if (err instanceof ThumbprintMismatch) {
    return { reason: 'thumbprint-mismatch', detail: `TLS: ${err.message}`, presentedThumbprint: err.actual };
  }
  const code = errorCode(err);
  if (!code || !TLS_CODE.test(code)) return undefined;
  const message = errorMessage(err);
  if (UNTRUSTED_CODE.test(code)) {
    return { reason: 'untrusted-certificate', detail: `TLS: ${message} (pin its thumbprint, give a CA bundle, or opt in to insecure)`, code };
  }
  return { reason: 'handshake', detail: `TLS: ${message}`, code };
}

/** False only when the error code proves the request never left this machine (refused, no route...). */
export function requestMayHaveReachedServer(code: string | undefined): boolean {
  return !NEVER_REACHED.has(code ?? '');
}
