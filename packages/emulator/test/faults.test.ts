/** Every fault kind, scripted and seeded, set at start, by method and over the admin endpoint. */
import { request } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { type Emulator, type FaultRule, startEmulator } from '@switchboard/emulator';
import { accessToken, call, GUEST, startChat } from './helpers.js';

let e: Emulator | undefined;
afterEach(() => e?.stop());

const MESSAGES_POST = { operationId: 'postWebchatGuestConversationMemberMessages' };

/** What a raw HTTP client sees: status, body text and timings, or the socket error. */
function raw(
  url: string,
  method: string,
  headers: Record<string, string>,
  body?: string,
): Promise<{ status?: number; text?: string; error?: string; headersAfterMs?: number; totalMs: number }> {
  const started = performance.now();
  return new Promise((resolve) => {
    const req = request(url, { method, headers }, (res) => {
      const headersAfterMs = performance.now() - started;
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (text += chunk));
      res.on('end', () => resolve({ status: res.statusCode, text, headersAfterMs, totalMs: performance.now() - started }));
      res.on('error', (error: NodeJS.ErrnoException) =>
        resolve({ status: res.statusCode, text, error: error.code ?? error.message, totalMs: performance.now() - started }),
      );
    });
    req.on('error', (error: NodeJS.ErrnoException) =>
      resolve({ error: error.code ?? error.message, totalMs: performance.now() - started }),
    );
    req.end(body);
  });
}

async function postMessage(emulator: Emulator, text = 'hello') {
  const chat = await startChat(emulator);
  const url = `${emulator.apiUrl}${GUEST}/${chat.id}/members/${chat.member.id}/messages`;
  const send = () =>
    raw(url, 'POST', { authorization: `Bearer ${chat.jwt}`, 'content-type': 'application/json' }, JSON.stringify({ body: text }));
  return { chat, send };
}

