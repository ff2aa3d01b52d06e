/**
 * VMware's vCenter simulator (govmomi vcsim), built from source like the temporal CLI, run on
 * loopback for a test file: default model (1 datacenter, 1 cluster of 3 hosts, 1 standalone
 * host), a user and password of the test's choosing, and its TLS certificate's thumbprint so
 * clients pin it. `-stdinexit` ties its life to ours: when this process dies, its stdin closes.
 */
import { spawn } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import https from 'node:https';
import type { TLSSocket } from 'node:tls';
import { projectGoTool } from '../../src/devserver/goTool';
import { waitFor } from './waitFor';

export const VCSIM_MODULE = 'github.com/vmware/govmomi/vcsim@v0.46.3';
/** VMware's own vSphere CLI, the independent client the extended simulator is tested with. */
export const GOVC_MODULE = 'github.com/vmware/govmomi/govc@v0.46.3';

export interface VcsimOptions {
  readonly user?: string;
  readonly password?: string;
  /** Milliseconds per method or task name, vcsim's -method-delay (e.g. { EnterMaintenanceMode: 2000 } keeps that task running). */
  readonly methodDelay?: Readonly<Record<string, number>>;
}

export interface Vcsim {
  /** https://127.0.0.1:PORT/sdk */
  readonly url: string;
  /** 127.0.0.1:PORT, as the client's errors name it. */
  readonly address: string;
  readonly user: string;
  readonly password: string;
  /** SHA-256 of its certificate, uppercase hex with colons (as vCenter shows thumbprints). */
  readonly thumbprint: string;
  /** Its (self-signed) certificate, to trust as a CA. */
  readonly certificatePem: string;
  readonly pid: number;
  stop(): Promise<void>;
}

/** The project's vcsim binary, built with Go on first use. */
export function vcsimBinary(): string {
  const binary = projectGoTool('vcsim', VCSIM_MODULE, (line) => process.stderr.write(`${line}\n`));
  if (!binary) throw new Error(`vcsim is built from source with Go (go install ${VCSIM_MODULE}); no Go toolchain found on PATH`);
  return binary;
}

interface PresentedCertificate {
  readonly thumbprint: string;
  readonly pem: string;
}

/** Answers once the server speaks HTTPS: the status does not matter (GET /sdk is 405), the certificate does. */
function presentedCertificate(address: string): Promise<PresentedCertificate> {
  const [hostname, port] = address.split(':');
  return new Promise((resolve, reject) => {
    const request = https.get({ hostname, port: Number(port), path: '/sdk', rejectUnauthorized: false, agent: false, timeout: 2_000 }, (response) => {
      const certificate = (response.socket as TLSSocket).getPeerCertificate();
      response.resume();
      if (!certificate.raw) return reject(new Error('vcsim presented no certificate'));
      resolve({ thumbprint: certificate.fingerprint256, pem: new X509Certificate(certificate.raw).toString() });
    });
    request.on('timeout', () => request.destroy(new Error('no answer in 2 s')));
    request.on('error', reject);
  });
}

export async function startVcsim(options: VcsimOptions = {}): Promise<Vcsim> {
  const user = options.user ?? 'vibflow-test';
  const password = options.password ?? 'vcsim-Pa55-not-a-secret';
  const delays = Object.entries(options.methodDelay ?? {}).map(([method, ms]) => `${method}:${ms}`);
  // Port 0: the kernel picks a free port atomically and vcsim prints the one it got.
  const args = ['-l', '127.0.0.1:0', '-username', user, '-password', password, '-stdinexit', ...(delays.length ? ['-method-delay', delays.join(',')] : [])];
  const child = spawn(vcsimBinary(), args, { stdio: ['pipe', 'pipe', 'pipe'] });
  let output = '';
  const onOutput = (chunk: Buffer) => (output += chunk.toString());
  child.stdout.on('data', onOutput);
  child.stderr.on('data', onOutput);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  // vcsim prints its URL with the password in it; nothing of its output is shown without redaction.
  const shown = () => output.split(password).join('[password]');
  const stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill('SIGTERM');
    const killer = setTimeout(() => child.kill('SIGKILL'), 5_000);
    await exited;
    clearTimeout(killer);
  };
  try {
    const address = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('vcsim printed no address in 30 s')), 30_000);
      child.stdout.on('data', () => {
        const printed = /https:\/\/(?:[^@\s]*@)?(127\.0\.0\.1:\d+)\/sdk/.exec(output)?.[1];
        if (printed) {
          clearTimeout(timer);
          resolve(printed);
        }
      });
      void exited.then(() => {
        clearTimeout(timer);
        reject(new Error(`vcsim exited (${child.exitCode ?? child.signalCode}) before it printed its address`));
      });
    });
    let certificate: PresentedCertificate | undefined;
    await waitFor(async () => {
      certificate = await presentedCertificate(address);
      return true;
    }, `vcsim at ${address} to answer over HTTPS`, 30_000, 100);
    const { thumbprint, pem } = certificate as PresentedCertificate;
    return { url: `https://${address}/sdk`, address, user, password, thumbprint, certificatePem: pem, pid: child.pid ?? -1, stop };
  } catch (err) {
    await stop();
    throw new Error(`${(err as Error).message}\nvcsim output: ${shown()}`);
  }
}
