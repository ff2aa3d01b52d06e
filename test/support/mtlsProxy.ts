/**
 * A TLS front for the plain dev server, for testing mTLS the way a self-hosted cluster asks for
 * it: a private CA, a server certificate for 127.0.0.1, a client certificate the proxy demands,
 * and gRPC's HTTP/2 (ALPN h2) passed through to the dev server unchanged.
 */
import { webcrypto } from 'node:crypto';
import net from 'node:net';
import tls from 'node:tls';
import * as x509 from '@peculiar/x509';

x509.cryptoProvider.set(webcrypto as unknown as Parameters<typeof x509.cryptoProvider.set>[0]);

const ALGORITHM = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' } as const;
const DAY = 86_400_000;

export interface Pem {
  readonly cert: string;
  readonly key: string;
}

export interface TestPki {
  readonly ca: Pem;
  readonly server: Pem;
  readonly client: Pem;
}

async function keyPair(): Promise<webcrypto.CryptoKeyPair> {
  return (await webcrypto.subtle.generateKey(ALGORITHM, true, ['sign', 'verify'])) as webcrypto.CryptoKeyPair;
}

async function keyPem(key: webcrypto.CryptoKey): Promise<string> {
  const der = Buffer.from(await webcrypto.subtle.exportKey('pkcs8', key)).toString('base64');
  return `-----BEGIN PRIVATE KEY-----\n${der.replace(/(.{64})/g, '$1\n').replace(/\n?$/, '\n')}-----END PRIVATE KEY-----\n`;
}

let serial = 1;
const validity = () => ({ serialNumber: `0${serial++}`, notBefore: new Date(Date.now() - DAY), notAfter: new Date(Date.now() + 30 * DAY) });

export async function makeTestPki(): Promise<TestPki> {
  const caKeys = await keyPair();
  const caCert = await x509.X509CertificateGenerator.createSelfSigned({
    ...validity(), name: 'CN=vibflow test CA', keys: caKeys, signingAlgorithm: ALGORITHM,
    extensions: [
      new x509.BasicConstraintsExtension(true, 0, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
    ],
  });
  const leaf = async (subject: string, usage: string, names: x509.JsonGeneralNames): Promise<Pem> => {
    const keys = await keyPair();
    const cert = await x509.X509CertificateGenerator.create({
      ...validity(), subject, issuer: caCert.subject, publicKey: keys.publicKey, signingKey: caKeys.privateKey, signingAlgorithm: ALGORITHM,
      extensions: [
        new x509.BasicConstraintsExtension(false, undefined, true),
        new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
        new x509.ExtendedKeyUsageExtension([usage]),
        new x509.SubjectAlternativeNameExtension(names),
      ],
    });
    return { cert: cert.toString('pem'), key: await keyPem(keys.privateKey) };
  };
  return {
    ca: { cert: caCert.toString('pem'), key: await keyPem(caKeys.privateKey) },
    server: await leaf('CN=temporal.test', x509.ExtendedKeyUsage.serverAuth, [{ type: 'dns', value: 'temporal.test' }, { type: 'ip', value: '127.0.0.1' }]),
    client: await leaf('CN=vibflow worker', x509.ExtendedKeyUsage.clientAuth, [{ type: 'dns', value: 'vibflow.worker' }]),
  };
}

export interface MtlsProxy {
  /** host:port of the TLS endpoint */
  readonly address: string;
  /** TLS handshakes refused (e.g. no or wrong client certificate). */
  readonly refused: () => number;
  close(): Promise<void>;
}

export async function startMtlsProxy(target: string, pki: TestPki): Promise<MtlsProxy> {
  const [targetHost, targetPort] = [target.slice(0, target.lastIndexOf(':')), Number(target.slice(target.lastIndexOf(':') + 1))];
  const sockets = new Set<net.Socket>();
  let refused = 0;
  const server = tls.createServer({
    cert: pki.server.cert, key: pki.server.key, ca: pki.ca.cert,
    requestCert: true, rejectUnauthorized: true, ALPNProtocols: ['h2'],
  }, (front) => {
    const back = net.connect(targetPort, targetHost);
    for (const s of [front, back]) {
      sockets.add(s);
      s.once('close', () => sockets.delete(s));
      s.on('error', () => { front.destroy(); back.destroy(); });
    }
    front.pipe(back).pipe(front);
  });
  server.on('tlsClientError', () => refused++);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    address: `127.0.0.1:${(server.address() as net.AddressInfo).port}`,
    refused: () => refused,
    close: () => new Promise<void>((resolve) => {
      for (const s of sockets) s.destroy();
      server.close(() => resolve());
    }),
  };
}
