/**
 * The worker's operations endpoint for Prometheus and container orchestrators:
 *   /metrics  Temporal's and vibflow's metrics (SDK Core's exporter, relayed from loopback)
 *   /healthz  200 while the worker lives (liveness), 503 once it failed or stopped
 *   /readyz   200 only while it polls for tasks (readiness), 503 while starting or draining
 */
import { createServer, type Server } from 'node:http';
import { createServer as createNetServer, type AddressInfo } from 'node:net';
import type { State as WorkerState } from '@temporalio/worker';
import { request } from 'undici';

export interface OpsServerOptions {
  readonly host: string;
  /** 0 picks a free port; `url` tells which. */
  readonly port: number;
  /** Where SDK Core serves its Prometheus text. */
  readonly coreMetricsUrl: string;
  readonly workerState: () => WorkerState;
}

export interface OpsServer {
  /** http://host:port */
  readonly url: string;
  close(): Promise<void>;
}

const ALIVE: ReadonlySet<WorkerState> = new Set(['INITIALIZED', 'RUNNING', 'STOPPING', 'DRAINING', 'DRAINED']);

/** A port that was free a moment ago, for SDK Core's exporter, which cannot report the one it got. */
export async function freeLoopbackPort(): Promise<number> {
  const probe = createNetServer();
  await new Promise<void>((resolve, reject) => probe.once('error', reject).listen(0, '127.0.0.1', resolve));
  const { port } = probe.address() as AddressInfo;
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  return port;
}

async function relayMetrics(url: string): Promise<{ status: number; body: string; contentType: string }> {
  try {
    const response = await request(url, { headersTimeout: 5_000, bodyTimeout: 5_000 });
    const body = await response.body.text();
    return { status: response.statusCode, body, contentType: String(response.headers['content-type'] ?? 'text/plain; version=0.0.4') };
  } catch (err) {
    return { status: 503, body: `metrics exporter unreachable: ${(err as Error).message}\n`, contentType: 'text/plain' };
  }
}

export async function startOpsServer(options: OpsServerOptions): Promise<OpsServer> {
  const server: Server = createServer((req, res) => {
    const state = options.workerState();
    const path = (req.url ?? '/').split('?')[0];
    const answer = (ok: boolean) => {
      res.writeHead(ok ? 200 : 503, { 'content-type': 'application/json' }).end(JSON.stringify({ state }));
    };
    if (req.method !== 'GET') return void res.writeHead(405).end();
    if (path === '/healthz') return answer(ALIVE.has(state));
    if (path === '/readyz') return answer(state === 'RUNNING');
    if (path === '/metrics') {
      return void relayMetrics(options.coreMetricsUrl).then(({ status, body, contentType }) => {
        res.writeHead(status, { 'content-type': contentType }).end(body);
      });
    }
    res.writeHead(404).end();
  });
  await new Promise<void>((resolve, reject) => server.once('error', reject).listen(options.port, options.host, resolve));
  const { port } = server.address() as AddressInfo;
  const host = options.host.includes(':') ? `[${options.host}]` : options.host;
  return {
    url: `http://${host}:${port}`,
    close: () => new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
}
