/**
 * The one redaction rule, end to end: a session that touches every path that could leak (OAuth,
 * guest JWTs, a member auth token, chat messages, 401 renewal, 429s, faults, aborts, deadlines,
 * validation, refused credentials) with debug logs and bodies on, then a scan of every log line,
 * span, client event and error it produced for every secret and every message text it used.
 */
import { inspect } from 'node:util';
import { Writable } from 'node:stream';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CallEvent } from '@switchboard/core';
import { type Emulator, startEmulator } from '@switchboard/emulator';
import { ClientCredentials } from '@switchboard/middleware';
import { WebChatAPI } from '@switchboard/webchat';
import { currentTelemetry, spanTexts } from '../support/otel.js';
import { leaksIn, reportSecret } from '../support/secrets.js';

let e: Emulator;
beforeAll(async () => {
  // 20 requests per second per token: the guest's ~15 stay under it (so its abort and deadline
  // cases fail as such, not on a 429), the OAuth burst below goes over it.
  e = await startEmulator({ rateLimit: { limit: 20, windowSeconds: 1 }, agent: { joinDelayMs: 5, typingDelayMs: 5, replyDelayMs: 10 } });
  reportSecret(e.client.clientSecret);
});
afterAll(() => e.stop());

interface Capture {
  readonly logText: () => string;
  readonly events: CallEvent[];
  readonly errors: unknown[];
  readonly messageTexts: string[];
}

/** A token source that reports every access token it is given to the scans. */
function recordingCredentials(): ClientCredentials {
  return new ClientCredentials({
    loginUrl: e.loginUrl,
    apiUrl: e.apiUrl,
    clientId: e.client.clientId,
    clientSecret: e.client.clientSecret,
    fetch: async (input, init) => {
      const response = await fetch(input, init);
      const copy = response.clone();
      const body = (await copy.json().catch(() => undefined)) as { access_token?: string } | undefined;
      reportSecret(body?.access_token);
      return response;
    },
  });
}

async function session(includeMessageText: boolean): Promise<Capture> {
  let logged = '';
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      logged += chunk.toString('utf8');
      done();
    },
  });
  const credentials = recordingCredentials();
  const api = new WebChatAPI({
    baseUrl: e.apiUrl,
    oauth: credentials,
    logger: pino({ level: 'debug' }, stream),
    logBodies: true,
    includeMessageText,
    retry: { baseMs: 5, minWaitMs: 5 },
    onDeprecated: () => undefined,
  });
  const capture: Capture = { logText: () => logged, events: [], errors: [], messageTexts: [] };
  api.on('*', (event) => capture.events.push(event));
  const attempt = async (work: () => Promise<unknown>): Promise<void> => {
    try {
      await work();
    } catch (error) {
      capture.errors.push(error);
    }
  };
  const text = (n: number): string => {
    const value = `customer-words-${includeMessageText ? 'open' : 'hidden'}-${n} my card is 4111`;
    capture.messageTexts.push(value);
    return value;
  };

  const memberAuthToken = `member-auth-${includeMessageText ? 'a' : 'b'}-0123456789`;
  reportSecret(memberAuthToken);
  const chat = await api.startGuestChat({
    organizationId: e.organizationId,
    deploymentId: e.deploymentId,
    routingTarget: { targetType: 'QUEUE', targetAddress: 'Support' },
    memberInfo: { displayName: 'Pat' },
    memberAuthToken,
  });
  e.faults.add({ match: { operationId: 'postWebchatGuestConversationMemberMessages' }, fault: { kind: 'status', status: 503, retryAfter: 0 }, times: 1 });
  for (let i = 0; i < 3; i++) await attempt(() => chat.sendMessage(text(i)));
  await attempt(() => chat.sendMessage(`${text(3)} ${'x'.repeat(4_001)}`));
  await attempt(async () => {
    for await (const message of chat.messages({ maxResults: 2 })) void message;
  });
  // A member read cut off mid-way, an abort, a deadline.
  e.faults.add({ match: { operationId: 'getWebchatGuestConversationMembers' }, fault: { kind: 'reset' }, times: 4 });
  await attempt(async () => {
    for await (const member of chat.members()) void member;
  });
  const controller = new AbortController();
  setTimeout(() => controller.abort(), 20);
  e.faults.add({ match: { operationId: 'getWebchatGuestConversationMember' }, fault: { kind: 'latency', ms: 300 }, times: 2 });
  await attempt(() => api.getWebchatGuestConversationMember({ conversationId: chat.conversationId, memberId: chat.memberId }, { signal: controller.signal }));
  await attempt(() => api.getWebchatGuestConversationMember({ conversationId: chat.conversationId, memberId: chat.memberId }, { totalTimeout: 30 }));

  // OAuth: a revoked token is renewed after a 401; a burst meets the rate limit; a 404.
  const token = await credentials.getAccessToken();
  await fetch(`${e.apiUrl}/api/v2/tokens/me`, { method: 'DELETE', headers: { authorization: `Bearer ${token}` } });
  await attempt(() => api.getWebchatSettings());
  await Promise.all(Array.from({ length: 25 }, () => attempt(() => api.getWebchatDeployments())));
  await attempt(() => api.getWebchatDeployment({ deploymentId: 'no-such-deployment' }));
  await attempt(() => chat.leave());

  // Credentials the login host refuses.
  const refused = new WebChatAPI({ baseUrl: e.apiUrl, loginUrl: e.loginUrl, oauth: { clientId: e.client.clientId, clientSecret: 'wrong-secret-0123456789' }, logger: pino({ level: 'debug' }, stream) });
  reportSecret('wrong-secret-0123456789');
  refused.on('*', (event) => capture.events.push(event));
  await attempt(() => refused.getWebchatSettings());
  await refused.close();
  await api.close();
  return capture;
}

