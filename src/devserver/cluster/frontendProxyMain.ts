/**
 * The frontend proxy as its own detached process (`cluster up` starts it, `cluster down` stops
 * it): node frontendProxyMain.js LISTEN_HOST:PORT UPSTREAM...
 */
import { startFrontendProxy } from './frontendProxy';

const log = (line: string) => process.stdout.write(`${new Date().toISOString()} ${line}\n`);
const [listen, ...upstreams] = process.argv.slice(2);
const separator = listen?.lastIndexOf(':') ?? -1;
if (separator < 0 || upstreams.length === 0) {
  process.stderr.write('usage: frontendProxyMain HOST:PORT UPSTREAM_HOST:PORT...\n');
  process.exit(2);
}

startFrontendProxy({ host: listen.slice(0, separator), port: Number(listen.slice(separator + 1)), upstreams, log }).then(
  () => {
    log(`listening on ${listen}, forwarding to ${upstreams.join(', ')}`);
    // gRPC connections are long-lived: closing the listener would wait for them, so just exit.
    process.once('SIGTERM', () => process.exit(0));
    process.once('SIGINT', () => process.exit(0));
  },
  (err: Error) => {
    log(`cannot listen on ${listen}: ${err.message}`);
    process.exit(1);
  },
);
