/**
 * ClientCredentials' loginUrl: refused at construction when it cannot be the login host (the token
 * endpoint itself, a relative or non-http URL), and a refused token request names the endpoint it
 * called, never a credential. A login answer the token cannot be used from (a token that cannot go
 * in a header, a lifetime that is no lifetime, a body that is not a JSON object or has no end) is
 * an AuthError at once, never cached, never retried. The flows against the emulator are in
 * test/integration/auth-and-retry.test.ts.
 */
import { inspect } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigurationError, createClient, defineRoute, type RetryEvent } from '@switchboard/core';
import { AuthError, authByScheme, ClientCredentials, retry } from '@switchboard/middleware';
import { closedPort, type Handler, json, type Loopback, startLoopback } from '../../../test/support/loopback.js';

const clientId = 'client-id-7f3a';
const clientSecret = 'client-SECRET-9b41e0';
const basic = Buffer.from(`${clientId}:${clientSecret}`).toString('base64');
const token = 'oauth-token-d2c8a1';

let login: Loopback;
beforeAll(async () => {
  login = await startLoopback(json(200, { access_token: token, token_type: 'bearer', expires_in: 3600 }));
});
afterAll(() => login.close());

const credentials = (loginUrl: string) => new ClientCredentials({ loginUrl, clientId, clientSecret });

/** Everything an error shows: message, JSON and inspection. */
const shown = (error: unknown) => `${String(error)}\n${JSON.stringify(error) ?? ''}\n${inspect(error, { showHidden: true, depth: 8 })}`;

function expectNoCredentials(text: string): void {
  for (const secret of [clientSecret, basic, token, `Basic ${basic}`]) expect(text).not.toContain(secret);
}

describe('ClientCredentials loginUrl', () => {
  it('refuses the token endpoint as loginUrl with a ConfigurationError that says what loginUrl is', () => {
    const requestsBefore = login.requests.length;
    for (const [loginUrl, host] of [
      ['https://login.mypurecloud.com/oauth/token', 'https://login.mypurecloud.com'],
      ['https://login.mypurecloud.com/oauth/token/', 'https://login.mypurecloud.com'],
      ['https://login.mypurecloud.com/OAuth/Token', 'https://login.mypurecloud.com'],
      [`${login.url}/login/oauth/token`, `${login.url}/login`],
    ] as const) {
      const error = (() => {
        try {
          credentials(loginUrl);
        } catch (thrown) {
          return thrown;
        }
        return undefined;
      })();
      expect(error, loginUrl).toBeInstanceOf(ConfigurationError);
      expect(error).toMatchObject({ code: 'E_CONFIG' });
      const { message } = error as ConfigurationError;
      expect(message).toContain('loginUrl is the login host');
      expect(message).toContain('https://login.mypurecloud.com');
      expect(message).toContain('/oauth/token is appended');
      expect(message).toContain(`pass ${host}`);
      expectNoCredentials(shown(error));
    }
    expect(login.requests.length).toBe(requestsBefore); // nothing was sent
  });

  it('refuses a loginUrl that is not an absolute http(s) URL, or carries credentials or a query, without quoting them', () => {
    for (const loginUrl of [
      'login.mypurecloud.com',
      '/login',
      '',
      'localhost:8080',
      'ftp://login.mypurecloud.com',
      `https://${clientId}:${clientSecret}@login.mypurecloud.com`,
      `https://login.mypurecloud.com/?client_secret=${clientSecret}`,
      'https://login.mypurecloud.com/#x',
      'https://login.mypurecloud.com?',
      'https://login.mypurecloud.com#',
    ]) {
      let error: unknown;
      try {
        credentials(loginUrl);
      } catch (thrown) {
        error = thrown;
      }
      expect(error, loginUrl).toBeInstanceOf(ConfigurationError);
      expect((error as Error).message).toContain('https://login.mypurecloud.com');
      expectNoCredentials(shown(error));
    }
  });

  it('accepts a login host, with or without a trailing slash or a path prefix (the emulator’s /login)', () => {
    for (const loginUrl of [
      'https://login.mypurecloud.com',
      'https://login.mypurecloud.com/',
      'https://login.euw2.pure.cloud',
      `${login.url}/login`,
      `${login.url}/login/`,
      'http://127.0.0.1:9',
    ]) {
      expect(() => credentials(loginUrl), loginUrl).not.toThrow();
    }
    // Plain http beyond loopback stays an AuthError, after the URL's shape is checked.
    expect(() => credentials('http://login.example.com')).toThrow(AuthError);
  });
});

