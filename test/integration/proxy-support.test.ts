/** The proxy and TLS test helpers themselves, driven with node:http and node:tls: no Switchboard client involved. */
import { type IncomingHttpHeaders, type IncomingMessage, request } from 'node:http';
import { type Socket } from 'node:net';
import { connect as tlsConnect, type ConnectionOptions } from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Loopback, startLoopback } from '../support/loopback.js';
import { basicAuthorization, downProxyUrl, parseProxyLog, type Proxy, startProxy } from '../support/proxy.js';
import { startTlsServer, type TlsServer } from '../support/tls.js';

interface Answer {
  readonly status: number;
  readonly statusMessage: string;
  readonly headers: IncomingHttpHeaders;
  readonly body: string;
}

/** Reads a whole answer. */
function answered(res: IncomingMessage): Promise<Answer> {
  return new Promise((resolve, reject) => {
    let body = '';
    res.setEncoding('utf8');
    res.on('data', (chunk: string) => (body += chunk));
    res.on('error', reject);
    res.on('end', () => resolve({ status: res.statusCode ?? 0, statusMessage: res.statusMessage ?? '', headers: res.headers, body }));
  });
}

/**
 * A plain-HTTP request through the proxy: the absolute URL as the request target. On a connection of
 * its own: tinyproxy closes the client connection after each forwarded response without saying
 * `Connection: close`, so a keep-alive agent would send its next request into a closing socket.
 */
function getViaProxy(proxyPort: number, url: string, headers: Record<string, string> = {}): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const target = { host: new URL(url).host, ...headers };
    const req = request({ agent: false, host: '127.0.0.1', port: proxyPort, path: url, headers: target }, (res) => resolve(answered(res)));
    req.on('error', reject);
    req.end();
  });
}

/** A CONNECT to `authority` through the proxy: its answer, and the tunnel when it was established. */
function connectVia(proxyPort: number, authority: string, headers: Record<string, string> = {}): Promise<Answer & { socket: Socket }> {
  return new Promise((resolve, reject) => {
    const options = { agent: false, host: '127.0.0.1', port: proxyPort, method: 'CONNECT', path: authority };
    const req = request({ ...options, headers: { host: authority, ...headers } });
    // Node emits 'connect' for every answer to a CONNECT, a 407 included; the body of a refusal is not read.
    req.on('connect', (res, socket: Socket) =>
      resolve({ status: res.statusCode ?? 0, statusMessage: res.statusMessage ?? '', headers: res.headers, body: '', socket }),
    );
    req.on('error', reject);
    req.end();
  });
}

/** A GET over an established tunnel (or a TLS socket on one). */
function getOver(socket: Socket, host: string, path = '/over-tunnel'): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request({ createConnection: () => socket, path, headers: { host, connection: 'close' } }, (res) => resolve(answered(res)));
    req.on('error', reject);
    req.end();
  });
}

function secureOver(socket: Socket, options: ConnectionOptions): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const secure = tlsConnect({ socket, ...options }, () => resolve(secure));
    secure.once('error', reject);
  });
}

function connectError(url: string): Promise<NodeJS.ErrnoException> {
  return new Promise((resolve, reject) => {
    const req = request(url, () => reject(new Error(`${url} answered`)));
    req.on('error', resolve);
    req.end();
  });
}

const credentials = { user: 'switchboard', password: 'proxy-pass.1' };

let proxy: Proxy;
let authProxy: Proxy;
let server: Loopback;
let tlsServer: TlsServer;
// One at a time, so that afterAll stops whatever started when a later one fails.
beforeAll(async () => {
  proxy = await startProxy();
  authProxy = await startProxy({ auth: credentials });
  server = await startLoopback();
  tlsServer = await startTlsServer();
});
afterAll(async () => {
  await Promise.all([proxy?.stop(), authProxy?.stop(), server?.close(), tlsServer?.close()]);
});

