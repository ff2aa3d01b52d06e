/**
 * One logged-in vSphere session per vCenter and account for the life of the worker process, so a
 * rollout does not log in once per host step. The password is resolved here, from its reference,
 * and never leaves this module; a rotated credential gets a fresh session.
 */
import { createHash } from 'node:crypto';
import { VsphereClient } from '../vsphere';
import type { VcenterTarget } from '../vsphere/model';
import { resolveCredential } from './credentials';

const sessions = new Map<string, Promise<VsphereClient>>();

/**
 * A vCenter answers a SOAP call in well under a second (long operations are tasks, polled): one
 * that has not answered in 15 s has stopped answering, and the step's activity fails and retries
 * (visibly, with the attempt and this error) instead of hanging a minute on a dead connection.
 */
export const VCENTER_REQUEST_TIMEOUT_MS = 15_000;

function sessionKey(target: VcenterTarget, password: string): string {
  return JSON.stringify([target.url, target.user, target.tls ?? {}, createHash('sha256').update(password).digest('hex')]);
}

export async function vcenterSession(target: VcenterTarget): Promise<VsphereClient> {
  const password = await resolveCredential(target.credential);
  const key = sessionKey(target, password);
  let session = sessions.get(key);
  if (!session) {
    session = VsphereClient.login({ url: target.url, user: target.user, password, requestTimeoutMs: VCENTER_REQUEST_TIMEOUT_MS, ...(target.tls ? { tls: target.tls } : {}) });
    sessions.set(key, session);
    // A failed login is not cached: the next call tries again.
    session.catch(() => sessions.delete(key));
  }
  return session;
}

/** Logs out of every vCenter; the worker calls this on shutdown. */
export async function closeAllVcenterSessions(): Promise<void> {
  const open = [...sessions.values()];
  sessions.clear();
  await Promise.all(open.map(async (session) => (await session.catch(() => undefined))?.close()));
}
