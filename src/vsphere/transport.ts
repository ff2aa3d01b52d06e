/**
 * vim25 SOAP over HTTPS with undici: one keep-alive pool per vCenter, the `vmware_soap_session`
 * cookie kept and sent back, SOAPAction naming the API version the server reported, TLS
 * verified by default (src/tls), bounded response size and time, and typed errors that never
 * carry the password, the cookie or a ticket. Knows SOAP, not what the methods mean.
 */
import { BodyTooLarge, readBoundedBody } from '../http/boundedBody';
import type { Pool } from 'undici';
import { endpointPool } from '../http/endpointPool';
import { errorCode, errorMessage, requestMayHaveReachedServer, tlsConnector, tlsFailure, TlsOptionsError, type TlsOptions } from '../tls';
import { decodeResponse, encodeRequest, type SoapField } from './envelope';
import { VsphereError, VsphereFault, VsphereHttpError, VsphereProtocolError, VsphereTlsError, VsphereTransportError, VsphereUsageError } from './errors';
import type { MoRef } from './model';
import { VimValueError, type VimValue } from './values';
import { XmlError } from './xml';

export interface SoapTransportOptions {
  /** https://vcenter[:port][/sdk]; /sdk is added when the URL has no path. */
  readonly url: string;
  readonly tls?: TlsOptions;
  readonly connectTimeoutMs?: number;
  /** Bound on waiting for the response headers, and for the body. */
  readonly requestTimeoutMs?: number;
  readonly maxResponseBytes?: number;
  readonly connections?: number;
  /** Told of every request when it ends (metrics): the vim25 method, 'ok' or the error's category, and the duration. */
  readonly onRequestDone?: (done: RequestDone) => void;
}

export interface RequestDone {
  readonly operation: string;
  readonly outcome: string;
  readonly durationMs: number;
}

export interface CallOptions {
  /** Safe to send again when a kept-alive socket turns out to be dead before any answer (reads). */
  readonly idempotent?: boolean;
  /** Values of this call that must never be echoed back in an error (the password of Login). */
  readonly secrets?: readonly string[];
}

const SESSION_COOKIE = 'vmware_soap_session';
const DEFAULT_PATH = '/sdk';
const DEFAULT_MAX_RESPONSE_BYTES = 32 * 1024 * 1024;
const STALE_SOCKET = new Set(['UND_ERR_SOCKET', 'ECONNRESET', 'EPIPE']);
const REDACTED = '[redacted]';

export type Response = Awaited<ReturnType<Pool['request']>>;

/** host:port of a URL for messages, or a placeholder: an unparsable URL is never echoed (it may hold a password). */
function hostOf(url: string): string {
  try {
    return new URL(url).host || '(no host)';
  } catch {
    return '(invalid url)';
  }
}

function sessionCookieOf(setCookie: string | string[] | undefined): string | undefined {
  for (const cookie of [setCookie ?? []].flat()) {
    const pair = cookie.split(';', 1)[0]?.trim() ?? '';
    if (pair.startsWith(`${SESSION_COOKIE}=`)) return pair;
  }
  return undefined;
}

export class SoapTransport {
  /** host:port of the vCenter, as every error names it. */
  readonly host: string;
  /** about.apiVersion once known; SOAPAction is `urn:vim25/<version>` then, plain `urn:vim25` before. */
  apiVersion: string | null = null;
  private readonly pool: Pool;
  private readonly path: string;
  private readonly requestTimeoutMs: number;
  private readonly maxResponseBytes: number;
  private sessionCookie: string | null = null;

  constructor(private readonly options: SoapTransportOptions) {
    this.host = hostOf(options.url);
    const url = this.parseUrl(options.url);
    this.path = url.pathname && url.pathname !== '/' ? url.pathname : DEFAULT_PATH;
    const connectTimeoutMs = options.connectTimeoutMs ?? 10_000;
    this.requestTimeoutMs = options.requestTimeoutMs ?? 60_000;
    this.maxResponseBytes = options.maxResponseBytes ?? DEFAULT_MAX_RESPONSE_BYTES;
    let connect: Pool.Options['connect'];
    try {
      connect = tlsConnector(options.tls, connectTimeoutMs);
    } catch (err) {
      if (err instanceof TlsOptionsError) throw new VsphereUsageError('connect', this.host, err.message);
      throw err;
    }
    this.pool = endpointPool(url.origin, { connections: options.connections, requestTimeoutMs: this.requestTimeoutMs, connect });
  }

  private parseUrl(raw: string): URL {
    let url: URL;
    try {
      url = new URL(raw);
    } catch {
      throw new VsphereUsageError('connect', this.host, 'url: not a valid URL (expected https://vcenter[/sdk])');
    }
    if (url.protocol !== 'https:') throw new VsphereUsageError('connect', this.host, `url: ${url.protocol}// is refused; vCenter's API is served over https://`);
    if (url.username || url.password) throw new VsphereUsageError('connect', this.host, 'url: must not carry a user or password; give them as options');
    return url;
  }

  /** Whether a session cookie is held (the server may still have ended the session). */
  get hasSession(): boolean {
    return this.sessionCookie !== null;
  }

  /** Drops the session cookie, e.g. before logging in again after the server ended the session. */
  forgetSession(): void {
    this.sessionCookie = null;
  }

  /** Calls `method` on `target`; resolves with its returnval, rejects with a VsphereError. */
  async invoke(method: string, target: MoRef, args: readonly SoapField[] = [], options: CallOptions = {}): Promise<VimValue | undefined> {
    const started = performance.now();
    const report = this.options.onRequestDone;
    try {
      const value = await this.sendWithStaleSocketRetry(method, target, args, options);
      report?.({ operation: method, outcome: 'ok', durationMs: performance.now() - started });
      return value;
    } catch (err) {
      report?.({ operation: method, outcome: err instanceof VsphereError ? err.category : 'client', durationMs: performance.now() - started });
      throw err;
    }
  }