describe('a refused token request', () => {
  it('on a 404 names the endpoint it called and says loginUrl may be wrong, without a credential', async () => {
    login.answer(json(404, { message: 'not found' }));
    const source = credentials(`${login.url}/wrong`);
    const error = await source.getAccessToken().catch((thrown: unknown) => thrown);
    expect(error).toBeInstanceOf(AuthError);
    const { message } = error as AuthError;
    expect(message).toContain(`${login.url}/wrong/oauth/token`);
    expect(message).toContain('HTTP 404');
    expect(message).toMatch(/loginUrl may be wrong/);
    expect(message).toContain('https://login.mypurecloud.com');
    expect(login.requests.at(-1)).toMatchObject({ method: 'POST', url: '/wrong/oauth/token' });
    expect(login.requests.at(-1)?.headers.authorization).toBe(`Basic ${basic}`); // what was sent, and is never shown
    expectNoCredentials(shown(error));
  });

  it('on a 401 names the endpoint and the OAuth error code, with no loginUrl hint', async () => {
    login.answer(json(401, { error: 'invalid_client', error_description: `bad secret ${clientSecret}` }));
    const error = await credentials(login.url)
      .getAccessToken()
      .catch((thrown: unknown) => thrown);
    expect(error).toBeInstanceOf(AuthError);
    expect((error as AuthError).message).toBe(`the OAuth token request to ${login.url}/oauth/token was refused (HTTP 401: invalid_client)`);
    expectNoCredentials(shown(error));
  });

  it('calls a 404 whose body claims JSON and is not a refusal, with the loginUrl hint', async () => {
    login.answer((_request, res) => void res.writeHead(404, { 'content-type': 'application/json' }).end('<html>not found</html>'));
    const error = await credentials(login.url)
      .getAccessToken()
      .catch((thrown: unknown) => thrown);
    expect(error).toBeInstanceOf(AuthError);
    expect((error as AuthError).message).toMatch(/was refused \(HTTP 404\); loginUrl may be wrong/);
  });

  it('never shows an error field that is not an OAuth error code, or that holds the secret', async () => {
    login.answer(json(400, { error: `Basic ${basic}` }), json(400, { error: clientSecret }));
    for (let i = 0; i < 2; i++) {
      const error = await credentials(login.url)
        .getAccessToken()
        .catch((thrown: unknown) => thrown);
      expect(error).toBeInstanceOf(AuthError);
      expect((error as AuthError).message).toBe(`the OAuth token request to ${login.url}/oauth/token was refused (HTTP 400)`);
      expectNoCredentials(shown(error));
    }
  });

  it('when the login host cannot be reached, names the endpoint and the cause code', async () => {
    const port = await closedPort();
    const error = await credentials(`http://127.0.0.1:${port}/login`)
      .getAccessToken()
      .catch((thrown: unknown) => thrown);
    expect(error).toBeInstanceOf(AuthError);
    expect((error as AuthError).message).toBe(
      `the OAuth token request to http://127.0.0.1:${port}/login/oauth/token failed (ECONNREFUSED)`,
    );
  });

  it('still gets a token from a good login host', async () => {
    const source = credentials(`${login.url}/`);
    expect(await source.getAccessToken()).toBe(token);
    expect(login.requests.at(-1)).toMatchObject({ method: 'POST', url: '/oauth/token', body: 'grant_type=client_credentials' });
  });
});

/** A 200 answer with this exact body text. */
const raw =
  (body: string, headers: Record<string, string> = {}): Handler =>
  (_request, res) => {
    res.writeHead(200, { 'content-type': 'application/json', ...headers });
    res.end(body);
  };

/** A token answer with these fields besides a good token. */
const answer = (fields: Record<string, unknown>) => json(200, { access_token: token, token_type: 'bearer', expires_in: 3600, ...fields });

/** What a login host put in its answer, to be found nowhere in the error. */
const BODY_MARK = 'body-MARK-5e21';

