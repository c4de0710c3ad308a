/** OAuth client credentials against the emulator's login host, auth renewal on 401, and retries through WebChatAPI. */
import { inspect } from 'node:util';
import nock from 'nock';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type Emulator, startEmulator } from '@switchboard/emulator';
import { AuthError, ClientCredentials } from '@switchboard/middleware';
import { WebChatAPI } from '@switchboard/webchat';
import { eventually, sleep } from '../support/time.js';

let e: Emulator;
const quiet = { onDeprecated: () => undefined };

beforeAll(async () => {
  e = await startEmulator({ rateLimit: { limit: 100_000, windowSeconds: 60 }, orgRateLimit: { limit: 100_000, windowSeconds: 60 } });
});
afterAll(() => e.stop());
// A test that stubs the network with nock leaves it as it found it, whether it passed or not.
afterEach(() => {
  nock.cleanAll();
  nock.enableNetConnect();
});

const credentials = (extra: Partial<ConstructorParameters<typeof ClientCredentials>[0]> = {}) =>
  new ClientCredentials({
    loginUrl: e.loginUrl,
    apiUrl: e.apiUrl,
    clientId: e.client.clientId,
    clientSecret: e.client.clientSecret,
    ...extra,
  });

describe('client credentials', () => {
  it('make exactly one token request for 100 concurrent calls with no token', async () => {
    const before = e.stats.tokensIssued;
    const api = new WebChatAPI({
      baseUrl: e.apiUrl,
      loginUrl: e.loginUrl,
      oauth: { clientId: e.client.clientId, clientSecret: e.client.clientSecret },
      ...quiet,
    });
    const results = await Promise.all(Array.from({ length: 100 }, () => api.getWebchatSettings()));
    expect(results.every((r) => r.status === 200)).toBe(true);
    expect(e.stats.tokensIssued - before).toBe(1);
    await api.close();
  });

  it('refresh ahead of expiry, at 90 % of the token’s lifetime', async () => {
    let now = Date.now();
    const source = credentials({ now: () => now });
    const first = await source.getAccessToken();
    now += 86_400_000 * 0.85;
    expect(await source.getAccessToken()).toBe(first);
    now += 86_400_000 * 0.06; // past 90 %, still valid: answered at once, refreshed in the background
    expect(await source.getAccessToken()).toBe(first);
    // Proved by order, not by a pause: the background request was made, and its token comes next.
    const next = await eventually(
      async () => {
        const token = await source.getAccessToken();
        expect(token).not.toBe(first);
        return token;
      },
      { timeoutMs: 5_000 },
    );
    expect(source.tokenRequests).toBe(2);
    expect(next).not.toBe(first);
  });

  it('reject every waiter of a failed request with one AuthError, and try again on the next call', async () => {
    const source = credentials();
    e.faults.add({ match: { operationId: 'oauthToken' }, fault: { kind: 'status', status: 503 }, times: 1 });
    const failures = await Promise.all(Array.from({ length: 10 }, () => source.getAccessToken().catch((error: unknown) => error)));
    expect(new Set(failures).size).toBe(1);
    expect(failures[0]).toBeInstanceOf(AuthError);
    expect((failures[0] as AuthError).message).toMatch(/HTTP 503/);
    expect(source.tokenRequests).toBe(1);
    expect(typeof (await source.getAccessToken())).toBe('string');
    expect(source.tokenRequests).toBe(2);
  });

  it('on a 401 from the API, renew the token once and send the call again, whatever its method', async () => {
    const source = credentials();
    const api = new WebChatAPI({ baseUrl: e.apiUrl, oauth: source, ...quiet });
    const stale = await source.getAccessToken();
    await fetch(`${e.apiUrl}/api/v2/tokens/me`, { method: 'DELETE', headers: { authorization: `Bearer ${stale}` } });
    const created = await api.postWebchatDeployments({ body: { name: 'after a 401' } });
    expect(created.status).toBe(200);
    expect(created.attempts).toBe(2); // both requests count
    expect(source.tokenRequests).toBe(2);
    expect(e.stats.requests('postWebchatDeployments', 401)).toBe(1);
  });

  it('surface an AuthError when fresh credentials get a 401 too', async () => {
    nock.disableNetConnect();
    nock.enableNetConnect('127.0.0.1');
    let tokens = 0;
    const source = { getAccessToken: () => `token-${++tokens}`, invalidate: () => undefined };
    nock('https://api.always401.test').get('/api/v2/webchat/settings').times(3).reply(401, { code: 'bad.credentials', status: 401 });
    const api = new WebChatAPI({ baseUrl: 'https://api.always401.test', oauth: source, ...quiet });
    const error = await api.getWebchatSettings().catch((err: unknown) => err);
    expect(error).toBeInstanceOf(AuthError);
    expect(tokens).toBe(2);
    expect(nock.pendingMocks()).toHaveLength(1); // two requests of three were made
  });

  it('revoke the token on close, and not a provider the caller owns', async () => {
    const before = e.stats.requests('deleteTokensMe', 204);
    const api = new WebChatAPI({
      baseUrl: e.apiUrl,
      loginUrl: e.loginUrl,
      oauth: { clientId: e.client.clientId, clientSecret: e.client.clientSecret },
      ...quiet,
    });
    await api.getWebchatSettings();
    await api.close();
    expect(e.stats.requests('deleteTokensMe', 204) - before).toBe(1);

    const source = credentials();
    const shared = new WebChatAPI({ baseUrl: e.apiUrl, oauth: source, ...quiet });
    await shared.getWebchatSettings();
    const token = await source.getAccessToken();
    await shared.close();
    expect(e.stats.requests('deleteTokensMe', 204) - before).toBe(1);
    await source.close();
    expect(e.stats.requests('deleteTokensMe', 204) - before).toBe(2);
    const after = await fetch(`${e.apiUrl}/api/v2/webchat/settings`, { headers: { authorization: `Bearer ${token}` } });
    expect(after.status).toBe(401);
    await expect(source.getAccessToken()).rejects.toBeInstanceOf(AuthError);
  });

  it('revoke, never hand out, a token that arrives after close', async () => {
    e.faults.add({ match: { operationId: 'oauthToken' }, fault: { kind: 'latency', ms: 150 }, times: 1 });
    const source = credentials();
    const before = e.stats.requests('deleteTokensMe', 204);
    const pending = source.getAccessToken().catch((error: unknown) => error);
    await sleep(30);
    await source.close();
    expect(await pending).toBeInstanceOf(AuthError);
    expect(e.stats.requests('deleteTokensMe', 204) - before).toBe(1);
  });

  it('give each call its own AuthError when a shared token request fails', async () => {
    e.faults.add({ match: { operationId: 'oauthToken' }, fault: { kind: 'status', status: 503 }, times: 1 });
    const api = new WebChatAPI({ baseUrl: e.apiUrl, oauth: credentials(), retry: false, ...quiet });
    const [a, b] = await Promise.all([
      api.getWebchatSettings().catch((x: unknown) => x),
      api.getWebchatDeployments().catch((x: unknown) => x),
    ]);
    expect(a).toBeInstanceOf(AuthError);
    expect(a).not.toBe(b);
    expect(a).toMatchObject({ operationId: 'getWebchatSettings', attempts: 0 });
    expect(b).toMatchObject({ operationId: 'getWebchatDeployments', attempts: 0 });
  });

  it('refuse to send credentials over plain http except to loopback', async () => {
    expect(() => new ClientCredentials({ loginUrl: 'http://login.example.com', clientId: 'a', clientSecret: 'b' })).toThrow(AuthError);
    expect(() => new ClientCredentials({ loginUrl: 'http://127.0.0.1:9', clientId: 'a', clientSecret: 'b' })).not.toThrow();
    expect(() => new ClientCredentials({ loginUrl: 'http://127.evil.example', clientId: 'a', clientSecret: 'b' })).toThrow(AuthError);
    expect(() => new ClientCredentials({ loginUrl: 'http://127.0.0.1.nip.io', clientId: 'a', clientSecret: 'b' })).toThrow(AuthError);
    nock.disableNetConnect();
    const scope = nock('http://api.plain.test')
      .get(() => true)
      .reply(200, {});
    const api = new WebChatAPI({ baseUrl: 'http://api.plain.test', oauth: 'token', ...quiet });
    await expect(api.getWebchatSettings()).rejects.toMatchObject({ code: 'E_AUTH', message: /plain http/ });
    expect(scope.isDone()).toBe(false);
  });

  it('keep the client secret and tokens out of inspection and of every error', async () => {
    const source = credentials();
    const token = await source.getAccessToken();
    const wrong = new ClientCredentials({ loginUrl: e.loginUrl, clientId: e.client.clientId, clientSecret: 'wrong-SECRET-value' });
    const refused = await wrong.getAccessToken().catch((error: unknown) => error);
    expect(refused).toMatchObject({ code: 'E_AUTH', message: /invalid_client/ });
    const api = new WebChatAPI({ baseUrl: e.apiUrl, oauth: source, ...quiet });
    for (const thing of [source, wrong, refused, api]) {
      const text = `${inspect(thing, { showHidden: true, depth: 8 })}\n${JSON.stringify(thing) ?? ''}\n${String(thing)}`;
      for (const secret of [e.client.clientSecret, token, 'wrong-SECRET-value']) expect(text).not.toContain(secret);
    }
  });
});

