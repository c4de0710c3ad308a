/**
 * The event stream through a real forward proxy (tinyproxy on loopback): the websocket tunnels
 * through the client's proxy with CONNECT, the environment's `HTTP_PROXY`/`NO_PROXY` apply as
 * they do to API calls, a proxy that wants credentials ends the stream at once (no reconnect can
 * mend that), and one that is down is named in the reconnect reason, never its credentials. A
 * proxy that accepts the connection and never answers CONNECT does not freeze the stream: each
 * attempt times out, its socket to the proxy is closed, and the outage bound ends the stream.
 * Then WebChatAPI against the emulator: login, API calls and the stream all go through the proxy.
 */
import { createServer, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startEmulator } from '@switchboard/emulator';
import { AuthError, WebChatAPI } from '@switchboard/webchat';
import { ChatStream } from '../src/chat-stream.js';
import { downProxyUrl, type Proxy, startProxy } from '../../../test/support/proxy.js';
import { type WsLoopback, wsLoopback } from '../../../test/support/ws-loopback.js';
import { frames, message, recorder, sourceOf } from './stream-harness.js';

const saved = { HTTP_PROXY: process.env.HTTP_PROXY, NO_PROXY: process.env.NO_PROXY };
let proxy: Proxy;
let guarded: Proxy;
let server: WsLoopback | undefined;
let stream: ChatStream | undefined;
let silent: SilentProxy | undefined;
const credentials = { user: 'switch', password: 'stream-proxy-secret' };

beforeAll(async () => {
  [proxy, guarded] = await Promise.all([startProxy(), startProxy({ auth: credentials })]);
});
afterAll(() => Promise.all([proxy.stop(), guarded.stop()]));
afterEach(async () => {
  await stream?.close('closed');
  await server?.close();
  await silent?.stop();
  stream = server = silent = undefined;
  for (const [name, value] of Object.entries(saved)) {
    if (value === undefined) delete process.env[name];
    else process.env[name] = value;
  }
});

const tunnelsTo = async (via: Proxy, port: number) =>
  (await via.requests()).filter((request) => request.method === 'CONNECT' && request.port === port).length;
const portOf = (url: string) => Number(new URL(url).port);

/** A "proxy" on loopback that accepts TCP connections and never answers a byte (it hangs CONNECT, or a websocket upgrade, forever). */
interface SilentProxy {
  readonly url: string;
  /** Connections accepted so far. */
  accepted(): number;
  /** Connections closed so far (by the client: the proxy itself never closes one). */
  closed(): number;
  /** Resolves once `test` holds, checked after each connection and each close. */
  until(test: () => boolean): Promise<void>;
  stop(): Promise<void>;
}

async function silentProxy(): Promise<SilentProxy> {
  const sockets: Socket[] = [];
  let closed = 0;
  const waiters = new Set<() => void>();
  const changed = () => waiters.forEach((check) => check());
  const proxyServer = createServer((socket) => {
    sockets.push(socket);
    // It reads the CONNECT request and answers nothing. (Unread, the request would also keep the
    // client's FIN from being seen: a socket emits 'end', and then 'close', only once read to its end.)
    socket.resume();
    socket.on('error', () => undefined); // a client that resets is what the test waits for
    socket.on('close', () => {
      closed++;
      changed();
    });
    changed();
  });
  await new Promise<void>((resolve) => proxyServer.listen(0, '127.0.0.1', resolve));
  const { port } = proxyServer.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    accepted: () => sockets.length,
    closed: () => closed,
    until: (test) =>
      new Promise<void>((resolve) => {
        const check = () => {
          if (!test()) return;
          waiters.delete(check);
          resolve();
        };
        waiters.add(check);
        check();
      }),
    stop: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => proxyServer.close(resolve));
    },
  };
}

