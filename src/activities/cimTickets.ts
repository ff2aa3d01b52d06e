/**
 * CIM services tickets from vCenter, the way platform teams reach hosts without root passwords:
 * AcquireCimServicesTicket returns a one-time credential the host's CIM server accepts as user
 * name and password, valid for about two minutes. A ticket is reused for a minute at most and
 * replaced at once when the host refuses it (e.g. after a reboot, which forgets tickets).
 *
 * Tickets are kept per vCenter and host: a ticket one vCenter issued is only ever presented to
 * that vCenter's host (host refs such as host-21 repeat across vCenters). When the vCenter does not
 * answer in a few seconds, a ticket it issued less than its lifetime ago is used meanwhile, so a
 * vCenter that stops answering does not stop the installs it already gave tickets for.
 */
import type { CimTicketSource } from '../esxi/model';
import { vcenterSession } from './vcenterSessions';

const REUSE_MS = 60_000;
/** ESXi accepts a ticket for about 120 s; a little less, for the clocks and the call in flight. */
const VALID_MS = 110_000;
/** How long a renewal may take before a still-valid ticket is used instead. */
const RENEWAL_PATIENCE_MS = 5_000;

interface HeldTicket {
  readonly ticket: string;
  readonly acquiredAt: number;
}

const tickets = new Map<string, HeldTicket>();
const renewals = new Map<string, Promise<string>>();

/** The key names the vCenter (URL and account) and the host ref within it. */
export function ticketKey(source: CimTicketSource): string {
  return JSON.stringify([source.vcenter.url, source.vcenter.user, source.hostRef]);
}

/** One renewal per vCenter host at a time; its ticket is kept when it arrives, even after a fallback. */
function renew(source: CimTicketSource, key: string): Promise<string> {
  let renewal = renewals.get(key);
  if (!renewal) {
    renewal = (async () => {
      const vcenter = await vcenterSession(source.vcenter);
      const { sessionId } = await vcenter.acquireCimServicesTicket({ type: 'HostSystem', value: source.hostRef });
      tickets.set(key, { ticket: sessionId, acquiredAt: Date.now() });
      return sessionId;
    })().finally(() => renewals.delete(key));
    renewals.set(key, renewal);
  }
  return renewal;
}

/** A ticket for the host: a recent one, or a new one when `fresh` or none is recent. */
export async function cimTicket(source: CimTicketSource, fresh: boolean): Promise<string> {
  const key = ticketKey(source);
  const held = tickets.get(key);
  if (!fresh && held && Date.now() - held.acquiredAt < REUSE_MS) return held.ticket;
  const renewal = renew(source, key);
  // A refused ticket (fresh) is never offered again; otherwise one still valid may bridge a slow vCenter.
  if (fresh || !held || Date.now() - held.acquiredAt >= VALID_MS) return renewal;
  renewal.catch(() => undefined);
  let timer: NodeJS.Timeout | undefined;
  const patience = new Promise<string>((resolve) => {
    timer = setTimeout(() => resolve(held.ticket), Math.min(RENEWAL_PATIENCE_MS, VALID_MS - (Date.now() - held.acquiredAt)));
  });
  try {
    return await Promise.race([renewal, patience]);
  } catch {
    // The vCenter answered with an error (or the connection failed): the held ticket is still valid.
    return held.ticket;
  } finally {
    clearTimeout(timer);
  }
}