describe('fault injection', () => {
  it('resets the next 2 POSTs to messages after reading them, then behaves, and can say whether they were processed', async () => {
    e = await startEmulator();
    e.faults.add({ match: MESSAGES_POST, fault: { kind: 'reset' }, times: 2 });
    const { chat, send } = await postMessage(e);
    expect((await send()).error).toBe('ECONNRESET');
    expect((await send()).error).toBe('ECONNRESET');
    expect((await send()).status).toBe(200);
    expect(e.stats.messagesStored(chat.id)).toBe(1);
    expect(e.stats.requests('postWebchatGuestConversationMemberMessages', 'reset')).toBe(2);

    e.faults.add({ match: MESSAGES_POST, fault: { kind: 'reset', processed: true }, times: 1 });
    expect((await send()).error).toBe('ECONNRESET');
    expect(e.stats.messagesStored(chat.id)).toBe(2); // stored, though the client never heard
  });

  it.each([500, 502, 503, 504] as const)('answers %i with an ErrorBody and does not run the operation', async (status) => {
    e = await startEmulator();
    e.faults.add({ match: MESSAGES_POST, fault: { kind: 'status', status }, times: 1 });
    const { chat, send } = await postMessage(e);
    const answer = await send();
    expect(answer.status).toBe(status);
    expect(JSON.parse(answer.text ?? '')).toMatchObject({
      status,
      code: expect.any(String) as string,
      contextId: expect.any(String) as string,
    });
    expect(e.stats.messagesStored(chat.id)).toBe(0);
  });

  it('answers 503 with Retry-After when asked', async () => {
    e = await startEmulator();
    e.faults.add({ match: { operationId: 'getWebchatSettings' }, fault: { kind: 'status', status: 503, retryAfter: 7 }, times: 1 });
    const answer = await call(e, 'GET', '/api/v2/webchat/settings', { token: await accessToken(e) });
    expect(answer.status).toBe(503);
    expect(answer.headers.get('retry-after')).toBe('7');
    expect(answer.body).toMatchObject({ code: 'service.unavailable' });
  });

  it('adds latency, delays headers, or sends the body late', async () => {
    e = await startEmulator();
    const { send } = await postMessage(e);
    e.faults.add({ match: MESSAGES_POST, fault: { kind: 'latency', ms: 150 }, times: 1 });
    const slow = await send();
    expect(slow.status).toBe(200);
    expect(slow.totalMs).toBeGreaterThanOrEqual(140);

    e.faults.add({ match: MESSAGES_POST, fault: { kind: 'slow-headers', ms: 150 }, times: 1 });
    const lateHeaders = await send();
    expect(lateHeaders.headersAfterMs).toBeGreaterThanOrEqual(140);

    e.faults.add({ match: MESSAGES_POST, fault: { kind: 'slow-body', ms: 150 }, times: 1 });
    const lateBody = await send();
    // The headers at once, the body 150 ms after them (a lower bound: timers never fire early).
    expect(lateBody.totalMs - (lateBody.headersAfterMs ?? Infinity)).toBeGreaterThanOrEqual(140);
    expect(JSON.parse(lateBody.text ?? '')).toMatchObject({ body: 'hello' });
  });

  it('breaks the body: cut off mid-way, or malformed JSON', async () => {
    e = await startEmulator();
    const { chat, send } = await postMessage(e);
    e.faults.add({ match: MESSAGES_POST, fault: { kind: 'reset-mid-body' }, times: 1 });
    const cut = await send();
    expect(cut.status).toBe(200);
    expect(cut.error).toBeDefined();
    e.faults.add({ match: MESSAGES_POST, fault: { kind: 'malformed-json' }, times: 1 });
    const malformed = await send();
    expect(malformed.status).toBe(200);
    expect(() => JSON.parse(malformed.text ?? '') as unknown).toThrow();
    expect(e.stats.messagesStored(chat.id)).toBe(2); // both ran before their answers broke
  });

  it('draws probabilistic faults from the seed: the same seed fails the same requests, whatever else happens', async () => {
    const outcomes: number[][] = [];
    for (let run = 0; run < 2; run++) {
      const emulator = await startEmulator({
        seed: 1234,
        heartbeatMs: 5,
        agent: { joinDelayMs: 1, typingDelayMs: 1, replyDelayMs: 2 },
        faults: [{ match: { operationId: 'getWebchatSettings' }, fault: { kind: 'status', status: 500 }, probability: 0.5 }],
      });
      const token = await accessToken(emulator);
      // Other traffic, differently timed in each run: chats, a stream, agent replies, 404s.
      const { chat, send } = await postMessage(emulator);
      const { WebSocket } = await import('ws');
      const ws = new WebSocket(chat.eventStreamUri);
      const statuses: number[] = [];
      for (let i = 0; i < 20; i++) {
        if (i % (run + 2) === 0) await send();
        if (i % (run + 3) === 0) await call(emulator, 'GET', '/api/v2/webchat/deployments/none', { token });
        statuses.push((await call(emulator, 'GET', '/api/v2/webchat/settings', { token })).status);
      }
      outcomes.push(statuses);
      ws.terminate();
      await emulator.stop();
    }
    expect(outcomes[0]).toEqual(outcomes[1]);
    const failures = outcomes[0]?.filter((s) => s === 500).length ?? 0;
    expect(failures).toBeGreaterThan(3);
    expect(failures).toBeLessThan(17);
  });

  it('matches by method and path prefix, and takes rules over the admin endpoint', async () => {
    e = await startEmulator();
    const token = await accessToken(e);
    const rule: FaultRule = { match: { method: 'PUT', path: '/api/v2/webchat/settings' }, fault: { kind: 'status', status: 502 } };
    const added = await fetch(`${e.apiUrl}/__emulator/faults`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(rule),
    });
    expect(added.status).toBe(201);
    expect((await call(e, 'GET', '/api/v2/webchat/settings', { token })).status).toBe(200);
    expect((await call(e, 'PUT', '/api/v2/webchat/settings', { token, body: { requireDeployment: true } })).status).toBe(502);
    expect((await call(e, 'PUT', '/api/v2/webchat/settings', { token, body: { requireDeployment: true } })).status).toBe(502);
    const listed = (await (await fetch(`${e.apiUrl}/__emulator/faults`)).json()) as unknown[];
    expect(listed).toHaveLength(1);
    const bad = await fetch(`${e.apiUrl}/__emulator/faults`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ match: {}, fault: { kind: 'explode' } }),
    });
    expect(bad.status).toBe(400);
    expect((await fetch(`${e.apiUrl}/__emulator/faults`, { method: 'DELETE' })).status).toBe(204);
    expect((await call(e, 'PUT', '/api/v2/webchat/settings', { token, body: { requireDeployment: true } })).status).toBe(200);
    const stats = (await (await fetch(`${e.apiUrl}/__emulator/stats`)).json()) as {
      faultsInjected: number;
      requests: Record<string, Record<string, number>>;
    };
    expect(stats.faultsInjected).toBe(2);
    expect(stats.requests.putWebchatSettings).toEqual({ '200': 1, '502': 2 });
  });

  it('resets an answer that has no body (204) when asked to break its body', async () => {
    e = await startEmulator();
    const token = await accessToken(e);
    e.faults.add({ match: { operationId: 'deleteWebchatSettings' }, fault: { kind: 'malformed-json' }, times: 1 });
    const answer = await raw(`${e.apiUrl}/api/v2/webchat/settings`, 'DELETE', { authorization: `Bearer ${token}` });
    expect(answer.error).toBe('ECONNRESET');
  });

  it.each([
    ['a status that is not a failure', { match: { path: '/' }, fault: { kind: 'status', status: 200 } }],
    ['a timed fault without ms', { match: { path: '/' }, fault: { kind: 'latency' } }],
    ['a match that matches everything', { match: {}, fault: { kind: 'reset' } }],
    ['a fractional Retry-After', { match: { path: '/' }, fault: { kind: 'status', status: 503, retryAfter: 1.5 } }],
    ['an unknown kind', { match: { path: '/' }, fault: { kind: 'explode' } }],
  ])('refuses a rule with %s', async (_name, rule) => {
    e = await startEmulator();
    expect(() => e!.faults.add(rule as FaultRule)).toThrow(/invalid fault rule/);
    const answer = await fetch(`${e.apiUrl}/__emulator/faults`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(rule),
    });
    expect(answer.status).toBe(400);
  });

  it('can fail the login host too', async () => {
    e = await startEmulator({
      faults: [{ match: { operationId: 'oauthToken' }, fault: { kind: 'status', status: 503, retryAfter: 1 }, times: 1 }],
    });
    const basic = Buffer.from(`${e.client.clientId}:${e.client.clientSecret}`).toString('base64');
    const post = () =>
      fetch(`${e!.loginUrl}/oauth/token`, {
        method: 'POST',
        headers: { authorization: `Basic ${basic}`, 'content-type': 'application/x-www-form-urlencoded' },
        body: 'grant_type=client_credentials',
      });
    expect((await post()).status).toBe(503);
    expect((await post()).status).toBe(200);
  });
});