/** What one proxy logged for requests to one port (the proxies are shared by the tests here). */
async function loggedFor(of: Proxy, port: number) {
  return (await of.requests()).filter((entry) => entry.port === port);
}

describe('startProxy', () => {
  it('forwards a plain-HTTP request and logs it', async () => {
    const answer = await getViaProxy(proxy.port, `${server.url}/through-proxy?q=1`);
    expect(answer.status).toBe(200);
    expect(server.requests.find((r) => r.url === '/through-proxy?q=1')?.headers.via).toMatch(/switchboard-test-proxy/);
    expect(await loggedFor(proxy, server.port)).toContainEqual({
      method: 'GET',
      target: `${server.url}/through-proxy?q=1`,
      host: '127.0.0.1',
      port: server.port,
    });
  });

  it('tunnels a CONNECT to any loopback port and logs it', async () => {
    const other = await startLoopback();
    try {
      const tunnel = await connectVia(proxy.port, `127.0.0.1:${other.port}`);
      expect([tunnel.status, tunnel.statusMessage]).toEqual([200, 'Connection established']);
      expect((await getOver(tunnel.socket, `127.0.0.1:${other.port}`)).status).toBe(200);
      // Through a tunnel the proxy sees no request, so it adds no Via header.
      expect(other.requests.map((r) => [r.url, r.headers.via])).toEqual([['/over-tunnel', undefined]]);
      expect(await loggedFor(proxy, other.port)).toEqual([
        { method: 'CONNECT', target: `127.0.0.1:${other.port}`, host: '127.0.0.1', port: other.port },
      ]);
    } finally {
      await other.close();
    }
  });

  it('carries HTTPS through CONNECT to a server with the test certificate', async () => {
    const authority = `127.0.0.1:${tlsServer.port}`;
    // Checked against the IP address, then against the name localhost: both are in the certificate.
    for (const options of [{ host: '127.0.0.1' }, { servername: 'localhost' }]) {
      const tunnel = await connectVia(proxy.port, authority);
      const secure = await secureOver(tunnel.socket, { ca: tlsServer.ca, ...options });
      const answer = await getOver(secure, authority, '/secure');
      expect([answer.status, JSON.parse(answer.body)]).toEqual([200, { method: 'GET', url: '/secure' }]);
    }
    // Without the certificate as a CA the server is not trusted: the check is real.
    const untrusted = await connectVia(proxy.port, authority);
    await expect(secureOver(untrusted.socket, { host: '127.0.0.1' })).rejects.toMatchObject({ code: 'DEPTH_ZERO_SELF_SIGNED_CERT' });
    expect((await loggedFor(proxy, tlsServer.port)).map((entry) => entry.method)).toEqual(['CONNECT', 'CONNECT', 'CONNECT']);
  });

  it('answers 407 without credentials, for forwarding and CONNECT, and forwards nothing', async () => {
    const other = await startLoopback();
    try {
      const plain = await getViaProxy(authProxy.port, `${other.url}/no-credentials`);
      const tunnel = await connectVia(authProxy.port, `127.0.0.1:${other.port}`);
      tunnel.socket.destroy();
      for (const answer of [plain, tunnel]) {
        expect(answer.status).toBe(407);
        expect(answer.headers['proxy-authenticate']).toMatch(/^Basic /);
      }
      expect(other.requests).toEqual([]);
      // Refused requests are in the log too: tinyproxy logs a request line before checking credentials.
      expect((await loggedFor(authProxy, other.port)).map((entry) => entry.method)).toEqual(['GET', 'CONNECT']);
    } finally {
      await other.close();
    }
  });

  it('forwards and tunnels with Proxy-Authorization, and refuses wrong credentials', async () => {
    const other = await startLoopback();
    try {
      const authorization = { 'proxy-authorization': basicAuthorization(credentials) };
      expect((await getViaProxy(authProxy.port, `${other.url}/with-credentials`, authorization)).status).toBe(200);
      const tunnel = await connectVia(authProxy.port, `127.0.0.1:${other.port}`, authorization);
      expect(tunnel.status).toBe(200);
      expect((await getOver(tunnel.socket, `127.0.0.1:${other.port}`)).status).toBe(200);
      // The credentials stay with the proxy: the server never sees them.
      expect(other.requests.map((r) => [r.url, r.headers['proxy-authorization']])).toEqual([
        ['/with-credentials', undefined],
        ['/over-tunnel', undefined],
      ]);
      // Wrong credentials: tinyproxy up to 1.11.2 (Debian 12) answers 401, later versions 407.
      const wrong = { 'proxy-authorization': basicAuthorization({ ...credentials, password: 'wrong' }) };
      expect([401, 407]).toContain((await getViaProxy(authProxy.port, `${other.url}/wrong`, wrong)).status);
      const refused = await connectVia(authProxy.port, `127.0.0.1:${other.port}`, wrong);
      refused.socket.destroy();
      expect([401, 407]).toContain(refused.status);
      expect(other.requests).toHaveLength(2);
    } finally {
      await other.close();
    }
  });

  it('puts the credentials in urlWithAuth, percent-encoded', () => {
    expect(authProxy.urlWithAuth()).toBe(`http://switchboard:proxy-pass.1@127.0.0.1:${authProxy.port}`);
    expect(proxy.urlWithAuth({ user: 'a@b', password: 'c:d' })).toBe(`http://a%40b:c%3Ad@127.0.0.1:${proxy.port}`);
    expect(() => proxy.urlWithAuth()).toThrow(/without auth/);
    expect(proxy.url).toBe(`http://127.0.0.1:${proxy.port}`);
  });

  it('refuses credentials tinyproxy cannot configure', async () => {
    await expect(startProxy({ auth: { user: 'user', password: 'has space' } })).rejects.toThrow(/BasicAuth takes only/);
  });

  it('stops: the port refuses connections afterwards, and a second stop is harmless', async () => {
    const shortLived = await startProxy();
    await shortLived.stop();
    await shortLived.stop();
    expect((await connectError(`${shortLived.url}/`)).code).toBe('ECONNREFUSED');
  });
});

