/**
 * One CimClient (one undici pool, kept alive) per host endpoint for the life of the worker
 * process, so polls reuse connections instead of paying a TLS handshake each time. The host's
 * credential is a password reference or a CIM services ticket from vCenter; a changed secret
 * (rotated password, new ticket) replaces the pool.
 */
import { createHash } from 'node:crypto';
import { log } from '@temporalio/activity';
import { CimClient } from '../cim/client';
import { CimAuthError } from '../cim/errors';
import { EsxiError } from '../esxi/errors';
import type { HostTarget } from '../esxi/model';
import { cimTicket } from './cimTickets';
import { resolveCredential } from './credentials';
import { recordCimRequest } from './metrics';

interface PooledClient {
  readonly client: CimClient;
  readonly secretDigest: string;
}

const clients = new Map<string, PooledClient>();

async function login(host: HostTarget, freshTicket: boolean): Promise<{ user: string; password: string }> {
  if (host.cimTicket) {
    const ticket = await cimTicket(host.cimTicket, freshTicket);
    return { user: ticket, password: ticket };
  }
  if (!host.credential || !host.user) throw new EsxiError(`${host.name}: no CIM credential (give user and credential, or a cimTicket source)`, 'authentication', false);
  return { user: host.user, password: await resolveCredential(host.credential) };
}

async function clientFor(host: HostTarget, freshTicket = false): Promise<CimClient> {
  const { user, password } = await login(host, freshTicket);
  const key = JSON.stringify([host.url, host.cimTicket ? ['ticket', host.cimTicket.vcenter.url, host.cimTicket.hostRef] : host.user, host.tls ?? {}, host.allowHttp ?? false]);
  const secretDigest = createHash('sha256').update(`${user}\0${password}`).digest('hex');
  if (host.tls?.insecure) {
    log.warn(`TLS verification is OFF for ${host.name} (${host.url}): the host's identity is not checked`, { host: host.name });
  }
  const pooled = clients.get(key);
  if (pooled?.secretDigest === secretDigest) return pooled.client;
  void pooled?.client.close().catch(() => undefined);
  const client = new CimClient({ url: host.url, user, password, tls: host.tls, allowHttp: host.allowHttp, onRequestDone: recordCimRequest });
  clients.set(key, { client, secretDigest });
  return client;
}

/**
 * Runs `body` with the host's client. A host that refuses a reused ticket (expired, or forgotten
 * by a reboot) gets one more try with a fresh ticket: a 401 means the request was not processed.
 */
export async function withCimClient<T>(host: HostTarget, body: (client: CimClient) => Promise<T>): Promise<T> {
  try {
    return await body(await clientFor(host));
  } catch (err) {
    if (!(err instanceof CimAuthError) || !host.cimTicket) throw err;
  }
  try {
    return await body(await clientFor(host, true));
  } catch (err) {
    if (!(err instanceof CimAuthError) || !host.cimTicket) throw err;
    throw new EsxiError(
      `the CIM server of ${host.name} (${host.url}) refused a fresh CIM services ticket from vCenter ${new URL(host.cimTicket.vcenter.url).host} (HTTP 401): check that the vCenter account holds Host.Cim.CimInteraction on the host`,
      'authentication',
      false,
      401,
      false,
    );
  }
}

/** Closes every pool; the worker calls this on shutdown. */
export async function closeAllClients(): Promise<void> {
  const open = [...clients.values()];
  clients.clear();
  await Promise.all(open.map((pooled) => pooled.client.close()));
}
