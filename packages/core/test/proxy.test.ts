/**
 * Both transports through a real forward proxy (tinyproxy on loopback): an explicit `proxy`, the
 * environment's variables the way undici's EnvHttpProxyAgent reads them, `NO_PROXY`, `proxy:
 * false`, a proxy that wants credentials (407) and one that is down.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type AddressInfo, createServer as createTcpServer, type Socket } from 'node:net';
import { ConfigurationError, createClient, NetworkError, proxyFor, TimeoutError } from '@switchboard/core';
import { json, type Loopback, startLoopback } from '../../../test/support/loopback.js';
import { downProxyUrl, type Proxy, startProxy } from '../../../test/support/proxy.js';
import { getThing } from '../../../test/support/routes.js';

const VARIABLES = ['http_proxy', 'HTTP_PROXY', 'https_proxy', 'HTTPS_PROXY', 'no_proxy', 'NO_PROXY'] as const;
const saved = Object.fromEntries(VARIABLES.map((name) => [name, process.env[name]]));

function restoreEnvironment(): void {
  for (const name of VARIABLES) {
    if (saved[name] === undefined) delete process.env[name];
    else process.env[name] = saved[name];
  }
}

function setEnvironment(values: Partial<Record<(typeof VARIABLES)[number], string>>): void {
  for (const name of VARIABLES) delete process.env[name];
  Object.assign(process.env, values);
}

/** A TCP server that accepts connections and never says a word: a proxy that hangs. */
async function silentServer(): Promise<{ url: string; connections(): number; close(): Promise<void> }> {
  const sockets = new Set<Socket>();
  let opened = 0;
  const server = createTcpServer((socket) => {
    opened++;
    sockets.add(socket);
    socket.on('error', () => undefined);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    connections: () => opened,
    close: () =>
      new Promise((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

describe.each(['ky', 'undici'] as const)('%s transport through a proxy', (transport) => {
  let target: Loopback;
  let proxy: Proxy;
  let guarded: Proxy;
  const credentials = { user: 'switch', password: 'proxy-secret-42' };

  beforeAll(async () => {
    target = await startLoopback(json(200, { id: 't1', name: 'through' }));
    proxy = await startProxy();
    guarded = await startProxy({ auth: credentials });
  });
  afterAll(async () => {
    await Promise.all([target.close(), proxy.stop(), guarded.stop()]);
  });
  afterEach(restoreEnvironment);

  /** Requests the proxy received for the target's port. */
  const seenBy = async (via: Proxy) => (await via.requests()).filter((request) => request.port === target.port).length;

  it('goes through an explicit proxy', async () => {
    setEnvironment({});
    const before = await seenBy(proxy);
    const client = createClient({ baseUrl: target.url, transport, proxy: proxy.url });
    const result = await client.call(getThing, { thingId: 'a' });
    await client.close();
    expect(result.data).toEqual({ id: 't1', name: 'through' });
    expect(await seenBy(proxy)).toBe(before + 1);
  });

  it('reads HTTP_PROXY from the environment, honours NO_PROXY, and connects directly with proxy: false', async () => {
    setEnvironment({ HTTP_PROXY: proxy.url });
    const before = await seenBy(proxy);
    const viaEnvironment = createClient({ baseUrl: target.url, transport });
    await viaEnvironment.call(getThing, { thingId: 'a' });
    expect(await seenBy(proxy)).toBe(before + 1);

    // NO_PROXY is read as it changes, by the agent and by proxyFor() alike.
    process.env.NO_PROXY = `example.com,127.0.0.1:${target.port}`;
    expect(proxyFor(target.url, undefined)).toBeUndefined();
    await viaEnvironment.call(getThing, { thingId: 'a' });
    expect(await seenBy(proxy)).toBe(before + 1);
    await viaEnvironment.close();

    delete process.env.NO_PROXY;
    const direct = createClient({ baseUrl: target.url, transport, proxy: false });
    await direct.call(getThing, { thingId: 'a' });
    await direct.close();
    expect(await seenBy(proxy)).toBe(before + 1);
  });

  it('reads the lower-case variable first', async () => {
    setEnvironment({ http_proxy: proxy.url, HTTP_PROXY: await downProxyUrl() });
    const before = await seenBy(proxy);
    const client = createClient({ baseUrl: target.url, transport });
    await expect(client.call(getThing, { thingId: 'a' })).resolves.toMatchObject({ status: 200 });
    await client.close();
    expect(await seenBy(proxy)).toBe(before + 1);
  });

  it('sends the credentials of the proxy URL, and never shows them', async () => {
    const before = target.requests.length;
    const refused = await createClient({ baseUrl: target.url, transport, proxy: guarded.url })
      .call(getThing, { thingId: 'a' })
      .catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(NetworkError);
    expect(refused).toMatchObject({ causeCode: 'PROXY_407', proxy: guarded.url, requestMayHaveBeenSent: false, attempts: 1 });
    expect((refused as Error).message).toBe(`getThing: network error PROXY_407 at the proxy ${guarded.url}; the request was not sent`);
    expect(target.requests.length).toBe(before);

    const client = createClient({ baseUrl: target.url, transport, proxy: guarded.urlWithAuth() });
    await expect(client.call(getThing, { thingId: 'a' })).resolves.toMatchObject({ status: 200 });
    await client.close();
    const wrong = await createClient({
      baseUrl: target.url,
      transport,
      proxy: guarded.urlWithAuth({ ...credentials, password: 'wrong-one' }),
    })
      .call(getThing, { thingId: 'a' })
      .catch((e: unknown) => e);
    // tinyproxy answers wrong credentials with 401 (missing ones with 407): the proxy's own status, as it sent it.
    expect(wrong).toMatchObject({ causeCode: 'PROXY_401', proxy: guarded.url, requestMayHaveBeenSent: false });
    for (const shown of [String(wrong), JSON.stringify(wrong), (wrong as Error).stack ?? '']) {
      expect(shown).not.toContain('wrong-one');
      expect(shown).not.toContain(credentials.user);
    }
  });

  it('ends an attempt at its timeout when the proxy never answers CONNECT, and close() still closes', async () => {
    const silent = await silentServer();
    const client = createClient({ baseUrl: target.url, transport, proxy: silent.url, timeout: 200 });
    const error = await client.call(getThing, { thingId: 'a' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TimeoutError);
    expect(error).toMatchObject({ kind: 'attempt', timeoutMs: 200 });
    // It hung for undici's 300 s wait for the tunnel; close() waited on it too, on both transports.
    // (undici 7.30 leaves the socket of an unanswered CONNECT open even once destroyed: the proxy's to close.)
    await client.close();
    expect(silent.connections()).toBe(1);
    await silent.close();
  });

  it('takes a proxy variable without a scheme as http, and refuses one that is no URL without quoting it', async () => {
    setEnvironment({ HTTP_PROXY: proxy.url.slice('http://'.length) });
    const before = await seenBy(proxy);
    const client = createClient({ baseUrl: target.url, transport });
    await expect(client.call(getThing, { thingId: 'a' })).resolves.toMatchObject({ status: 200 });
    await client.close();
    expect(await seenBy(proxy)).toBe(before + 1);

    setEnvironment({ http_proxy: 'http://user:pw-in-env-9@[bad' });
    const error = await createClient({ baseUrl: target.url, transport })
      .call(getThing, { thingId: 'a' })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConfigurationError);
    expect((error as Error).message).toBe('the http_proxy variable must be a proxy URL such as http://proxy.example:3128');
    expect(JSON.stringify(error) + String((error as Error).stack)).not.toContain('pw-in-env-9');
  });

  it('names the proxy, not the target, when the proxy is down', async () => {
    const down = await downProxyUrl();
    const error = await createClient({ baseUrl: target.url, transport, proxy: `http://user:pw-down-7@${down.slice('http://'.length)}` })
      .call(getThing, { thingId: 'a' })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(NetworkError);
    expect(error).toMatchObject({ causeCode: 'ECONNREFUSED', proxy: down, requestMayHaveBeenSent: false });
    expect((error as Error).message).toContain(`at the proxy ${down}`);
    expect(JSON.stringify(error)).not.toContain('pw-down-7');
  });
});

describe('the proxy setting', () => {
  it.each(['not a url', 'ftp://proxy.example', '', 'http://'])('refuses %j with a ConfigurationError that does not quote it', (bad) => {
    const attempt = () => createClient({ baseUrl: 'http://127.0.0.1:9', proxy: bad });
    expect(attempt).toThrow(ConfigurationError);
    expect(attempt).toThrow(/^proxy must be an http\(s\) URL/);
  });

  it('follows undici’s NO_PROXY rules: subdomains, ports, a leading dot or star, and * for none', () => {
    const environment = {
      httpProxy: 'http://p.example:1',
      httpsProxy: 'http://ps.example:2',
      noProxy: '.internal.example, api.example:8443 *.corp',
    };
    const through = (url: string) => proxyFor(url, undefined, environment)?.host;
    expect(through('http://anything.example')).toBe('p.example:1');
    expect(through('https://anything.example')).toBe('ps.example:2');
    expect(through('wss://anything.example')).toBe('ps.example:2');
    expect(through('http://internal.example')).toBeUndefined();
    expect(through('http://a.b.internal.example')).toBeUndefined();
    expect(through('https://api.example:8443')).toBeUndefined();
    expect(through('https://api.example')).toBe('ps.example:2');
    expect(through('http://x.corp')).toBeUndefined();
    expect(proxyFor('http://a.example', undefined, { ...environment, noProxy: '*' })).toBeUndefined();
    expect(proxyFor('http://a.example', 'http://explicit.example:3', { ...environment, noProxy: '*' })?.host).toBe('explicit.example:3');
    expect(proxyFor('http://a.example', false, environment)).toBeUndefined();
  });
});
