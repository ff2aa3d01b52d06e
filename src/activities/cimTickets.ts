/**
 * CIM services tickets from vCenter, the way platform teams reach hosts without root passwords:
 * AcquireCimServicesTicket returns a one-time credential the host's CIM server accepts as user
 * name and password, valid for about two minutes. A ticket is reused for a minute at most and
 * replaced at once when the host refuses it (e.g. after a reboot, which forgets tickets).
 */
import type { CimTicketSource } from '../esxi/model';
import { vcenterSession } from './vcenterSessions';

const REUSE_MS = 60_000;
const tickets = new Map<string, { readonly ticket: string; readonly acquiredAt: number }>();

function ticketKey(source: CimTicketSource): string {
  return JSON.stringify([source.vcenter.url, source.vcenter.user, source.hostRef]);
}

/** A ticket for the host: a recent one, or a new one when `fresh` or none is recent. */
export async function cimTicket(source: CimTicketSource, fresh: boolean): Promise<string> {
  const key = ticketKey(source);
  const cached = tickets.get(key);
  if (!fresh && cached && Date.now() - cached.acquiredAt < REUSE_MS) return cached.ticket;
  const vcenter = await vcenterSession(source.vcenter);
  const { sessionId } = await vcenter.acquireCimServicesTicket({ type: 'HostSystem', value: source.hostRef });
  tickets.set(key, { ticket: sessionId, acquiredAt: Date.now() });
  return sessionId;
}