function errorTexts(error: unknown): string[] {
  if (!(error instanceof Error)) return [String(error)];
  return [error.message, error.stack ?? '', JSON.stringify(error), inspect(error, { depth: 5 })];
}

describe('the redaction rule over a whole session', () => {
  it('keeps every secret and every message text out of logs, spans, events and errors', async () => {
    const spansBefore = currentTelemetry().allSpans.length;
    const capture = await session(false);
    const spans = currentTelemetry().allSpans.slice(spansBefore);

    // The session did reach the paths it means to cover.
    const types = new Set(capture.events.map((event) => (event.type === 'call.end' ? `${event.outcome}:${event.status ?? event.errorType}` : event.type)));
    for (const expected of ['retry', 'wait', 'success:200', 'http-error:404', 'failure:AbortError', 'failure:TimeoutError', 'failure:AuthError']) expect(types).toContain(expected);
    expect(capture.events.some((event) => event.type === 'attempt.end' && event.status === 401)).toBe(true);
    expect(capture.events.some((event) => event.type === 'attempt.end' && event.status === 429)).toBe(true);
    expect(capture.errors.map((error) => (error as Error).name)).toEqual(expect.arrayContaining(['ValidationError', 'NetworkError', 'AbortError', 'TimeoutError', 'HttpError', 'AuthError']));
    expect(capture.logText()).toContain('"requestBody":{"body":"[REDACTED]"');
    expect(spans.length).toBeGreaterThan(20);

    const texts = [
      ...capture.logText().split('\n'),
      ...spans.flatMap(spanTexts),
      ...capture.events.map((event) => JSON.stringify(event)),
      ...capture.errors.flatMap(errorTexts),
    ];
    expect(leaksIn(texts)).toEqual([]);
    for (const message of capture.messageTexts) expect(texts.filter((t) => t.includes(message.slice(0, 24)))).toEqual([]);
  });

  it('lets message text into the debug logs when the user opts in, and still no secret', async () => {
    const capture = await session(true);
    const logs = capture.logText();
    expect(logs).toContain(capture.messageTexts[0]);
    expect(leaksIn(logs.split('\n'))).toEqual([]);
  });
});
