/** OAuth on the login host and auth per operation exactly as the spec says. */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { type Emulator, startEmulator } from '@switchboard/emulator';
import { accessToken, call, GUEST, startChat, token } from './helpers.js';

let e: Emulator;
beforeAll(async () => {
  e = await startEmulator({ seed: 3, tokenTtlSeconds: 1 });
});
afterAll(() => e.stop());

describe('the login host', () => {
  it('grants a bearer token for client credentials over HTTP Basic', async () => {
    const answer = await token(e);
    expect(answer.status).toBe(200);
    expect(answer.body).toMatchObject({ access_token: expect.any(String) as string, token_type: 'bearer', expires_in: 1 });
  });

  it('answers a wrong secret with 400 invalid_client, as Genesys does', async () => {
    const answer = await token(e, 'not-the-secret');
    expect(answer.status).toBe(400);
    expect(answer.body).toMatchObject({ error: 'invalid_client' });
  });

  it('refuses other grant types', async () => {
    const response = await fetch(`${e.loginUrl}/oauth/token`, {
      method: 'POST',
      headers: {
        authorization: `Basic ${Buffer.from(`${e.client.clientId}:${e.client.clientSecret}`).toString('base64')}`,
        'content-type': 'application/x-www-form-urlencoded',
      },
      body: 'grant_type=password',
    });
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ error: 'unsupported_grant_type' });
  });
});

describe('OAuth operations', () => {
  it('answer 401 authentication.required without a token', async () => {
    const answer = await call(e, 'GET', '/api/v2/webchat/deployments');
    expect(answer).toMatchObject({ status: 401, body: { code: 'authentication.required' } });
  });

  it('answer 401 bad.credentials for an expired token', async () => {
    // The wall clock simulated (Date alone: timers and sockets stay real), on an emulator started
    // under it: the token's one second passes at once, and to the millisecond.
    vi.useFakeTimers({ toFake: ['Date'] });
    const host = await startEmulator({ seed: 3, tokenTtlSeconds: 1 });
    try {
      const expiring = await accessToken(host);
      vi.advanceTimersByTime(999);
      expect((await call(host, 'GET', '/api/v2/webchat/settings', { token: expiring })).status).toBe(200);
      vi.advanceTimersByTime(1);
      expect(await call(host, 'GET', '/api/v2/webchat/settings', { token: expiring })).toMatchObject({
        status: 401,
        body: { code: 'bad.credentials' },
      });
    } finally {
      vi.useRealTimers();
      await host.stop();
    }
  });

  it('answer 401 bad.credentials for a revoked token (DELETE /api/v2/tokens/me)', async () => {
    const revoked = await accessToken(e);
    expect((await call(e, 'DELETE', '/api/v2/tokens/me', { token: revoked })).status).toBe(204);
    expect(await call(e, 'GET', '/api/v2/webchat/settings', { token: revoked })).toMatchObject({
      status: 401,
      body: { code: 'bad.credentials' },
    });
    expect((await call(e, 'DELETE', '/api/v2/tokens/me', { token: revoked })).status).toBe(401);
  });

  it('answer 401 to a guest JWT', async () => {
    const chat = await startChat(e);
    expect(await call(e, 'GET', '/api/v2/webchat/deployments', { token: chat.jwt })).toMatchObject({
      status: 401,
      body: { code: 'bad.credentials' },
    });
  });
});

describe('guest operations', () => {
  it('need no auth to create a conversation', async () => {
    expect((await startChat(e)).jwt).toBeTruthy();
  });

  it('answer 401 without a JWT, 401 to an OAuth token or a forged JWT, 403 to another conversation’s JWT', async () => {
    const mine = await startChat(e);
    const theirs = await startChat(e);
    const members = `${GUEST}/${mine.id}/members`;
    expect(await call(e, 'GET', members)).toMatchObject({ status: 401, body: { code: 'authentication.required' } });
    expect(await call(e, 'GET', members, { token: await accessToken(e) })).toMatchObject({
      status: 401,
      body: { code: 'bad.credentials' },
    });
    const [header, payload] = mine.jwt.split('.');
    expect(await call(e, 'GET', members, { token: `${header}.${payload}.forged` })).toMatchObject({
      status: 401,
      body: { code: 'bad.credentials' },
    });
    expect(await call(e, 'GET', members, { token: theirs.jwt })).toMatchObject({ status: 403, body: { code: 'not.authorized' } });
    expect((await call(e, 'GET', members, { token: mine.jwt })).status).toBe(200);
  });

  it('answer 404 for a member who is not in the conversation', async () => {
    const chat = await startChat(e);
    expect(
      (await call(e, 'POST', `${GUEST}/${chat.id}/members/someone-else/messages`, { token: chat.jwt, body: { body: 'hi' } })).status,
    ).toBe(404);
    expect((await call(e, 'DELETE', `${GUEST}/${chat.id}/members/${chat.member.id}x`, { token: chat.jwt })).status).toBe(404);
  });
});
