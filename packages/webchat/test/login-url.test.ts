/**
 * WebChatAPI's loginUrl is the login host (`/oauth/token` is appended): the token endpoint given
 * as loginUrl fails at `new WebChatAPI(...)`, before anything is sent, and a loginUrl that answers
 * 404 fails the call with the endpoint it called and a hint, never a credential. A login host that
 * answers a token no header can carry fails the call with one AuthError, with nothing retried.
 */
import { inspect } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigurationError } from '@switchboard/core';
import { type Emulator, startEmulator } from '@switchboard/emulator';
import { AuthError } from '@switchboard/middleware';
import { WebChatAPI } from '@switchboard/webchat';
import { json, startLoopback } from '../../../test/support/loopback.js';

let e: Emulator;
beforeAll(async () => {
  e = await startEmulator();
});
afterAll(() => e.stop());

const quiet = { onDeprecated: () => undefined };
const oauth = () => ({ clientId: e.client.clientId, clientSecret: e.client.clientSecret });

describe('WebChatAPI loginUrl', () => {
  it('the token endpoint as loginUrl throws a ConfigurationError at construction, and nothing is sent', () => {
    const before = e.stats.requests('oauthToken');
    expect(() => new WebChatAPI({ baseUrl: e.apiUrl, loginUrl: `${e.loginUrl}/oauth/token`, oauth: oauth(), ...quiet })).toThrow(
      ConfigurationError,
    );
    expect(() => new WebChatAPI({ baseUrl: e.apiUrl, loginUrl: `${e.loginUrl}/oauth/token`, oauth: oauth(), ...quiet })).toThrow(
      `loginUrl ends with /oauth/token, but loginUrl is the login host, such as \`https://login.mypurecloud.com\` (or the emulator’s \`loginUrl\`), to which /oauth/token is appended: pass ${e.loginUrl}`,
    );
    expect(() => new WebChatAPI({ baseUrl: e.apiUrl, loginUrl: 'login.mypurecloud.com', oauth: oauth(), ...quiet })).toThrow(
      ConfigurationError,
    );
    expect(e.stats.requests('oauthToken')).toBe(before);
  });

  it('a loginUrl that answers 404 fails the call with the endpoint it called and a hint, without the secret', async () => {
    // The API origin instead of the login host: its /oauth/token does not exist.
    const api = new WebChatAPI({ baseUrl: e.apiUrl, loginUrl: e.apiUrl, oauth: oauth(), retry: false, ...quiet });
    const error = await api.getWebchatSettings().catch((thrown: unknown) => thrown);
    expect(error).toBeInstanceOf(AuthError);
    expect(error).toMatchObject({ operationId: 'getWebchatSettings' });
    const { message } = error as AuthError;
    expect(message).toContain(`${e.apiUrl}/oauth/token`);
    expect(message).toContain('HTTP 404');
    expect(message).toContain('loginUrl may be wrong');
    const text = `${message}\n${JSON.stringify(error)}\n${inspect(error, { showHidden: true, depth: 8 })}`;
    expect(text).not.toContain(e.client.clientSecret);
    expect(text).not.toContain(Buffer.from(`${e.client.clientId}:${e.client.clientSecret}`).toString('base64'));
    await api.close();
  });

  it('the emulator’s loginUrl works as given', async () => {
    const api = new WebChatAPI({ baseUrl: e.apiUrl, loginUrl: e.loginUrl, oauth: oauth(), ...quiet });
    expect((await api.getWebchatSettings()).status).toBe(200);
    await api.close();
  });

  it('a login host that answers a token with CR LF fails the call with one AuthError: one token request, no API request', async () => {
    const login = await startLoopback(json(200, { access_token: 'token-4c1d\r\nx-injected: 1', token_type: 'bearer', expires_in: 86_399 }));
    const apiHost = await startLoopback(json(200, {}));
    const api = new WebChatAPI({ baseUrl: apiHost.url, loginUrl: login.url, oauth: oauth(), ...quiet });
    const error = await api.getWebchatSettings().catch((thrown: unknown) => thrown);
    expect(error).toBeInstanceOf(AuthError);
    expect(error).toMatchObject({ operationId: 'getWebchatSettings', attempts: 0 });
    expect((error as AuthError).message).toContain('cannot be sent in an Authorization header');
    expect((error as AuthError).message).not.toContain('token-4c1d');
    expect(login.requests).toHaveLength(1);
    expect(apiHost.requests).toHaveLength(0);
    await api.close();
    await Promise.all([login.close(), apiHost.close()]);
  });
});
