/**
 * The Go vCenter simulator (test/vcsim) as a child process: started with a spec of the fleet,
 * steered and read through its control endpoint, stopped by PID. It exits by itself when its
 * stdin closes, so it never outlives this process. The password reaches it in an environment
 * variable, never in its arguments.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';

export type VcenterFault = 'mm-timeout' | 'never-back' | 'reboot-not-supported' | 'disconnected';
export const VCENTER_FAULTS: readonly VcenterFault[] = ['mm-timeout', 'never-back', 'reboot-not-supported', 'disconnected'];

/** The inventory the simulator models (test/vcsim/spec.go). */
export interface VcenterSpec {
  readonly datacenter: string;
  readonly clusters: readonly {
    readonly name: string;
    readonly hosts: readonly {
      readonly name: string;
      /** The host's CIM certificate, exposed as config.certificate. */
      readonly certificatePem?: string;
      readonly cimUrl?: string;
      readonly fault?: VcenterFault;
      /** What HostImageConfigGetAcceptance answers; partner when absent. */
      readonly acceptanceLevel?: string;
    }[];
  }[];
  /** Datastores, each backed by a local directory that /folder serves; the hosts that mount each. */
  readonly datastores?: readonly {
    readonly name: string;
    readonly uuid: string;
    readonly directory: string;
    readonly capacityBytes: number;
    /** Used by what is not in the directory: free space is capacity - this - the directory's files. */
    readonly otherUsedBytes: number;
    readonly mounts: readonly { readonly host: string; readonly accessible: boolean }[];
  }[];
}

export interface VcenterProcessOptions {
  readonly binary: string;
  readonly spec: VcenterSpec;
  readonly user: string;
  readonly password: string;
  /** The CIM simulator's control endpoint: reboots and tickets reach the CIM hosts through it. */
  readonly cimControlUrl: string;
  readonly rebootSeconds: number;
  readonly maintenanceSeconds: number;
  readonly ticketSeconds: number;
  /** How long it may take to build its model and listen (default 60 s; thousands of hosts take longer). */
  readonly readyTimeoutMs?: number;
}

/** One host as vCenter sees it, with the simulator's counters. Times are ISO 8601. */
/** GET /stats of the vCenter simulator: each host as it sees it, and the SOAP requests it answered on /sdk by method. */
export interface VcenterProcessStats {
  readonly hosts: Record<string, VcenterHostStats>;
  readonly soapCalls: Readonly<Record<string, number>>;
}

export interface VcenterHostStats {
  readonly ref: string;
  readonly cluster: string;
  readonly connectionState: 'connected' | 'notResponding' | 'disconnected';
  readonly inMaintenanceMode: boolean;
  readonly bootTime: string | null;
  readonly rebootSupported: boolean;
  readonly fault: VcenterFault | null;
  readonly reboots: number;
  readonly enterMaintenanceCalls: number;
  readonly exitMaintenanceCalls: number;
  readonly ticketsIssued: number;
  readonly maintenance: readonly { readonly enteredAt: string; readonly exitedAt: string | null }[];
}

const PASSWORD_VARIABLE = 'VIBFLOW_VCSIM_PASSWORD';
const READY_TIMEOUT_MS = 60_000;
const STOP_GRACE_MS = 5_000;

/** The last lines a stream wrote, for error messages. */
function tail(lines: string[], chunk: Buffer): void {
  lines.push(...chunk.toString('utf8').split('\n').filter(Boolean));
  lines.splice(0, Math.max(0, lines.length - 20));
}

export class VcenterProcess {
  private constructor(
    private readonly child: ChildProcess,
    private readonly workDir: string,
    readonly url: string,
    readonly thumbprint: string,
    readonly controlUrl: string,
  ) {}

  static async start(options: VcenterProcessOptions): Promise<VcenterProcess> {
    const workDir = await mkdtemp(path.join(os.tmpdir(), 'vibflow-vcsim-'));
    const specFile = path.join(workDir, 'spec.json');
    await writeFile(specFile, JSON.stringify(options.spec));
    const args = [
      '-spec', specFile, '-l', '127.0.0.1:0', '-control', '127.0.0.1:0',
      '-username', options.user, '-password-env', PASSWORD_VARIABLE, '-cim-control', options.cimControlUrl,
      '-reboot-seconds', String(options.rebootSeconds), '-maintenance-seconds', String(options.maintenanceSeconds),
      '-ticket-seconds', String(options.ticketSeconds), '-stdinexit',
    ];
    const child = spawn(options.binary, args, { env: { ...process.env, [PASSWORD_VARIABLE]: options.password }, stdio: ['pipe', 'pipe', 'pipe'] });
    try {
      const ready = await readyLine(child, options.readyTimeoutMs ?? READY_TIMEOUT_MS);
      return new VcenterProcess(child, workDir, ready.url, ready.thumbprint, ready.controlUrl);
    } catch (err) {
      child.kill('SIGKILL');
      await rm(workDir, { recursive: true, force: true });
      throw err;
    }
  }