describe('the event stream through a proxy', () => {
  it('tunnels through an explicit proxy, with its credentials', async () => {
    server = await wsLoopback((socket) => socket.send(frames.message(message('m1', 1))));
    const seen = recorder();
    stream = new ChatStream({ ...sourceOf(server.url), proxy: guarded.urlWithAuth() }, { reorderWindowMs: 0 }, seen.sink);
    stream.start();
    await seen.until(() => seen.ids().length === 1);
    expect(seen.ids()).toEqual(['m1']);
    expect(await tunnelsTo(guarded, portOf(server.url))).toBe(1);
  });

  it('follows HTTP_PROXY and NO_PROXY from the environment, and connects directly with proxy: false', async () => {
    server = await wsLoopback((socket) => socket.send(frames.message(message('m1', 1))));
    const port = portOf(server.url);
    process.env.HTTP_PROXY = proxy.url;
    delete process.env.NO_PROXY;
    const viaEnvironment = recorder();
    stream = new ChatStream(sourceOf(server.url), { reorderWindowMs: 0 }, viaEnvironment.sink);
    stream.start();
    await viaEnvironment.until(() => viaEnvironment.ids().length === 1);
    await stream.close('closed');
    expect(await tunnelsTo(proxy, port)).toBe(1);

    for (const [settings, environment] of [
      [{}, { NO_PROXY: `127.0.0.1:${port}` }],
      [{ proxy: false as const }, {}],
    ] as const) {
      Object.assign(process.env, environment);
      const direct = recorder();
      stream = new ChatStream({ ...sourceOf(server.url), ...settings }, { reorderWindowMs: 0 }, direct.sink);
      stream.start();
      await direct.until(() => direct.ids().length === 1);
      await stream.close('closed');
    }
    expect(await tunnelsTo(proxy, port)).toBe(1);
  });

  it('gives up at once when the proxy wants credentials, naming the proxy and not the stream’s token', async () => {
    server = await wsLoopback();
    const seen = recorder();
    stream = new ChatStream({ ...sourceOf(server.url), proxy: guarded.url }, { reorderWindowMs: 0 }, seen.sink);
    stream.start();
    await seen.until(() => seen.failures.length === 1);
    expect(seen.failures[0]).toMatchObject({ failure: 'refused' });
    expect(seen.connection()).toEqual([`closed refused`]);
    const shown = JSON.stringify([seen.events, seen.failures, String(seen.failures[0])]);
    expect(shown).toContain(`HTTP 407 from ${guarded.url}`);
    expect(shown).not.toContain('secret-stream-token');
    expect(server.sockets).toHaveLength(0);
  });

  it('gives up at once, naming the variable and not its value, when HTTP_PROXY is no URL', async () => {
    server = await wsLoopback();
    process.env.HTTP_PROXY = 'http://user:env-secret-5@[bad';
    const seen = recorder();
    stream = new ChatStream(sourceOf(server.url), { reorderWindowMs: 0 }, seen.sink);
    stream.start();
    await seen.until(() => seen.failures.length === 1);
    expect(seen.failures[0]).toMatchObject({ failure: 'refused' });
    const shown = JSON.stringify([seen.events, seen.failures, String(seen.failures[0])]);
    expect(shown).toContain('the HTTP_PROXY variable must be a proxy URL');
    expect(shown).not.toContain('env-secret-5');
  });

  it('names the proxy that is down in the reconnect reason, without its credentials', async () => {
    server = await wsLoopback();
    const down = await downProxyUrl();
    const seen = recorder();
    const withCredentials = down.replace('http://', 'http://user:down-proxy-secret@');
    stream = new ChatStream({ ...sourceOf(server.url), proxy: withCredentials }, { reorderWindowMs: 0 }, seen.sink);
    stream.start();
    await seen.until(() => seen.connection().length >= 1);
    expect(seen.connection()[0]).toBe(`reconnecting ECONNREFUSED at the proxy ${down}`);
    expect(JSON.stringify(seen.events)).not.toContain('down-proxy-secret');
  });
});

