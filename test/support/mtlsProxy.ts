/**
 * A TLS front for the plain dev server, for testing mTLS the way a self-hosted cluster asks for
 * it: a private CA, a server certificate for 127.0.0.1, a client certificate the proxy demands,
 * and gRPC's HTTP/2 (ALPN h2) passed through to the dev server unchanged.
 */
import net from 'node:net';
import tls from 'node:tls';
import * as x509 from '@peculiar/x509';
import { newKeyPair, privateKeyPem, SIGNING_ALGORITHM } from '../../src/simulator/certificates';

const DAY = 86_400_000;

export interface Pem {
  readonly cert: string;
  readonly key: string;
}

export interface TestPki {
  /** The CA certificate (its key signs the leaves and is not kept). */
  readonly caCert: string;
  readonly server: Pem;
  readonly client: Pem;
}

let serial = 1;
const validity = () => ({ serialNumber: `0${serial++}`, notBefore: new Date(Date.now() - DAY), notAfter: new Date(Date.now() + 30 * DAY) });

export async function makeTestPki(): Promise<TestPki> {
  const caKeys = await newKeyPair();
  const caCert = await x509.X509CertificateGenerator.createSelfSigned({
    ...validity(), name: 'CN=vibflow test CA', keys: caKeys, signingAlgorithm: SIGNING_ALGORITHM,
    extensions: [
      new x509.BasicConstraintsExtension(true, 0, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
    ],
  });
  const leaf = async (subject: string, usage: string, names: x509.JsonGeneralNames): Promise<Pem> => {
    const keys = await newKeyPair();
    const cert = await x509.X509CertificateGenerator.create({
      ...validity(), subject, issuer: caCert.subject, publicKey: keys.publicKey, signingKey: caKeys.privateKey, signingAlgorithm: SIGNING_ALGORITHM,
      extensions: [
        new x509.BasicConstraintsExtension(false, undefined, true),
        new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
        new x509.ExtendedKeyUsageExtension([usage]),
        new x509.SubjectAlternativeNameExtension(names),
      ],
    });
    return { cert: cert.toString('pem'), key: await privateKeyPem(keys.privateKey) };
  };
  return {
    caCert: caCert.toString('pem'),
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
    cert: pki.server.cert, key: pki.server.key, ca: pki.caCert,
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
