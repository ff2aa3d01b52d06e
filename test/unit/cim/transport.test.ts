/** The CIM client's HTTP behaviour against real servers on loopback. */
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { CimClient } from '../../../src/cim/client';
import { encodeResponse } from '../../../src/cim/encode';
import { CimAuthError, CimClientError, CimHttpError, CimProtocolError, CimTlsError, CimTransportError } from '../../../src/cim/errors';
import type { CimInstanceName } from '../../../src/cim/types';
import { makeHostCertificate, type HostCertificate } from '../../../src/simulator/certificates';
import { failure } from '../../support/failure';

const PASSWORD = 's3cret-Pa55';
const job: CimInstanceName = { className: 'VMware_ConcreteJob', keys: { InstanceID: 'j:1' }, namespace: 'root/cimv2' };
const OK_BODY = encodeResponse({
  ok: true,
  messageId: '1',
  result: { kind: 'GetInstance', instance: { className: 'VMware_ConcreteJob', properties: { PercentComplete: { name: 'PercentComplete', type: 'uint16', value: 10 } } } },
});

type Handler = (req: http.IncomingMessage, res: http.ServerResponse, body: string) => void;

interface TestServer {
  url: string;
  connections: number;
  requests: http.IncomingHttpHeaders[];
  close(): Promise<void>;
}

const answerOk: Handler = (_req, res) => {
  res.writeHead(200, { 'content-type': 'application/xml; charset="utf-8"', 'content-length': Buffer.byteLength(OK_BODY) }).end(OK_BODY);
};

async function serve(handler: Handler = answerOk, options: { tls?: HostCertificate; configure?: (s: http.Server) => void } = {}): Promise<TestServer> {
  const state = { connections: 0, requests: [] as http.IncomingHttpHeaders[] };
  const listener = (req: http.IncomingMessage, res: http.ServerResponse) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      state.requests.push(req.headers);
      handler(req, res, body);
    });
  };
  const server = options.tls ? https.createServer({ cert: options.tls.certPem, key: options.tls.keyPem }, listener) : http.createServer(listener);
  options.configure?.(server);
  server.on('connection', () => state.connections++);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `${options.tls ? 'https' : 'http'}://127.0.0.1:${port}`,
    get connections() {
      return state.connections;
    },
    requests: state.requests,
    close: () => new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
}

const clients: CimClient[] = [];
const servers: TestServer[] = [];
function client(url: string, extra: Partial<ConstructorParameters<typeof CimClient>[0]> = {}): CimClient {
  const c = new CimClient({ url, user: 'root', password: PASSWORD, allowHttp: true, ...extra });
  clients.push(c);
  return c;
}
async function server(handler?: Handler, options?: Parameters<typeof serve>[1]): Promise<TestServer> {
  const s = await serve(handler, options);
  servers.push(s);
  return s;
}

afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.close()));
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