describe('the emulator’s rate limit and faults through WebChatAPI', () => {
  it('rides out 429s by waiting as the emulator says, and retries a 503 on a GET', async () => {
    const limited = await startEmulator({ rateLimit: { limit: 3, windowSeconds: 1 } });
    try {
      const waits: number[] = [];
      const api = new WebChatAPI({
        baseUrl: limited.apiUrl,
        loginUrl: limited.loginUrl,
        oauth: { clientId: limited.client.clientId, clientSecret: limited.client.clientSecret },
        retry: { onRetry: (event) => waits.push(event.waitMs) },
        ...quiet,
      });
      const results = await Promise.all(Array.from({ length: 6 }, () => api.getWebchatSettings()));
      expect(results.every((r) => r.status === 200)).toBe(true);
      expect(limited.stats.tooManyRequests).toBeGreaterThan(0);
      expect(waits.length).toBe(limited.stats.tooManyRequests);
      expect(waits.every((w) => w === 1_000)).toBe(true);

      limited.faults.add({ match: { operationId: 'getWebchatDeployments' }, fault: { kind: 'status', status: 503 }, times: 1 });
      await sleep(1_100);
      expect((await api.getWebchatDeployments()).attempts).toBe(2);
      await api.close();
    } finally {
      await limited.stop();
    }
  });
});