/** The error of one token request answered by `handler`, after checking it names the endpoint, hides every credential and caches nothing. */
async function refusedWith(handler: Handler): Promise<string> {
  login.answer(handler);
  const source = credentials(login.url);
  const error = await source.getAccessToken().catch((thrown: unknown) => thrown);
  expect(error).toBeInstanceOf(AuthError);
  expect(source.tokenRequests).toBe(1);
  expect(source.hasValidToken()).toBe(false); // nothing was cached: the next call asks again
  const { message } = error as AuthError;
  expect(message).toContain(`the OAuth token request to ${login.url}/oauth/token`);
  expectNoCredentials(shown(error));
  expect(shown(error)).not.toContain(BODY_MARK);
  return message;
}

/** The bound of {@link endless}'s loop, far beyond what socket buffers hold. */
const ENDLESS_BOUND = 64 * 1024 * 1024;

/**
 * A 200 whose body does not end: written as fast as the client reads, until it hangs up (or
 * {@link ENDLESS_BOUND} bytes, a bound). `closed` gives the bytes written when the connection closed.
 */
function endless(): { readonly handler: Handler; readonly closed: Promise<number> } {
  let hungUp!: (written: number) => void;
  const closed = new Promise<number>((resolve) => (hungUp = resolve));
  const handler: Handler = (_request, res) => {
    res.writeHead(200, { 'content-type': 'application/json' });
    const chunk = Buffer.alloc(16 * 1024, 'x');
    let written = 0;
    res.on('close', () => hungUp(written));
    res.write(`{"padding":"${BODY_MARK}`);
    const pump = (): void => {
      while (written < ENDLESS_BOUND && !res.destroyed) {
        written += chunk.length;
        if (!res.write(chunk)) return void res.once('drain', pump);
      }
      res.end();
    };
    pump();
  };
  return { handler, closed };
}

const HEADER = 'the login host answered an access token that cannot be sent in an Authorization header';
const LIFETIME = 'the login host answered an expires_in that is not a lifetime';