describe('downProxyUrl', () => {
  it('names a loopback port that refuses connections', async () => {
    const url = await downProxyUrl();
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect((await connectError(`${url}/`)).code).toBe('ECONNREFUSED');
  });
});

describe('parseProxyLog', () => {
  it('reads the complete request lines and nothing else', () => {
    const log = [
      'CONNECT   Dec 06 11:19:27.396 [4770]: Connect (file descriptor 5): 127.0.0.1',
      'CONNECT   Dec 06 11:19:27.397 [4770]: Request (file descriptor 5): GET http://127.0.0.1:38126/a?b=c HTTP/1.1',
      'CONNECT   Dec 06 11:19:27.459 [4770]: Established connection to host "127.0.0.1" using file descriptor 6.',
      'CONNECT   Dec 06 11:19:27.506 [4770]: Request (file descriptor 7): CONNECT [::1]:8443 HTTP/1.1',
      'CONNECT   Dec 06 11:19:27.507 [4770]: Request (file descriptor 8): POST http://localhost/x HTTP/1.0',
      'CONNECT   Dec 06 11:19:27.508 [4770]: Request (file descriptor 9): GET / HTTP/1.1',
      // Still being written: left for the next read.
      'CONNECT   Dec 06 11:19:27.509 [4770]: Request (file descriptor 10): GET http://127.0.0.1:38126/lo',
    ].join('\n');
    expect(parseProxyLog(log)).toEqual([
      { method: 'GET', target: 'http://127.0.0.1:38126/a?b=c', host: '127.0.0.1', port: 38126 },
      { method: 'CONNECT', target: '[::1]:8443', host: '[::1]', port: 8443 },
      { method: 'POST', target: 'http://localhost/x', host: 'localhost', port: 80 },
      { method: 'GET', target: '/', host: undefined, port: undefined },
    ]);
  });
});
