/**
 * How vibflow opens TLS connections with undici: verified against the system CAs or a given CA
 * bundle by default, pinned to a certificate's SHA-256 thumbprint for self-signed certificates
 * (ESXi, vCenter), or unverified only when the caller says so explicitly.
 */
import { readFileSync } from 'node:fs';
import type { TLSSocket } from 'node:tls';
import { buildConnector, type Pool } from 'undici';

export interface TlsOptions {
  readonly caFile?: string;
  readonly ca?: string;
  /** SHA-256 of the DER certificate: hex, colons optional, any case. */
  readonly thumbprint?: string;
  readonly insecure?: boolean;
}

/** TLS settings that cannot work (a usage error): the message names the field. */
export class TlsOptionsError extends Error {
  constructor(readonly field: string, detail: string) {
    super(`${field}: ${detail}`);
    this.name = new.target.name;
  }
}

/** The server presented another certificate than the pinned one. */
export class ThumbprintMismatch extends Error {
  constructor(readonly expected: string, readonly actual: string) {
    super(`certificate thumbprint ${actual} does not match the pinned ${expected}`);
    this.name = new.target.name;
  }
}

const SHA256_HEX = /^[0-9A-F]{64}$/;

/** Uppercase hex without colons, the form fingerprints are compared in. */
export function normalizeThumbprint(thumbprint: string): string {
  return thumbprint.replace(/:/g, '').toUpperCase();
}

function pinnedThumbprint(thumbprint: string): string {
  const normalized = normalizeThumbprint(thumbprint.trim());
  // An empty pin used to mean "no pin"; it is a mistake in the caller's settings, never a choice.
  if (normalized === '') throw new TlsOptionsError('tls.thumbprint', 'is empty; give the SHA-256 thumbprint of the certificate (64 hex digits, colons optional) or leave it out');
  if (!SHA256_HEX.test(normalized)) throw new TlsOptionsError('tls.thumbprint', 'must be a SHA-256 thumbprint: 64 hex digits, colons optional');
  return normalized;
}

/**
 * Node only calls checkServerIdentity after the chain verified, which a self-signed certificate
 * never does; so pinning compares the fingerprint on the connected socket, before undici uses it.
 */
function pinningConnector(expected: string, timeoutMs: number): buildConnector.connector {
  // No session resumption: a resumed session presents no certificate to compare.
  const connect = buildConnector({ rejectUnauthorized: false, timeout: timeoutMs, maxCachedSessions: 0 });
  return (options, callback) =>
    connect(options, (err, socket) => {
      if (err || !socket) return callback(err ?? new Error('no socket'), null);
      const actual = normalizeThumbprint((socket as TLSSocket).getPeerCertificate().fingerprint256 ?? '');
      if (actual !== expected) {
        socket.destroy();
        return callback(new ThumbprintMismatch(expected, actual), null);
      }
      return callback(null, socket);
    });
}

/** undici's `connect` option for an https origin; throws TlsOptionsError for unusable settings. */
export function tlsConnector(tls: TlsOptions | undefined, timeoutMs: number): Pool.Options['connect'] {
  if (tls?.thumbprint !== undefined) return pinningConnector(pinnedThumbprint(tls.thumbprint), timeoutMs);
  if (tls?.insecure) return { rejectUnauthorized: false, timeout: timeoutMs };
  const ca = tls?.ca ?? (tls?.caFile ? readFileSync(tls.caFile, 'utf8') : undefined);
  return { rejectUnauthorized: true, timeout: timeoutMs, ...(ca ? { ca } : {}) };
}
