/**
 * CIM tickets per vCenter and host: host refs repeat across vCenters (host-21 in every one), so a
 * ticket one vCenter issued is only ever given back for that vCenter's host; a ticket still valid
 * bridges a vCenter that does not answer, a refused one never does.
 */
import type { CimTicketSource } from '../../../src/esxi/model';

const acquire = jest.fn<Promise<{ sessionId: string }>, [string, string]>();

jest.mock('../../../src/activities/vcenterSessions', () => ({
  vcenterSession: async (target: { url: string }) => ({
    acquireCimServicesTicket: (ref: { value: string }) => acquire(target.url, ref.value),
  }),
}));

import { cimTicket, ticketKey } from '../../../src/activities/cimTickets';

function source(vcenter: string, hostRef = 'host-21'): CimTicketSource {
  return { vcenter: { url: `https://${vcenter}.example:443/sdk`, user: 'administrator@vsphere.local', credential: 'env:NONE' }, hostRef };
}

let issued = 0;
function answerAtOnce(): void {
  acquire.mockImplementation(async (url, ref) => ({ sessionId: `${new URL(url).hostname}:${ref}:${++issued}` }));
}

beforeEach(() => {
  jest.useFakeTimers({ now: Date.parse('2026-12-02T12:00:00Z') });
  acquire.mockReset();
  answerAtOnce();
});
afterEach(() => jest.useRealTimers());

describe('CIM tickets', () => {
  test('the same host ref in two vCenters gets each vCenter\'s own ticket, and the key names the vCenter', async () => {
    const a = await cimTicket(source('vc-a1'), false);
    const b = await cimTicket(source('vc-b1'), false);
    expect([a, b]).toEqual([expect.stringMatching(/^vc-a1\.example:host-21:/), expect.stringMatching(/^vc-b1\.example:host-21:/)]);
    expect(ticketKey(source('vc-a1'))).not.toBe(ticketKey(source('vc-b1')));
    // Reused within a minute, per vCenter.
    expect(await cimTicket(source('vc-a1'), false)).toBe(a);
    expect(await cimTicket(source('vc-b1'), false)).toBe(b);
    expect(acquire).toHaveBeenCalledTimes(2);
  });

  test('a refused ticket (fresh) is replaced at once; after a minute a new one is asked for', async () => {
    const first = await cimTicket(source('vc-a2'), false);
    const replaced = await cimTicket(source('vc-a2'), true);
    expect(replaced).not.toBe(first);
    jest.setSystemTime(Date.now() + 61_000);
    const renewed = await cimTicket(source('vc-a2'), false);
    expect(renewed).not.toBe(replaced);
    expect(acquire).toHaveBeenCalledTimes(3);
  });

  test('a vCenter that does not answer: a ticket still valid is used after 5 s, and the late one is kept when it comes', async () => {
    const held = await cimTicket(source('vc-a3'), false);
    jest.setSystemTime(Date.now() + 70_000);
    let answer: ((v: { sessionId: string }) => void) | undefined;
    acquire.mockImplementationOnce(() => new Promise((resolve) => (answer = resolve)));
    const bridged = cimTicket(source('vc-a3'), false);
    await jest.advanceTimersByTimeAsync(5_000);
    expect(await bridged).toBe(held);
    // Meanwhile the renewal still runs: a second caller joins it rather than asking again.
    const joined = cimTicket(source('vc-a3'), false);
    await jest.advanceTimersByTimeAsync(5_000);
    expect(await joined).toBe(held);
    expect(acquire).toHaveBeenCalledTimes(2);
    answer?.({ sessionId: 'late-ticket' });
    await jest.advanceTimersByTimeAsync(0);
    expect(await cimTicket(source('vc-a3'), false)).toBe('late-ticket');
  });

  test('a vCenter that answers with an error: the valid ticket is used; a refused one is not offered again', async () => {
    const held = await cimTicket(source('vc-a4'), false);
    jest.setSystemTime(Date.now() + 70_000);
    acquire.mockRejectedValueOnce(new Error('connect ECONNREFUSED'));
    expect(await cimTicket(source('vc-a4'), false)).toBe(held);
    acquire.mockRejectedValueOnce(new Error('connect ECONNREFUSED'));
    await expect(cimTicket(source('vc-a4'), true)).rejects.toThrow('ECONNREFUSED');
  });

  test('past its lifetime (110 s) a held ticket bridges nothing: the caller waits for the vCenter', async () => {
    await cimTicket(source('vc-a5'), false);
    jest.setSystemTime(Date.now() + 111_000);
    acquire.mockRejectedValueOnce(new Error('socket hang up'));
    await expect(cimTicket(source('vc-a5'), false)).rejects.toThrow('socket hang up');
  });
});
