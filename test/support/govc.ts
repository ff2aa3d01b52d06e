/**
 * VMware's govc, the independent vSphere client, pointed at a simulated vCenter the way an
 * operator would: URL, user and password in its environment, the certificate pinned by
 * thumbprint in a known_hosts file, no persisted session.
 */
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { projectGoTool } from '../../src/devserver/goTool';
import { resolveCredential } from '../../src/inventory/credentials';
import type { Simulator } from '../../src/simulator';
import { run, type CommandRun } from './commands';
import { GOVC_MODULE } from './vcsim';

export interface GovcTarget {
  readonly binary: string;
  /** The GOVC_* variables that reach the simulated vCenter. */
  readonly env: Readonly<Record<string, string>>;
  (args: readonly string[]): Promise<CommandRun>;
}

/** govc for the simulator's vCenter; its known_hosts file goes into `dir`. */
export async function govcFor(simulator: Simulator, dir: string): Promise<GovcTarget> {
  const vcenter = simulator.vcenter;
  if (!vcenter) throw new Error('the simulator runs no vCenter (start it with the vcenter option)');
  const binary = projectGoTool('govc', GOVC_MODULE, (line) => process.stderr.write(`${line}\n`));
  if (!binary) throw new Error(`govc is built with Go (${GOVC_MODULE}); no Go toolchain found`);
  const knownHosts = path.join(dir, 'known_hosts');
  await writeFile(knownHosts, `${new URL(vcenter.url).host} ${vcenter.thumbprint}\n`);
  const env = {
    GOVC_URL: vcenter.url,
    GOVC_USERNAME: vcenter.user,
    GOVC_PASSWORD: await resolveCredential(vcenter.credential),
    GOVC_TLS_KNOWN_HOSTS: knownHosts,
    GOVC_PERSIST_SESSION: 'false',
  };
  return Object.assign((args: readonly string[]) => run(binary, args, { env, timeoutMs: 120_000 }), { binary, env });
}