describe('a login answer the token cannot be used from', () => {
  it.each([
    ['CR LF', `${BODY_MARK}\r\nx-injected: 1`],
    ['LF', `${BODY_MARK}\nx`],
    ['NUL', `${BODY_MARK}\u0000`],
    ['a tab', `${BODY_MARK}\tx`],
    ['DEL', `${BODY_MARK}\u007f`],
    ['a space', `${BODY_MARK} x`],
    ['a quote', `${BODY_MARK}"x`],
    ['a comma', `${BODY_MARK},x`],
    ['a letter beyond ASCII', `${BODY_MARK}é`],
    ['a lone surrogate', `${BODY_MARK}\ud800`],
    ['nothing', ''],
  ])('a token with %s is an AuthError at once, never cached', async (_name, value) => {
    expect(await refusedWith(answer({ access_token: value }))).toContain(HEADER);
  });

  it.each([
    ['a number', 42],
    ['null', null],
    ['an object', { value: BODY_MARK }],
  ])('an access_token that is %s is an AuthError that says it is missing', async (_name, value) => {
    expect(await refusedWith(answer({ access_token: value }))).toContain('the login host answered HTTP 200 without an access token');
  });

  it.each([
    ['zero', 0],
    ['negative', -60],
    ['a word', 'soon'],
    ['a decimal string with an exponent', '1e3'],
    ['a negative string', '-3600'],
    ['null', null],
    ['true', true],
    ['more than a year', 366 * 86_400],
    ['absurd', 1e308],
    ['an object', { seconds: 3600 }],
  ])('an expires_in that is %s is an AuthError at once, never cached', async (_name, value) => {
    expect(await refusedWith(answer({ expires_in: value }))).toContain(LIFETIME);
  });

  it.each([
    ['HTML', '<html><body>login is down</body></html>'],
    ['truncated JSON', `{"access_token":"${BODY_MARK}`],
    ['empty', ''],
  ])('a 200 whose body is %s, not JSON, is an AuthError that says so', async (_name, body) => {
    expect(await refusedWith(raw(body.replace('login is down', BODY_MARK)))).toContain(
      'the login host answered HTTP 200 with a body that is not JSON',
    );
  });

  it.each([
    ['an array', JSON.stringify([BODY_MARK])],
    ['a string', JSON.stringify(BODY_MARK)],
    ['null', 'null'],
    ['a number', '3600'],
  ])('a 200 whose JSON is %s, not an object, is an AuthError that says so', async (_name, body) => {
    expect(await refusedWith(raw(body))).toContain('the login host answered HTTP 200 with JSON that is not an object');
  });

  it('a body over 64 KiB is an AuthError, whether its length is declared or not', async () => {
    const big = JSON.stringify({ access_token: token, expires_in: 3600, padding: `${BODY_MARK}${'x'.repeat(70 * 1024)}` });
    for (const handler of [raw(big), raw(big, { 'content-length': String(Buffer.byteLength(big)) })]) {
      expect(await refusedWith(handler)).toContain('the login host answered more than 64 KiB');
    }
  });

  it('a body that never ends is cancelled after 64 KiB: an AuthError, and the connection closed', async () => {
    const { handler, closed } = endless();
    expect(await refusedWith(handler)).toContain('the login host answered more than 64 KiB');
    expect(await closed).toBeLessThan(ENDLESS_BOUND);
  });

  it.each([
    ['a Genesys-like token', 'fDBpw-9K3_xTq.2~Lz+/AbCdEf0123456789=='],
    ['a JWT', 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjMifQ.c2lnbmF0dXJl'],
    ['a token with = inside', 'abc=def'],
  ])('takes %s', async (_name, value) => {
    login.answer(answer({ access_token: value }));
    expect(await credentials(login.url).getAccessToken()).toBe(value);
  });

  it.each([
    ['a number', 7200, 7200],
    ['a fraction', 0.5, 0.5],
    ['a string of digits', '7200', 7200],
    ['absent', undefined, 3600],
    ['a year', 365 * 86_400, 365 * 86_400],
  ])('takes an expires_in that is %s', async (_name, value, seconds) => {
    let now = 1_000_000;
    login.answer(answer({ expires_in: value }));
    const source = new ClientCredentials({ loginUrl: login.url, clientId, clientSecret, now: () => now });
    await source.getAccessToken();
    now += seconds * 1000 - 1;
    expect(source.hasValidToken()).toBe(true);
    now += 1;
    expect(source.hasValidToken()).toBe(false);
  });
});

describe('a login answer the token cannot be used from, through a client with retry', () => {
  const route = defineRoute<Record<string, never>, unknown>({
    operationId: 'getSettings',
    method: 'GET',
    path: '/api/v2/settings',
    pathParams: [],
    queryParams: [],
    auth: 'oauth',
    idempotent: true,
    deprecated: false,
    successStatus: 200,
  });

  it.each([
    ['a token with CR LF', answer({ access_token: `${token}\r\nx-injected: 1` })],
    ['a token with NUL', answer({ access_token: `${token}\u0000` })],
    ['an expires_in that is not a lifetime', answer({ expires_in: -1 })],
    ['a body that is not JSON', raw('<html></html>')],
  ])('%s fails the call with one AuthError: one token request, no API request, no retry', async (_name, handler) => {
    const api = await startLoopback(json(200, {}));
    const source = credentials(login.url);
    const client = createClient({
      baseUrl: api.url,
      middleware: [
        retry({ random: () => 0, budget: false }),
        authByScheme({ schemes: { oauth: { authorize: async () => `Bearer ${await source.getAccessToken()}` } } }),
      ],
    });
    const retries: RetryEvent[] = [];
    client.on('retry', (event) => retries.push(event));
    const before = login.requests.length;
    login.answer(handler);
    const error = await client.call(route, {}).catch((thrown: unknown) => thrown);
    expect(error).toBeInstanceOf(AuthError);
    expect(error).toMatchObject({ code: 'E_AUTH', attempts: 0 }); // nothing was sent
    expect(login.requests.length - before).toBe(1);
    expect(source.tokenRequests).toBe(1);
    expect(api.requests).toHaveLength(0);
    expect(retries).toEqual([]);
    expectNoCredentials(shown(error));
    await client.close();
    await api.close();
  });
});

describe('revoking on close', () => {
  it('never reads the answer: a body that does not end is cancelled and close() resolves', async () => {
    const api = await startLoopback();
    const { handler, closed } = endless();
    api.answer(handler);
    const source = new ClientCredentials({ loginUrl: login.url, apiUrl: api.url, clientId, clientSecret });
    await source.getAccessToken();
    await source.close();
    expect(api.requests.at(-1)).toMatchObject({ method: 'DELETE', url: '/api/v2/tokens/me' });
    expect(await closed).toBeLessThan(ENDLESS_BOUND);
    await api.close();
  });
});