describe('a proxy that accepts the connection and never answers CONNECT (and a server that never answers the upgrade)', () => {
  // The connect bound is the handshake bound, min(stall, 10 s): 2.5 heartbeats of 40 ms, 100 ms here.
  const quick = { heartbeatIntervalMs: 40, reconnect: { baseMs: 1, capMs: 5 }, reorderWindowMs: 0 };

  it('times each attempt out (reconnecting, its socket to the proxy closed), and gives up after giveUpAfterMs', async () => {
    server = await wsLoopback();
    silent = await silentProxy();
    const seen = recorder();
    const giveUpAfterMs = 400;
    const startedAt = Date.now();
    stream = new ChatStream({ ...sourceOf(server.url), proxy: silent.url }, { ...quick, giveUpAfterMs }, seen.sink);
    stream.start();
    await seen.until(() => seen.failures.length === 1);
    // A lower bound only: the outage bound held; no upper bound on a loaded machine.
    expect(Date.now() - startedAt).toBeGreaterThanOrEqual(giveUpAfterMs);
    expect(seen.failures[0]).toMatchObject({ failure: 'outage' });
    expect(String(seen.failures[0])).toContain('could not connect (timed out)');
    const reconnects = seen.connection().slice(0, -1);
    expect(seen.connection().at(-1)).toBe('closed gave up');
    expect(reconnects.length).toBeGreaterThanOrEqual(1);
    expect(new Set(reconnects)).toEqual(new Set(['reconnecting could not connect (timed out)']));
    // Each attempt reached the proxy (reconnects + the last one), and each of its sockets was closed: none left hanging.
    const attempts = reconnects.length + 1;
    await silent.until(() => silent?.accepted() === attempts && silent.closed() === attempts);
    expect(server.sockets).toHaveLength(0);
  });

  it('without a proxy, a server that accepts and never answers the upgrade times out the same way', async () => {
    silent = await silentProxy();
    const seen = recorder();
    const uri = `${silent.url.replace('http:', 'ws:')}/streaming?token=secret-stream-token`;
    stream = new ChatStream({ ...sourceOf(uri), proxy: false }, { ...quick, giveUpAfterMs: 300 }, seen.sink);
    stream.start();
    await seen.until(() => seen.failures.length === 1);
    const reconnects = seen.connection().slice(0, -1);
    expect(new Set(reconnects)).toEqual(new Set(['reconnecting could not connect (timed out)']));
    expect(seen.connection().at(-1)).toBe('closed gave up');
    await silent.until(() => silent?.accepted() === reconnects.length + 1 && silent.closed() === reconnects.length + 1);
    expect(JSON.stringify([seen.events, String(seen.failures[0])])).not.toContain('secret-stream-token');
  });

  it('closing the stream while it waits for CONNECT closes its socket to the proxy', async () => {
    server = await wsLoopback();
    silent = await silentProxy();
    const seen = recorder();
    // The default bounds (10 s to connect): the close comes long before the attempt would time out.
    stream = new ChatStream({ ...sourceOf(server.url), proxy: silent.url }, { reorderWindowMs: 0 }, seen.sink);
    stream.start();
    await silent.until(() => silent?.accepted() === 1);
    await stream.close('left');
    await silent.until(() => silent?.closed() === 1);
    expect(seen.connection()).toEqual(['closed left']);
    expect(seen.failures).toEqual([]);
  });
});

/** The emulator, and a WebChatAPI with client credentials that reaches it through `proxyUrl`. */
async function apiThrough(proxyUrl: string) {
  const emulator = await startEmulator({ port: 0 });
  const api = new WebChatAPI({
    baseUrl: emulator.apiUrl,
    loginUrl: emulator.loginUrl,
    oauth: { clientId: emulator.client.clientId, clientSecret: emulator.client.clientSecret },
    onDeprecated: () => undefined,
    proxy: proxyUrl,
  });
  return { emulator, api };
}

describe('WebChatAPI through a proxy', () => {
  it('sends the login, the API calls and the event stream through it', async () => {
    const { emulator, api } = await apiThrough(proxy.url);
    try {
      const before = await tunnelsTo(proxy, portOf(emulator.apiUrl));
      await api.getWebchatDeployment({ deploymentId: emulator.deploymentId });
      const chat = await api.startGuestChat({
        organizationId: emulator.organizationId,
        deploymentId: emulator.deploymentId,
        routingTarget: { targetType: 'QUEUE', targetAddress: 'Support' },
        memberInfo: { displayName: 'Pat' },
      });
      for await (const event of chat.events()) if (event.type === 'connection' && event.state === 'open') break;
      // The API's keep-alive tunnel, the login host's (the same emulator, another Agent) and the websocket's own.
      expect(await tunnelsTo(proxy, portOf(emulator.apiUrl))).toBeGreaterThanOrEqual(before + 3);
      await chat.leave();
    } finally {
      await api.close();
      await emulator.stop();
    }
  });

  it('a login through a proxy that wants credentials is an AuthError naming the proxy, at once', async () => {
    const { emulator, api } = await apiThrough(guarded.url);
    try {
      const error = await api.getWebchatDeployment({ deploymentId: emulator.deploymentId }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(AuthError);
      expect((error as Error).message).toContain(`(PROXY_407 at the proxy ${guarded.url})`);
    } finally {
      await api.close();
      await emulator.stop();
    }
  });
});
