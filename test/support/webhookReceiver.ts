/**
 * A webhook receiver on loopback, as Slack, Mattermost or an alerting system would run one: it
 * records every request (when, headers, raw body) and answers as told per path: accept (200),
 * refuse the first N attempts (503), or hang (read the request, never answer).
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export type Behaviour = { readonly kind: 'accept' } | { readonly kind: 'refuse-first'; readonly count: number } | { readonly kind: 'hang' };

export interface ReceivedRequest {
  readonly path: string;
  readonly at: number;
  readonly headers: IncomingMessage['headers'];
  readonly body: string;
  /** The status answered; null when the receiver hung. */
  readonly status: number | null;
}

export interface WebhookReceiver {
  /** The URL of a path, e.g. url('/hooks/T0/secret'). */
  url(path: string): string;
  /** How a path answers from now on (default: accept). */
  behave(path: string, behaviour: Behaviour): void;
  requests(path?: string): ReceivedRequest[];
  /** Requests answered 2xx, each with its parsed JSON body. */
  accepted(path?: string): (ReceivedRequest & { json: Record<string, unknown> })[];
  close(): Promise<void>;
}

export async function startWebhookReceiver(host = '127.0.0.1'): Promise<WebhookReceiver> {
  const behaviours = new Map<string, Behaviour>();
  const seen = new Map<string, number>();
  const requests: ReceivedRequest[] = [];
  const hanging: ServerResponse[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const path = req.url ?? '/';
      const attempt = (seen.get(path) ?? 0) + 1;
      seen.set(path, attempt);
      const behaviour = behaviours.get(path) ?? { kind: 'accept' };
      const record = (status: number | null) => requests.push({ path, at: Date.now(), headers: req.headers, body: Buffer.concat(chunks).toString('utf8'), status });
      if (behaviour.kind === 'hang') {
        record(null);
        hanging.push(res);
        return;
      }
      const status = behaviour.kind === 'refuse-first' && attempt <= behaviour.count ? 503 : 200;
      record(status);
      res.writeHead(status, { 'content-type': 'text/plain' }).end(status === 200 ? 'ok' : 'unavailable');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, host, resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: (path) => `http://${host}:${port}${path}`,
    behave: (path, behaviour) => void behaviours.set(path, behaviour),
    requests: (path) => requests.filter((r) => path === undefined || r.path === path),
    accepted: (path) => requests.filter((r) => (path === undefined || r.path === path) && r.status !== null && r.status < 300).map((r) => ({ ...r, json: JSON.parse(r.body) as Record<string, unknown> })),
    async close() {
      for (const res of hanging) res.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
