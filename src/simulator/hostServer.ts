/**
 * The CIM server of one simulated host: POST /cimom over HTTP(S), HTTP Basic auth (the root
 * password, or a CIM services ticket from vCenter as user name and password), SFCB's header rules (411 without Content-Length, 417 on Expect, 400 + CIMError on bad headers), its
 * keep-alive limits, and injected transport faults.
 */
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo, Socket } from 'node:net';
import { checkRequestHeaders, decodeRequest } from '../cim/decode';
import { encodeResponse } from '../cim/encode';
import { CimProtocolError } from '../cim/errors';
import type { CimResponse } from '../cim/messages';
import { CIM_STATUS } from '../cim/types';
import type { HostCertificate } from './certificates';
import { CimStatus, handleCimRequest } from './cimHandler';
import type { FleetBehaviour, SimulatedHost } from './host';

export type Fault = 'reset' | 'http-500' | 'http-503' | 'slow' | 'lost-response';
const FAULTS: readonly Fault[] = ['reset', 'http-500', 'http-503', 'slow', 'lost-response'];
const MAX_REQUEST_BYTES = 1024 * 1024;
const SLOW_RESPONSE_MS = 1_500;

export interface HostServerOptions {
  readonly ip: string;
  readonly port: number;
  readonly certificate?: HostCertificate;
  readonly user: string;
  readonly password: string;
  readonly behaviour: FleetBehaviour;
  /** Returns a fault to inject into this request, or undefined. */
  readonly pickFault: () => Fault | undefined;
}

export { FAULTS };

export class HostServer {
  private server: http.Server;
  private readonly sockets = new Set<Socket>();
  private rebootTimer: NodeJS.Timeout | undefined;
  port = 0;
  private readonly expectedAuthorization: string;

  constructor(readonly host: SimulatedHost, private readonly options: HostServerOptions) {
    this.expectedAuthorization = `Basic ${Buffer.from(`${options.user}:${options.password}`).toString('base64')}`;
    this.server = this.createServer();
  }

  /** True while a simulated reboot keeps the CIM server away. */
  down = false;

  get thumbprint(): string | undefined {
    return this.options.certificate?.thumbprint;
  }

  /** The certificate as vCenter knows it (config.certificate). */
  get certificatePem(): string | undefined {
    return this.options.certificate?.certPem;
  }

  get url(): string {
    return `${this.options.certificate ? 'https' : 'http'}://${this.options.ip}:${this.port}`;
  }

  private createServer(): http.Server {
    // A client that vanishes mid-request (a killed worker, a fault, shutdown) just ends that request.
    const handler = (req: http.IncomingMessage, res: http.ServerResponse) => void this.handle(req, res).catch(() => res.destroy());
    const server = this.options.certificate
      ? https.createServer({ cert: this.options.certificate.certPem, key: this.options.certificate.keyPem }, handler)
      : http.createServer(handler);
    // SFCB keeps a connection 15 s / 10 requests; clients must reconnect transparently.
    server.keepAliveTimeout = 15_000;
    server.maxRequestsPerSocket = 10;
    server.on('checkContinue', (_req, res) => {
      res.writeHead(417).end();
    });
    server.on('connection', (socket: Socket) => {
      this.sockets.add(socket);
      socket.once('close', () => this.sockets.delete(socket));
    });
    return server;
  }

