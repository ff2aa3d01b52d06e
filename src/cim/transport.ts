/**
 * CIM-XML over HTTP(S) with undici: one keep-alive pool per endpoint, HTTP Basic auth, TLS
 * verified by default (CA bundle, or a pinned SHA-256 thumbprint for self-signed ESXi
 * certificates), bounded response size, and typed errors that never carry the password.
 */
import { BodyTooLarge, readBoundedBody } from '../http/boundedBody';
import type { Pool } from 'undici';
import { endpointPool } from '../http/endpointPool';
import { errorCode, errorMessage, requestMayHaveReachedServer, tlsConnector, tlsFailure, TlsOptionsError, type TlsOptions } from '../tls';
import { decodeResponse } from './decode';
import { encodeRequest } from './encode';
import { CimAuthError, CimClientError, CimError, CimHttpError, CimProtocolError, CimTlsError, CimTransportError } from './errors';
import type { CimRequest, CimResult } from './messages';

/** How the CIM client verifies the server's certificate (see src/tls). */
export type CimTlsOptions = TlsOptions;
export { normalizeThumbprint } from '../tls';

export interface CimEndpointOptions {
  readonly url: string;
  readonly user: string;
  readonly password: string;
  readonly tls?: CimTlsOptions;
  /** Plain http:// is refused unless this is true. */
  readonly allowHttp?: boolean;
  readonly defaultNamespace?: string;
  readonly connectTimeoutMs?: number;
  /** Bound on waiting for the response headers, and for the body. */
  readonly requestTimeoutMs?: number;
  readonly maxResponseBytes?: number;
  readonly connections?: number;
  /** Told of every request when it ends (metrics): operation, outcome and duration. */
  readonly onRequestDone?: (done: CimRequestDone) => void;
}

export type CimRequestOutcome = 'ok' | 'cim-error' | 'auth' | 'tls' | 'transport' | 'http' | 'protocol' | 'client';

export interface CimRequestDone {
  readonly operation: string;
  readonly outcome: CimRequestOutcome;
  readonly durationMs: number;
}

function outcomeOf(err: unknown): CimRequestOutcome {
  if (err instanceof CimError) return 'cim-error';
  if (err instanceof CimAuthError) return 'auth';
  if (err instanceof CimTlsError) return 'tls';
  if (err instanceof CimTransportError) return 'transport';
  if (err instanceof CimHttpError) return 'http';
  if (err instanceof CimProtocolError) return 'protocol';
  return 'client';
}

const DEFAULT_PATH = '/cimom';
const DEFAULT_MAX_RESPONSE_BYTES = 16 * 1024 * 1024;
const RETRYABLE_ON_STALE_SOCKET = new Set(['UND_ERR_SOCKET', 'ECONNRESET', 'EPIPE']);

export class CimTransport {
  readonly host: string;
  private readonly pool: Pool;
  private readonly path: string;
  private readonly authorization: string;
  private readonly requestTimeoutMs: number;
  private readonly maxResponseBytes: number;
  private nextMessageId = 1000;

  constructor(private readonly options: CimEndpointOptions) {
    const url = new URL(options.url);
    this.host = url.host;
    if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new CimClientError('connect', this.host, `unsupported URL scheme ${url.protocol}`);
    if (url.protocol === 'http:' && !options.allowHttp) {
      throw new CimClientError('connect', this.host, 'plain http:// is refused; use https:// or allow http explicitly');
    }
    this.path = url.pathname && url.pathname !== '/' ? url.pathname : DEFAULT_PATH;
    const connectTimeoutMs = options.connectTimeoutMs ?? 10_000;
    this.requestTimeoutMs = options.requestTimeoutMs ?? 60_000;
    this.maxResponseBytes = options.maxResponseBytes ?? DEFAULT_MAX_RESPONSE_BYTES;
    this.authorization = `Basic ${Buffer.from(`${options.user}:${options.password}`).toString('base64')}`;
    this.pool = endpointPool(url.origin, {
      connections: options.connections,
      requestTimeoutMs: this.requestTimeoutMs,
      connect: url.protocol === 'https:' ? this.tlsConnect(options.tls, connectTimeoutMs) : { timeout: connectTimeoutMs },
    });
  }

