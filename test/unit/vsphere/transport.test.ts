/**
 * The SOAP transport on the wire: a recording HTTPS proxy in front of vcsim shows what the client
 * sends (path, SOAPAction, cookie) and can answer in vcsim's place to misbehave (silence, huge or
 * non-XML bodies, HTTP errors, a fault that echoes the password).
 */
import type { ServerResponse } from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { makeHostCertificate, type HostCertificate } from '../../../src/simulator/certificates';
import { VsphereClient, VsphereFault, VsphereHttpError, VsphereProtocolError, VsphereTransportError, type VsphereLoginOptions } from '../../../src/vsphere';
import { startVcsim, type Vcsim } from '../../support/vcsim';
import { failure } from '../../support/failure';

interface Recorded {
  readonly path: string;
  readonly headers: Record<string, string | string[] | undefined>;
  readonly body: string;
}

/** Answers in vcsim's place when it returns true. */
type Override = (request: Recorded, response: ServerResponse) => boolean;

interface Proxy {
  readonly address: string;
  readonly requests: Recorded[];
  override: Override;
  close(): Promise<void>;
}

let sim: Vcsim;
let certificate: HostCertificate;
let proxy: Proxy;

async function startProxy(target: Vcsim): Promise<Proxy> {
  const [targetHost, targetPort] = target.address.split(':');
  const requests: Recorded[] = [];
  const state: { override: Override } = { override: () => false };
  const server = https.createServer({ cert: certificate.certPem, key: certificate.keyPem }, (req, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk.toString()));
    req.on('end', () => {
      const recorded = { path: req.url ?? '', headers: { ...req.headers }, body };
      requests.push(recorded);
      if (state.override(recorded, res)) return;
      const upstream = https.request(
        { host: targetHost, port: Number(targetPort), path: req.url, method: req.method, headers: { ...req.headers, host: target.address }, rejectUnauthorized: false, agent: false },
        (answer) => {
          res.writeHead(answer.statusCode ?? 502, answer.headers);
          answer.pipe(res);
        },
      );
      upstream.on('error', () => res.destroy());
      upstream.end(body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    address: `127.0.0.1:${(server.address() as AddressInfo).port}`,
    requests,
    get override() {
      return state.override;
    },
    set override(override: Override) {
      state.override = override;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

beforeAll(async () => {
  certificate = await makeHostCertificate('vc-proxy', '127.0.0.1');
  sim = await startVcsim();
}, 180_000);

afterAll(async () => {
  await sim?.stop();
});

beforeEach(async () => {
  proxy = await startProxy(sim);
});

afterEach(async () => {
  await proxy.close();
});

const methodOf = (request: Recorded) => /<soapenv:Body><(\w+)/.exec(request.body)?.[1];

function login(extra: Partial<VsphereLoginOptions> = {}): Promise<VsphereClient> {
  return VsphereClient.login({ url: `https://${proxy.address}`, user: sim.user, password: sim.password, tls: { thumbprint: certificate.thumbprint }, ...extra });
}

it('posts text/xml to /sdk, names the API version in SOAPAction once known, and returns the session cookie', async () => {
  const client = await login();
  await client.listClusters();
  await client.close();

  expect(proxy.requests.map(methodOf)).toEqual(['RetrieveServiceContent', 'Login', 'RetrievePropertiesEx', 'Logout']);
  for (const request of proxy.requests) {
    expect(request.path).toBe('/sdk');
    expect(request.headers['content-type']).toBe('text/xml; charset=utf-8');
  }
  const [serviceContent, loginRequest, ...session] = proxy.requests as [Recorded, Recorded, ...Recorded[]];
  expect(serviceContent.headers.soapaction).toBe('urn:vim25');
  expect(loginRequest.headers.soapaction).toBe(`urn:vim25/${client.about.apiVersion}`);
  expect(loginRequest.headers.cookie).toBeUndefined();
  const cookies = session.map((r) => r.headers.cookie);
  expect(cookies[0]).toMatch(/^vmware_soap_session=[^;\s]+$/);
  expect(new Set(cookies).size).toBe(1);
});

it('bounds the wait for an answer, saying the request may have reached vCenter', async () => {
  proxy.override = (request) => methodOf(request) === 'RetrieveServiceContent'; // and never answer
  const started = Date.now();
  const err = await failure(login({ requestTimeoutMs: 300 }));
  expect(Date.now() - started).toBeLessThan(3_000);
  expect(err).toBeInstanceOf(VsphereTransportError);
  expect(err).toMatchObject({ requestMayHaveReachedServer: true, category: 'network', retryable: true, code: 'UND_ERR_HEADERS_TIMEOUT' });
  expect(err.message).toMatch(new RegExp(`^RetrieveServiceContent on ${proxy.address} failed: no complete answer from vCenter`));
});

it('refuses a 50 MB answer without reading it', async () => {
  proxy.override = (_request, res) => {
    res.writeHead(200, { 'content-type': 'text/xml', 'content-length': String(50 * 1024 * 1024) });
    res.write(Buffer.alloc(64 * 1024, 32));
    return true;
  };
  const err = await failure(login());
  expect(err).toBeInstanceOf(VsphereProtocolError);
  expect(err.message).toMatch(/response of 52428800 bytes exceeds the limit of 33554432/);
});

it('types HTTP errors and answers that are not XML', async () => {
  proxy.override = (_request, res) => {
    res.writeHead(503, { 'content-length': '0' }).end();
    return true;
  };
  expect(await failure(login())).toMatchObject({ constructor: VsphereHttpError, status: 503, category: 'server-error', retryable: true });

  proxy.override = (_request, res) => {
    res.writeHead(200, { 'content-type': 'text/html', 'content-length': '6' }).end('<html>');
    return true;
  };
  const notXml = await failure(login());
  expect(notXml).toBeInstanceOf(VsphereProtocolError);
  expect(notXml.message).toMatch(/Content-Type is "text\/html", not XML/);

  proxy.override = () => false;
  const wrongPath = await failure(login({ url: `https://${proxy.address}/no-such-endpoint` }));
  expect(wrongPath).toMatchObject({ constructor: VsphereHttpError, status: 404, category: 'http', retryable: false });
});

it('never lets a fault text echo the password', async () => {
  proxy.override = (request, res) => {
    if (methodOf(request) !== 'Login') return false;
    const echoed = /<password>([^<]*)<\/password>/.exec(request.body)?.[1] ?? '';
    const body =
      '<?xml version="1.0" encoding="UTF-8"?><soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"><soapenv:Body>' +
      `<soapenv:Fault><faultcode>ServerFaultCode</faultcode><faultstring>Cannot parse password ${echoed}</faultstring><detail><InvalidRequestFault xmlns="urn:vim25" xsi:type="InvalidRequest"/></detail></soapenv:Fault>` +
      '</soapenv:Body></soapenv:Envelope>';
    res.writeHead(500, { 'content-type': 'text/xml; charset=utf-8', 'content-length': Buffer.byteLength(body) }).end(body);
    return true;
  };
  const err = await failure(login());
  expect(err).toBeInstanceOf(VsphereFault);
  expect(err).toMatchObject({ faultType: 'InvalidRequest', faultMessage: 'Cannot parse password [redacted]' });
  expect(`${err.message}${err.stack}${JSON.stringify(err)}`).not.toContain(sim.password);
});