  async listen(port = this.options.port): Promise<void> {
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(port, this.options.ip, () => {
        this.server.off('error', reject);
        resolve();
      });
    });
    this.port = (this.server.address() as AddressInfo).port;
  }

  private dropConnections(): void {
    for (const socket of this.sockets) socket.destroy();
  }

  /** Gone for `seconds` (connections refused), then back on the same address and port. */
  reboot(seconds: number): void {
    this.host.reboot();
    this.down = true;
    clearTimeout(this.rebootTimer);
    this.server.close();
    this.dropConnections();
    this.rebootTimer = setTimeout(() => {
      this.server = this.createServer();
      void this.listen(this.port).then(() => {
        this.down = false;
      });
    }, seconds * 1000);
  }

  async close(): Promise<void> {
    clearTimeout(this.rebootTimer);
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    this.dropConnections();
    await closed.catch(() => undefined);
  }

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    if (req.method !== 'POST') return void res.writeHead(405, { allow: 'POST' }).end();
    if ((req.url ?? '').split('?')[0] !== '/cimom') return void res.writeHead(404).end();
    if (req.headers['content-length'] === undefined) return void res.writeHead(411).end();
    if (!this.authorized(req.headers.authorization)) {
      return void res.writeHead(401, { 'www-authenticate': 'Basic realm="cimom"', 'content-length': '0' }).end();
    }
    const fault = this.options.pickFault();
    if (fault) this.host.counters.faultsInjected++;
    if (fault === 'reset') return void req.socket.destroy();
    if (fault === 'http-500' || fault === 'http-503') {
      return void res.writeHead(fault === 'http-500' ? 500 : 503, { 'content-length': '0' }).end();
    }
    if (fault === 'slow') await new Promise((resolve) => setTimeout(resolve, SLOW_RESPONSE_MS));

    const body = await this.readBody(req);
    if (body === undefined) return void res.writeHead(413, { 'content-length': '0' }).end();
    let decoded: ReturnType<typeof decodeRequest>;
    try {
      decoded = decodeRequest(body, { host: this.host.name });
    } catch (err) {
      const cimError = err instanceof CimProtocolError ? err.cimErrorHeader : 'request-not-well-formed';
      return void res.writeHead(400, { cimerror: cimError, 'content-length': '0' }).end();
    }
    const headerProblem = checkRequestHeaders(req.headers, decoded.request);
    if (headerProblem) return void res.writeHead(400, { cimerror: headerProblem, 'content-length': '0' }).end();

    const { request, messageId } = decoded;
    const operation = request.kind === 'InvokeMethod' ? request.methodName : request.kind;
    this.host.counters.operations[operation] = (this.host.counters.operations[operation] ?? 0) + 1;
    this.host.counters.lastRequestAt[operation] = Date.now();
    let response: CimResponse;
    try {
      response = { ok: true, messageId, result: await handleCimRequest(this.host, request) };
    } catch (err) {
      const status = err instanceof CimStatus ? err : new CimStatus(CIM_STATUS.FAILED, (err as Error).message);
      response = { ok: false, messageId, kind: request.kind, ...(request.kind === 'InvokeMethod' ? { methodName: request.methodName } : {}), error: { code: status.code, description: status.description } };
    }
    const startedJob = request.kind === 'InvokeMethod' && response.ok;
    if (startedJob && this.options.behaviour.invokeDelayMs > 0) {
      await new Promise((resolve) => setTimeout(resolve, this.options.behaviour.invokeDelayMs));
    }
    // The host did the work; the answer never arrives: the ambiguous case clients must survive.
    if (fault === 'lost-response') return void req.socket.destroy();
    const xml = Buffer.from(encodeResponse(response, request.kind === 'InvokeMethod' ? (request.objectName.namespace ?? 'root/cimv2') : request.namespace), 'utf8');
    if (res.destroyed) return;
    res.writeHead(200, {
      'content-type': 'application/xml; charset="utf-8"',
      'content-length': String(xml.byteLength),
      cimoperation: 'MethodResponse',
    });
    res.end(xml);
  }

  private authorized(authorization: string | undefined): boolean {
    if (authorization === this.expectedAuthorization) return true;
    const basic = /^Basic (.+)$/i.exec(authorization ?? '');
    const decoded = basic ? Buffer.from(basic[1], 'base64').toString('utf8') : '';
    const colon = decoded.indexOf(':');
    // A ticket is sent as both user name and password.
    const ticket = colon > 0 && decoded.slice(0, colon) === decoded.slice(colon + 1) ? decoded.slice(0, colon) : undefined;
    return ticket !== undefined && this.host.acceptTicket(ticket);
  }

  private async readBody(req: http.IncomingMessage): Promise<Buffer | undefined> {
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of req) {
      size += (chunk as Buffer).byteLength;
      if (size > MAX_REQUEST_BYTES) return undefined;
      chunks.push(chunk as Buffer);
    }
    return Buffer.concat(chunks, size);
  }
}