describe('CimClient over HTTP', () => {
  it('reuses keep-alive connections, sends Content-Length and CIM headers, never Expect', async () => {
    const s = await server();
    const c = client(s.url);
    for (let i = 0; i < 20; i++) expect((await c.getInstance(job)).properties.PercentComplete.value).toBe(10);
    // The pool may open a second socket when a request arrives a tick before the first is freed.
    expect(s.connections).toBeLessThanOrEqual(2);
    expect(s.requests).toHaveLength(20);
    for (const headers of s.requests) {
      expect(headers['content-length']).toMatch(/^\d+$/);
      expect(headers.expect).toBeUndefined();
      expect(headers.cimoperation).toBe('MethodCall');
      expect(headers.cimmethod).toBe('GetInstance');
      expect(headers.cimobject).toBe('root%2Fcimv2');
      expect(headers.authorization).toBe(`Basic ${Buffer.from(`root:${PASSWORD}`).toString('base64')}`);
    }
  });

  it('reconnects transparently when the server closes connections (SFCB: 10 requests per connection)', async () => {
    const s = await server(answerOk, { configure: (srv) => (srv.maxRequestsPerSocket = 2) });
    const c = client(s.url);
    for (let i = 0; i < 7; i++) await c.getInstance(job);
    expect(s.connections).toBeGreaterThanOrEqual(4);
  });

  it('reconnects after the server dropped an idle connection', async () => {
    const s = await server(answerOk, { configure: (srv) => (srv.keepAliveTimeout = 100) });
    const c = client(s.url);
    await c.getInstance(job);
    await new Promise((r) => setTimeout(r, 300));
    await c.getInstance(job);
    expect(s.connections).toBe(2);
  });

  it('turns 401 into an authentication error that names the user and never the password', async () => {
    const s = await server((_req, res) => res.writeHead(401, { 'www-authenticate': 'Basic realm="cimom"', 'content-length': '0' }).end());
    const err = await failure(client(s.url).getInstance(job));
    expect(err).toBeInstanceOf(CimAuthError);
    expect(err.message).toBe(`GetInstance on ${new URL(s.url).host} failed: authentication failed for user "root" (HTTP 401)`);
    expect(JSON.stringify(err) + err.message + err.stack).not.toContain(PASSWORD);
  });

  it('carries the status and the CIMError header of other HTTP errors', async () => {
    const s = await server((_req, res) => res.writeHead(400, { cimerror: 'header-mismatch', 'content-length': '0' }).end());
    const err = await failure(client(s.url).getInstance(job));
    expect(err).toBeInstanceOf(CimHttpError);
    expect(err).toMatchObject({ status: 400, cimErrorHeader: 'header-mismatch' });
  });

  it('times out a server that never answers, saying the request may have reached it', async () => {
    const s = await server(() => undefined);
    const err = await failure(client(s.url, { requestTimeoutMs: 300 }).getInstance(job));
    expect(err).toBeInstanceOf(CimTransportError);
    expect(err).toMatchObject({ requestMayHaveReachedServer: true });
  });

  it('refuses a 50 MB response without reading it all', async () => {
    const s = await server((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/xml', 'content-length': String(50 * 1024 * 1024) });
      res.write(Buffer.alloc(64 * 1024, 32));
    });
    const err = await failure(client(s.url).getInstance(job));
    expect(err).toBeInstanceOf(CimProtocolError);
    expect(err.message).toMatch(/52428800 bytes exceeds the limit/);
  });

  it('refuses a streamed body that grows past the limit', async () => {
    const s = await server((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/xml' });
      res.end(Buffer.alloc(2 * 1024 * 1024, 32));
    });
    const err = await failure(client(s.url, { maxResponseBytes: 1024 * 1024 }).getInstance(job));
    expect(err).toBeInstanceOf(CimProtocolError);
    expect(err.message).toMatch(/exceeds the limit of 1048576 bytes/);
  });

  it('refuses an answer that is not XML', async () => {
    const s = await server((_req, res) => res.writeHead(200, { 'content-type': 'text/html', 'content-length': '6' }).end('<html>'));
    expect(await failure(client(s.url).getInstance(job))).toBeInstanceOf(CimProtocolError);
  });

  it('reports a refused connection as never having reached the server', async () => {
    const s = await server();
    const url = s.url;
    await s.close();
    servers.pop();
    const err = await failure(client(url).getInstance(job));
    expect(err).toBeInstanceOf(CimTransportError);
    expect(err).toMatchObject({ code: 'ECONNREFUSED', requestMayHaveReachedServer: false });
  });

  it('refuses plain http unless allowed', () => {
    expect(() => new CimClient({ url: 'http://127.0.0.1:5988', user: 'root', password: PASSWORD })).toThrow(CimClientError);
    expect(() => new CimClient({ url: 'http://127.0.0.1:5988', user: 'root', password: PASSWORD })).toThrow(/plain http:\/\/ is refused/);
  });
});

describe('CimClient over HTTPS', () => {
  let certificate: HostCertificate;
  beforeAll(async () => {
    certificate = await makeHostCertificate('esx-test', '127.0.0.1');
  });

  it('connects when the pinned thumbprint matches (any case, with or without colons)', async () => {
    const s = await server(answerOk, { tls: certificate });
    await client(s.url, { tls: { thumbprint: certificate.thumbprint } }).getInstance(job);
    await client(s.url, { tls: { thumbprint: certificate.thumbprint.replace(/:/g, '').toLowerCase() } }).getInstance(job);
  });

  it('refuses a certificate whose thumbprint does not match the pin, before sending anything', async () => {
    const s = await server(answerOk, { tls: certificate });
    const err = await failure(client(s.url, { tls: { thumbprint: 'AB'.repeat(32) } }).getInstance(job));
    expect(err).toBeInstanceOf(CimTlsError);
    expect(err).toMatchObject({ reason: 'thumbprint-mismatch', requestMayHaveReachedServer: false });
    expect(err.message).toContain(certificate.thumbprint.replace(/:/g, ''));
    expect(s.requests).toHaveLength(0);
  });

  it('refuses a self-signed certificate that is neither pinned nor trusted, and says what to do', async () => {
    const s = await server(answerOk, { tls: certificate });
    const err = await failure(client(s.url).getInstance(job));
    expect(err).toBeInstanceOf(CimTlsError);
    expect(err).toMatchObject({ reason: 'untrusted-certificate' });
    expect(err.message).toMatch(/pin its thumbprint, give a CA bundle, or opt in to insecure/);
  });

  it('trusts the certificate given as a CA, and skips checks only when asked', async () => {
    const s = await server(answerOk, { tls: certificate });
    await client(s.url, { tls: { ca: certificate.certPem } }).getInstance(job);
    await client(s.url, { tls: { insecure: true } }).getInstance(job);
  });
});
