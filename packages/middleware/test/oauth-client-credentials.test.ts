/**
 * ClientCredentials' loginUrl: refused at construction when it cannot be the login host (the token
 * endpoint itself, a relative or non-http URL), and a refused token request names the endpoint it
 * called, never a credential. The flows against the emulator are in test/integration/auth-and-retry.test.ts.
 */
import { inspect } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigurationError } from '@switchboard/core';
import { AuthError, ClientCredentials } from '@switchboard/middleware';
import { closedPort, json, type Loopback, startLoopback } from '../../../test/support/loopback.js';

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