  private async sendWithStaleSocketRetry(method: string, target: MoRef, args: readonly SoapField[], options: CallOptions): Promise<VimValue | undefined> {
    try {
      return await this.send(method, target, args, options);
    } catch (err) {
      // A kept-alive socket the server had already closed fails before the request is read; only reads go again.
      if (options.idempotent && err instanceof VsphereTransportError && !(err instanceof VsphereTlsError) && STALE_SOCKET.has(err.code ?? '')) {
        return this.send(method, target, args, options);
      }
      throw err;
    }
  }

  private async send(method: string, target: MoRef, args: readonly SoapField[], options: CallOptions): Promise<VimValue | undefined> {
    const payload = Buffer.from(encodeRequest(method, target, args), 'utf8');
    let response: Response;
    try {
      response = await this.pool.request({
        path: this.path,
        method: 'POST',
        body: payload,
        headers: {
          'content-type': 'text/xml; charset=utf-8',
          'content-length': String(payload.byteLength),
          soapaction: this.apiVersion ? `urn:vim25/${this.apiVersion}` : 'urn:vim25',
          ...(this.sessionCookie ? { cookie: this.sessionCookie } : {}),
        },
      });
    } catch (err) {
      throw this.transportError(method, err);
    }
    const body = await this.readBody(method, response);
    const cookie = sessionCookieOf(response.headers['set-cookie']);
    if (cookie) this.sessionCookie = cookie;
    const contentType = String(response.headers['content-type'] ?? '');
    const isXml = /^(text|application)\/xml\b/i.test(contentType);
    // SOAP 1.1 sends faults with HTTP 500; anything else that is not a 200 is an HTTP-level failure.
    if (response.statusCode !== 200 && !(response.statusCode === 500 && isXml)) throw new VsphereHttpError(method, this.host, response.statusCode);
    if (!isXml) throw new VsphereProtocolError(method, this.host, `response Content-Type is "${contentType}", not XML`);
    let outcome: ReturnType<typeof decodeResponse>;
    try {
      outcome = decodeResponse(body.toString('utf8'), method);
    } catch (err) {
      if (err instanceof XmlError || err instanceof VimValueError) throw new VsphereProtocolError(method, this.host, err.message);
      throw err;
    }
    if (!outcome.ok) throw new VsphereFault(method, this.host, outcome.fault.faultType, this.redact(outcome.fault.message, options.secrets));
    return outcome.value;
  }

  /** Server text may echo what it was sent; the password and the session never leave through it. */
  private redact(text: string, secrets: readonly string[] = []): string {
    const cookieValue = this.sessionCookie?.slice(SESSION_COOKIE.length + 1).replace(/^"|"$/g, '');
    return [...secrets, ...(cookieValue ? [cookieValue] : [])].filter((s) => s.length > 0).reduce((t, secret) => t.split(secret).join(REDACTED), text);
  }

  private async readBody(method: string, response: Response): Promise<Buffer> {
    try {
      return await readBoundedBody(response, this.maxResponseBytes);
    } catch (err) {
      if (err instanceof BodyTooLarge) throw new VsphereProtocolError(method, this.host, err.message);
      throw this.transportError(method, err);
    }
  }

  private transportError(method: string, err: unknown): VsphereTransportError {
    const tls = tlsFailure(err);
    if (tls) {
      return new VsphereTlsError(method, this.host, tls.detail, tls.reason, {
        ...(tls.code ? { code: tls.code } : {}),
        ...(tls.presentedThumbprint ? { presentedThumbprint: tls.presentedThumbprint } : {}),
      });
    }
    const code = errorCode(err);
    const message = errorMessage(err);
    const reached = requestMayHaveReachedServer(code);
    const detail = `${reached ? 'no complete answer from vCenter' : 'cannot reach vCenter'}: ${message}${code && !message.includes(code) ? ` (${code})` : ''}`;
    return new VsphereTransportError(method, this.host, detail, { ...(code ? { code } : {}), requestMayHaveReachedServer: reached });
  }

  /**
   * A plain HTTP request to another path of the same server, with the session cookie: vCenter's
   * /folder file endpoint. The caller reads (or dumps) the body; the status is the caller's to judge.
   */
  async sessionRequest(operation: string, request: { readonly method: 'GET' | 'PUT' | 'HEAD' | 'DELETE'; readonly path: string; readonly body?: NodeJS.ReadableStream; readonly headers?: Readonly<Record<string, string>>; readonly bodyTimeoutMs?: number }): Promise<Response> {
    const started = performance.now();
    const report = this.options.onRequestDone;
    try {
      const response = await this.pool.request({
        path: request.path,
        method: request.method,
        ...(request.body ? { body: request.body as never } : {}),
        headers: { ...(request.headers ?? {}), ...(this.sessionCookie ? { cookie: this.sessionCookie } : {}) },
        ...(request.bodyTimeoutMs !== undefined ? { bodyTimeout: request.bodyTimeoutMs, headersTimeout: request.bodyTimeoutMs } : {}),
      });
      report?.({ operation, outcome: response.statusCode < 400 ? 'ok' : 'http', durationMs: performance.now() - started });
      return response;
    } catch (err) {
      report?.({ operation, outcome: 'network', durationMs: performance.now() - started });
      throw this.transportError(operation, err);
    }
  }

  /** Closes the connections; closing twice is harmless. */
  async close(): Promise<void> {
    this.sessionCookie = null;
    if (!this.pool.closed) await this.pool.close();
  }
}