  async execute(request: CimRequest): Promise<CimResult> {
    const operation = request.kind === 'InvokeMethod' ? request.methodName : request.kind;
    const started = performance.now();
    const report = this.options.onRequestDone;
    try {
      const result = await this.sendOnce(request, operation);
      report?.({ operation, outcome: 'ok', durationMs: performance.now() - started });
      return result;
    } catch (err) {
      report?.({ operation, outcome: outcomeOf(err), durationMs: performance.now() - started });
      throw err;
    }
  }

  private async sendOnce(request: CimRequest, operation: string): Promise<CimResult> {
    try {
      return await this.send(request, operation);
    } catch (err) {
      // A keep-alive socket the server had already closed fails before the request is processed;
      // reads are safe to send once more. A method call is never repeated here.
      if (request.kind !== 'InvokeMethod' && err instanceof CimTransportError && RETRYABLE_ON_STALE_SOCKET.has(err.code ?? '')) {
        return this.send(request, operation);
      }
      throw err;
    }
  }

  private async send(request: CimRequest, operation: string): Promise<CimResult> {
    const messageId = String(this.nextMessageId++);
    const { body, headers } = encodeRequest(request, messageId);
    const payload = Buffer.from(body, 'utf8');
    let response: Awaited<ReturnType<Pool['request']>>;
    try {
      response = await this.pool.request({
        path: this.path,
        method: 'POST',
        body: payload,
        headers: {
          'content-type': 'application/xml; charset="utf-8"',
          'content-length': String(payload.byteLength),
          authorization: this.authorization,
          cimprotocolversion: '1.0',
          cimoperation: headers.CIMOperation,
          cimmethod: headers.CIMMethod,
          cimobject: headers.CIMObject,
        },
      });
    } catch (err) {
      throw this.transportError(operation, err);
    }
    const responseBody = await this.readBody(operation, response);
    if (response.statusCode === 401) {
      throw new CimAuthError(operation, this.host, `authentication failed for user "${this.options.user}" (HTTP 401)`);
    }
    if (response.statusCode !== 200) {
      const cimError = response.headers.cimerror;
      throw new CimHttpError(operation, this.host, response.statusCode, Array.isArray(cimError) ? cimError[0] : cimError);
    }
    const contentType = String(response.headers['content-type'] ?? '');
    if (!/^(application|text)\/xml\b/i.test(contentType)) {
      throw new CimProtocolError(operation, this.host, `response Content-Type is "${contentType}", not XML`);
    }
    const decoded = decodeResponse(responseBody, { kind: request.kind, ...(request.kind === 'InvokeMethod' ? { methodName: request.methodName } : {}) }, { host: this.host, maxBytes: this.maxResponseBytes });
    if (!decoded.ok) {
      throw new CimError(operation, this.host, decoded.error.code, decoded.error.description ?? '', decoded.error.instances ?? []);
    }
    return decoded.result;
  }

  private async readBody(operation: string, response: Awaited<ReturnType<Pool['request']>>): Promise<Buffer> {
    try {
      return await readBoundedBody(response, this.maxResponseBytes);
    } catch (err) {
      if (err instanceof BodyTooLarge) throw new CimProtocolError(operation, this.host, err.message);
      throw this.transportError(operation, err);
    }
  }

  private tlsConnect(tls: TlsOptions | undefined, timeoutMs: number): Pool.Options['connect'] {
    try {
      return tlsConnector(tls, timeoutMs);
    } catch (err) {
      if (err instanceof TlsOptionsError) throw new CimClientError('connect', this.host, err.message);
      throw err;
    }
  }

  private transportError(operation: string, err: unknown): CimTransportError {
    const tls = tlsFailure(err);
    if (tls) return new CimTlsError(operation, this.host, tls.detail, tls.reason, tls.code);
    const code = errorCode(err);
    const message = errorMessage(err);
    return new CimTransportError(operation, this.host, message, {
      ...(code ? { code } : {}),
      requestMayHaveReachedServer: requestMayHaveReachedServer(code),
    });
  }

  async close(): Promise<void> {
    await this.pool.close();
  }
}
