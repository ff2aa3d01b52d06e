/**
 * The simulator's control endpoint, for tests and chaos scripts in other processes, and for the
 * vCenter simulator: GET /stats (with each host's vCenter view when one runs), POST /reset,
 * POST /hosts/NAME/reboot?seconds=S, POST /hosts/NAME/fail {"category": ...|null},
 * POST /hosts/NAME/tickets {"ticket": T, "seconds": 120} (a CIM services ticket for that host),
 * POST /hosts/NAME/refuse-tickets {"refuse": true}, POST /fault-rate {"rate": 0.2},
 * POST /invoke-delay {"ms": 3000}, POST /hosts/NAME/acceptance {"level": "community"} (the host's
 * acceptance level, also what vCenter answers), GET /datastores (each datastore's name, uuid,
 * local directory, capacity, free space and mounts: where to put a file a host should read),
 * POST /datastores/NAME/hosts/HOST {"accessible": false} (the host loses its path to it).
 * Errors name the field, never echo a ticket.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { HOST_ACCEPTANCE_LEVELS, type HostAcceptanceLevel } from '../bundle';
import { FAILURE_CATEGORIES, type FailureCategory } from './host';
import type { Simulator } from './index';

export interface ControlServer {
  readonly url: string;
  close(): Promise<void>;
}

async function jsonBody(req: http.IncomingMessage): Promise<Record<string, unknown>> {
  let text = '';
  for await (const chunk of req) {
    text += chunk;
    if (text.length > 64 * 1024) throw new Error('body too large');
  }
  return text ? (JSON.parse(text) as Record<string, unknown>) : {};
}

const HOST_ACTION = /^\/hosts\/([^/]+)\/(reboot|fail|tickets|refuse-tickets|acceptance)$/;
const DATASTORE_MOUNT = /^\/datastores\/([^/]+)\/hosts\/([^/]+)$/;

function route(simulator: Simulator, method: string, url: URL, body: Record<string, unknown>): unknown {
  const hostAction = HOST_ACTION.exec(url.pathname);
  const host = hostAction ? decodeURIComponent(hostAction[1]) : '';
  if (method === 'GET' && url.pathname === '/stats') return simulator.statsWithVcenter();
  if (method === 'GET' && url.pathname === '/datastores') return simulator.describeDatastores().then((datastores) => ({ root: simulator.datastoreRoot, datastores }));
  const mount = DATASTORE_MOUNT.exec(url.pathname);
  if (method === 'POST' && mount) {
    if (typeof body.accessible !== 'boolean') throw new Error('accessible: must be true or false');
    return simulator.setDatastoreAccessible(decodeURIComponent(mount[1]), decodeURIComponent(mount[2]), body.accessible);
  }
  if (method === 'POST' && hostAction?.[2] === 'acceptance') {
    if (!HOST_ACCEPTANCE_LEVELS.includes(body.level as HostAcceptanceLevel)) throw new Error(`level: must be one of ${HOST_ACCEPTANCE_LEVELS.join(', ')}`);
    return simulator.setAcceptanceLevel(host, body.level as HostAcceptanceLevel);
  }
  if (method === 'POST' && url.pathname === '/reset') return simulator.reset();
  if (method === 'POST' && url.pathname === '/fault-rate') return simulator.setFaultRate(Number(body.rate));
  if (method === 'POST' && url.pathname === '/invoke-delay') return simulator.setInvokeDelayMs(Number(body.ms));
  if (method === 'POST' && hostAction?.[2] === 'reboot') return simulator.rebootHost(host, Number(url.searchParams.get('seconds') ?? 10));
  if (method === 'POST' && hostAction?.[2] === 'fail') {
    const category = body.category ?? null;
    if (category !== null && !FAILURE_CATEGORIES.includes(category as FailureCategory)) throw new Error(`category: must be one of ${FAILURE_CATEGORIES.join(', ')} or null`);
    return simulator.setFailure(host, category as FailureCategory | null);
  }
  if (method === 'POST' && hostAction?.[2] === 'tickets') {
    if (typeof body.ticket !== 'string' || body.ticket === '') throw new Error('ticket: must be a non-empty string');
    if (typeof body.seconds !== 'number' || !(body.seconds > 0)) throw new Error('seconds: must be a number > 0');
    return simulator.registerTicket(host, body.ticket, body.seconds);
  }
  if (method === 'POST' && hostAction?.[2] === 'refuse-tickets') {
    if (typeof body.refuse !== 'boolean') throw new Error('refuse: must be true or false');
    return simulator.setRefuseTickets(host, body.refuse);
  }
  return undefined;
}

export async function startControlServer(simulator: Simulator, port: number): Promise<ControlServer> {
  const server = http.createServer((req, res) => {
    void (async () => {
      try {
        const url = new URL(req.url ?? '/', 'http://control');
        const known = /^\/(stats|reset|fault-rate|invoke-delay|datastores)$/.test(url.pathname) || HOST_ACTION.test(url.pathname) || DATASTORE_MOUNT.test(url.pathname);
        if (!known) return void res.writeHead(404).end();
        const result = await route(simulator, req.method ?? 'GET', url, await jsonBody(req));
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(result ?? { ok: true }));
      } catch (err) {
        res.writeHead(400, { 'content-type': 'application/json' }).end(JSON.stringify({ error: (err as Error).message }));
      }
    })();
  });
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () => new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
}
