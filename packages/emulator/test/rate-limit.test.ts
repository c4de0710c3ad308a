/** Rate limits as Genesys applies them: per token and per organisation, with its 429 and headers. */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { type Emulator, startEmulator } from '@switchboard/emulator';
import { accessToken, call } from './helpers.js';

let e: Emulator | undefined;
afterEach(async () => {
  vi.useRealTimers();
  await e?.stop();
});

describe('rate limits', () => {
  it('send inin-ratelimit headers on every answer and a normalised 429 past the per-token limit', async () => {
    // The wall clock simulated (Date alone: timers and sockets stay real), before the emulator
    // starts and reads it: the window's end comes when the test says so.
    vi.useFakeTimers({ toFake: ['Date'] });
    e = await startEmulator({ rateLimit: { limit: 3, windowSeconds: 2 } });
    const token = await accessToken(e);
    const counts: string[] = [];
    for (let i = 0; i < 3; i++) {
      const answer = await call(e, 'GET', '/api/v2/webchat/settings', { token });
      expect(answer.status).toBe(200);
      expect(answer.headers.get('inin-ratelimit-allowed')).toBe('3');
      expect(Number(answer.headers.get('inin-ratelimit-reset'))).toBeGreaterThanOrEqual(0);
      counts.push(answer.headers.get('inin-ratelimit-count') ?? '');
    }
    expect(counts).toEqual(['1', '2', '3']);

    const limited = await call(e, 'GET', '/api/v2/webchat/settings', { token });
    expect(limited.status).toBe(429);
    const retryAfter = limited.headers.get('retry-after') ?? '';
    expect(retryAfter).toMatch(/^[12]$/);
    expect(limited.body).toEqual({
      message: `Rate limit exceeded the maximum. Retry the request in [${retryAfter}] seconds`,
      code: 'too.many.requests.retry.after',
      status: 429,
      messageWithParams: 'Rate limit exceeded the maximum. Retry the request in [{retryAfter}] seconds',
      messageParams: { retryAfter },
      contextId: limited.headers.get('inin-correlation-id'),
      details: [],
      errors: [],
    });
    expect(e.stats.tooManyRequests).toBe(1);

    vi.advanceTimersByTime(Number(retryAfter) * 1000 - 1);
    expect((await call(e, 'GET', '/api/v2/webchat/settings', { token })).status).toBe(429); // not a millisecond early
    vi.advanceTimersByTime(1);
    expect((await call(e, 'GET', '/api/v2/webchat/settings', { token })).status).toBe(200);
  });

  it('report the window on every answer, also those not counted: 401, 404, malformed JSON, the login host, tokens/me', async () => {
    e = await startEmulator();
    const token = await accessToken(e);
    const answers = [
      await call(e, 'GET', '/api/v2/webchat/settings'),
      await call(e, 'GET', '/api/v2/no/such/route', { token }),
      await call(e, 'POST', '/api/v2/webchat/deployments', { token, body: '{"name":' }),
      await call(e, 'POST', '/api/v2/webchat/deployments', { body: '{"name":' }),
      await call(e, 'DELETE', '/api/v2/tokens/me', { token }),
    ];
    expect(answers.map((a) => a.status)).toEqual([401, 404, 400, 401, 204]);
    const login = await fetch(`${e.loginUrl}/oauth/token`, { method: 'POST' });
    for (const headers of [...answers.map((a) => a.headers), login.headers]) {
      expect(headers.get('inin-ratelimit-allowed')).toMatch(/^\d+$/);
      expect(headers.get('inin-ratelimit-count')).toMatch(/^\d+$/);
      expect(headers.get('inin-ratelimit-reset')).toMatch(/^\d+$/);
      expect(headers.get('inin-correlation-id')).toBeTruthy();
    }
  });

  it('say to wait for the later window when both the token and the org limit are full', async () => {
    e = await startEmulator({ rateLimit: { limit: 1, windowSeconds: 5 }, orgRateLimit: { limit: 1, windowSeconds: 60 } });
    const token = await accessToken(e);
    expect((await call(e, 'GET', '/api/v2/webchat/settings', { token })).status).toBe(200);
    const limited = await call(e, 'GET', '/api/v2/webchat/settings', { token });
    expect(limited.status).toBe(429);
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(50);
  });

  it('count every token of the organisation against the per-org limit', async () => {
    e = await startEmulator({ rateLimit: { limit: 100, windowSeconds: 60 }, orgRateLimit: { limit: 4, windowSeconds: 60 } });
    const first = await accessToken(e);
    const second = await accessToken(e);
    const statuses: number[] = [];
    for (const token of [first, second, first, second, first, second])
      statuses.push((await call(e, 'GET', '/api/v2/webchat/settings', { token })).status);
    expect(statuses).toEqual([200, 200, 200, 200, 429, 429]);
    const limited = await call(e, 'GET', '/api/v2/webchat/settings', { token: second });
    expect(limited.headers.get('inin-ratelimit-allowed')).toBe('4');
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(50);
  });

  it('limit guest JWTs per token as well', async () => {
    e = await startEmulator({ rateLimit: { limit: 2, windowSeconds: 60 } });
    const chat = (
      await call(e, 'POST', '/api/v2/webchat/guest/conversations', {
        body: {
          organizationId: e.organizationId,
          deploymentId: e.deploymentId,
          routingTarget: { targetType: 'QUEUE', targetAddress: 'q' },
          memberInfo: { displayName: 'x' },
        },
      })
    ).body as { id: string; jwt: string };
    const path = `/api/v2/webchat/guest/conversations/${chat.id}/members`;
    const statuses = [];
    for (let i = 0; i < 3; i++) statuses.push((await call(e, 'GET', path, { token: chat.jwt })).status);
    expect(statuses).toEqual([200, 200, 429]);
  });
});
