/**
 * The simulator's control endpoint, for tests and chaos scripts in other processes:
 * GET /stats, POST /reset, POST /hosts/NAME/reboot?seconds=S, POST /hosts/NAME/fail
 * {"category": ...|null}, POST /fault-rate {"rate": 0.2}, POST /invoke-delay {"ms": 3000}.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
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

function route(simulator: Simulator, method: string, url: URL, body: Record<string, unknown>): unknown {
  const hostAction = /^\/hosts\/([^/]+)\/(reboot|fail)$/.exec(url.pathname);
  if (method === 'GET' && url.pathname === '/stats') return simulator.stats();
  if (method === 'POST' && url.pathname === '/reset') return simulator.reset();
  if (method === 'POST' && url.pathname === '/fault-rate') return simulator.setFaultRate(Number(body.rate));
  if (method === 'POST' && url.pathname === '/invoke-delay') return simulator.setInvokeDelayMs(Number(body.ms));
  if (method === 'POST' && hostAction?.[2] === 'reboot') return simulator.rebootHost(decodeURIComponent(hostAction[1]), Number(url.searchParams.get('seconds') ?? 10));
  if (method === 'POST' && hostAction?.[2] === 'fail') {
    const category = body.category ?? null;
    if (category !== null && !FAILURE_CATEGORIES.includes(category as FailureCategory)) throw new Error(`category: must be one of ${FAILURE_CATEGORIES.join(', ')} or null`);
    return simulator.setFailure(decodeURIComponent(hostAction[1]), category as FailureCategory | null);
  }
  return undefined;
}

export async function startControlServer(simulator: Simulator, port: number): Promise<ControlServer> {
  const server = http.createServer((req, res) => {
    void (async () => {
      try {
        const url = new URL(req.url ?? '/', 'http://control');
        const known = /^\/(stats|reset|fault-rate|invoke-delay|hosts\/[^/]+\/(reboot|fail))$/.test(url.pathname);
        if (!known) return void res.writeHead(404).end();
        const result = route(simulator, req.method ?? 'GET', url, await jsonBody(req));
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
