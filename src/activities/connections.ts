/**
 * One CimClient (one undici pool, kept alive) per host endpoint and credential for the life of
 * the worker process, so polls reuse connections instead of paying a TLS handshake each time.
 */
import { createHash } from 'node:crypto';
import { log } from '@temporalio/activity';
import { CimClient } from '../cim/client';
import type { HostTarget } from '../esxi/model';
import { resolveCredential } from './credentials';
import { recordCimRequest } from './metrics';

const clients = new Map<string, CimClient>();

export async function clientFor(host: HostTarget): Promise<CimClient> {
  if (!host.credential || !host.user) throw new Error(`${host.name}: CIM services tickets from vCenter are not supported yet`);
  const password = await resolveCredential(host.credential);
  // The key includes a digest of the password so that a rotated credential gets a fresh pool.
  const key = JSON.stringify([host.url, host.user, host.tls ?? {}, host.allowHttp ?? false,
    createHash('sha256').update(password).digest('hex')]);
  if (host.tls?.insecure) {
    log.warn(`TLS verification is OFF for ${host.name} (${host.url}): the host's identity is not checked`, { host: host.name });
  }
  let client = clients.get(key);
  if (!client) {
    client = new CimClient({
      url: host.url, user: host.user, password, tls: host.tls, allowHttp: host.allowHttp, onRequestDone: recordCimRequest,
    });
    clients.set(key, client);
  }
  return client;
}

/** Closes every pool; the worker calls this on shutdown. */
export async function closeAllClients(): Promise<void> {
  const open = [...clients.values()];
  clients.clear();
  await Promise.all(open.map((client) => client.close()));
}
