/**
 * The cluster's client address in front of real TCP servers standing where the frontends are:
 * connections go round-robin, skip a frontend that is down, and end when none is up.
 */
import net from 'node:net';
import { startFrontendProxy } from '../../../src/devserver/cluster/frontendProxy';

/** A server that answers every connection with its own name. */
async function namedServer(name: string): Promise<{ server: net.Server; address: string }> {
  const server = net.createServer((socket) => socket.end(name));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, address: `127.0.0.1:${(server.address() as net.AddressInfo).port}` };
}

/** What one connection through the proxy reads until it closes. */
function readThrough(port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    let text = '';
    const socket = net.connect(port, '127.0.0.1');
    socket.on('data', (chunk) => (text += chunk.toString()));
    socket.on('close', () => resolve(text));
    socket.on('error', reject);
  });
}

const close = (server: net.Server) => new Promise((resolve) => server.close(resolve));

describe('the frontend proxy', () => {
  let proxy: net.Server;
  let port: number;
  let one: { server: net.Server; address: string };
  let two: { server: net.Server; address: string };

  beforeEach(async () => {
    [one, two] = await Promise.all([namedServer('one'), namedServer('two')]);
    proxy = await startFrontendProxy({ host: '127.0.0.1', port: 0, upstreams: [one.address, two.address] });
    port = (proxy.address() as net.AddressInfo).port;
  });

  afterEach(async () => {
    await Promise.all([proxy, one.server, two.server].filter((s) => s.listening).map(close));
  });

  it('spreads connections over the frontends in turn', async () => {
    const answers = [];
    for (let i = 0; i < 4; i++) answers.push(await readThrough(port));
    expect(answers).toEqual(['one', 'two', 'one', 'two']);
  });

  it('sends every connection to the frontend that is still up', async () => {
    await close(one.server);
    const answers = [];
    for (let i = 0; i < 4; i++) answers.push(await readThrough(port));
    expect(answers).toEqual(['two', 'two', 'two', 'two']);
  });

  it('closes the connection when no frontend is up', async () => {
    await Promise.all([close(one.server), close(two.server)]);
    expect(await readThrough(port)).toBe('');
  });
});