  async setFault(host: string, fault: VcenterFault | null): Promise<void> {
    if (fault !== null && !VCENTER_FAULTS.includes(fault)) throw new Error(`fault: must be one of ${VCENTER_FAULTS.join(', ')} or null`);
    await this.control('POST', `/hosts/${encodeURIComponent(host)}/fault`, { fault });
  }

  /** An install on the host waits for a reboot (summary.rebootRequired); a reboot clears it. */
  async setRebootRequired(host: string, required: boolean): Promise<void> {
    await this.control('POST', `/hosts/${encodeURIComponent(host)}/reboot-required`, { required });
  }

  /** What HostImageConfigGetAcceptance answers for the host. */
  async setAcceptanceLevel(host: string, level: string): Promise<void> {
    await this.control('POST', `/hosts/${encodeURIComponent(host)}/acceptance`, { level });
  }

  /** The host's mount of the datastore: mountInfo.accessible (and summary.accessible with it). */
  async setDatastoreAccessible(datastore: string, host: string, accessible: boolean): Promise<void> {
    await this.control('POST', `/datastores/${encodeURIComponent(datastore)}/hosts/${encodeURIComponent(host)}`, { accessible });
  }

  async stats(): Promise<VcenterProcessStats> {
    const { hosts, soapCalls } = (await this.control('GET', '/stats')) as { hosts: Record<string, VcenterHostStats>; soapCalls?: Record<string, number> };
    return { hosts, soapCalls: soapCalls ?? {} };
  }

  /** New logins fail with InvalidLogin (refuse) or succeed again; open sessions stay valid. */
  async refuseLogins(refuse: boolean): Promise<void> {
    if (this.frozen) throw new Error('vCenter simulator: frozen; thaw it first');
    await this.control('POST', '/refuse-logins', { refuse });
  }

  /** The process's PID, for what a test does to it from outside. */
  get pid(): number | undefined {
    return this.child.pid;
  }

  /**
   * Stops the process where it is (SIGSTOP): the vCenter stops answering, its sockets stay open,
   * as a hung vCenter does; thaw (SIGCONT) lets it carry on.
   */
  freeze(): void {
    if (this.child.kill('SIGSTOP')) this.frozenAt = Date.now();
  }

  thaw(): void {
    if (this.child.kill('SIGCONT')) this.frozenAt = undefined;
  }

  /** Epoch ms since it is frozen, undefined when it answers. */
  frozenAt: number | undefined;

  get frozen(): boolean {
    return this.frozenAt !== undefined;
  }

  private async control(method: 'GET' | 'POST', route: string, body?: unknown): Promise<unknown> {
    const res = await fetch(`${this.controlUrl}${route}`, { method, ...(body === undefined ? {} : { body: JSON.stringify(body), headers: { 'content-type': 'application/json' } }) });
    const answer = (await res.json()) as { error?: string };
    if (!res.ok) throw new Error(`vCenter simulator: ${answer.error ?? `HTTP ${res.status}`}`);
    return answer;
  }

  /** SIGTERM by PID, SIGKILL when it does not go within a few seconds. */
  async stop(): Promise<void> {
    if (this.child.exitCode === null && this.child.signalCode === null) {
      const exited = new Promise<void>((resolve) => this.child.once('exit', () => resolve()));
      // ChildProcess.kill signals this child's PID (and does not throw if it is already gone).
      if (this.frozen) this.thaw();
      this.child.kill('SIGTERM');
      const timer = setTimeout(() => this.child.kill('SIGKILL'), STOP_GRACE_MS);
      await exited;
      clearTimeout(timer);
    }
    this.child.stdin?.destroy();
    await rm(this.workDir, { recursive: true, force: true });
  }
}

/** Waits for the JSON line the simulator prints once listening; fails with its last words when it exits first. */
function readyLine(child: ChildProcess, timeoutMs: number): Promise<{ url: string; thumbprint: string; controlUrl: string }> {
  return new Promise((resolve, reject) => {
    const errors: string[] = [];
    let stdout = '';
    const fail = (why: string) => {
      clearTimeout(timer);
      reject(new Error(`vCenter simulator ${why}${errors.length ? `:\n${errors.join('\n')}` : ''}`));
    };
    const timer = setTimeout(() => fail(`did not start within ${timeoutMs / 1000} s`), timeoutMs);
    child.stderr?.on('data', (chunk: Buffer) => tail(errors, chunk));
    child.once('error', (err) => fail(`could not start (${err.message})`));
    child.once('exit', (code, signal) => fail(`exited (${code ?? signal}) before it was ready`));
    child.stdout?.on('data', (chunk: Buffer) => {
      stdout += chunk.toString('utf8');
      const newline = stdout.indexOf('\n');
      if (newline < 0) return;
      clearTimeout(timer);
      child.removeAllListeners('exit');
      child.stdout?.removeAllListeners('data').resume();
      try {
        resolve(JSON.parse(stdout.slice(0, newline)) as { url: string; thumbprint: string; controlUrl: string });
      } catch {
        reject(new Error(`vCenter simulator printed an unexpected first line: ${stdout.slice(0, newline)}`));
      }
    });
  });
}
