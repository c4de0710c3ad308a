/**
 * The one redaction rule, end to end: a session that touches every path that could leak (OAuth,
 * guest JWTs, a member auth token, chat messages, the guest's contact details, 401 renewal, 429s,
 * faults, aborts, deadlines, validation, an error that quotes contact details, refused credentials)
 * with debug logs and bodies on, then a scan of every log line, span, client event and error it
 * produced for every secret, every message text and every contact detail it used.
 */
import { readFileSync } from 'node:fs';
import { inspect } from 'node:util';
import { Writable } from 'node:stream';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type CallEvent, headersFromRecord, type Middleware } from '@switchboard/core';
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
  /** Every contact detail the guest gave: names, email, phone, avatar URL, custom field values. */
  readonly contactDetails: string[];
}

interface SessionOptions {
  readonly includeMessageText?: boolean;
  readonly includeContactDetails?: boolean;
}

/** What the guest tells Genesys about themselves, distinct for each session so that one session's scan never meets another's. */
function guestDetails(tag: string, n: number) {
  return {
    displayName: `Pat Quinlan ${tag}`,
    firstName: `Patricia-${tag}`,
    lastName: `Quinlan-${tag}`,
    email: `pat.quinlan.${tag}@mail.example.com`,
    phoneNumber: `+1 202 555 01${n}${n}`,
    avatarImageUrl: `https://avatars.example.com/pat-quinlan-${tag}.png`,
    customFields: { loyaltyNumber: `LOY-${tag}-778812`, postcode: `SW1A ${n}AA-${tag}` },
  };
}

/**
 * Answers a call (without sending it) as Genesys answers one it refuses, quoting the member's
 * details: in the message, in its parameters and in its details.
 */
function refusalQuoting(member: ReturnType<typeof guestDetails>): Middleware {
  return {
    name: 'refusal-quoting-contact-details',
    phase: 'attempt',
    handle: () =>
      Promise.resolve({
        status: 400,
        headers: headersFromRecord({ 'content-type': 'application/json' }),
        data: {
          status: 400,
          code: 'bad.request',
          message: `member ${member.email} refused`,
          messageWithParams: 'member {email} with phone {phoneNumber} and name {lastName} refused',
          messageParams: { email: member.email, phoneNumber: member.phoneNumber, lastName: member.lastName },
          details: [{ errorCode: 'invalid', fieldName: 'memberInfo.email', entityName: member.email }],
          memberInfo: member,
        },
      }),
  };
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

async function session({ includeMessageText = false, includeContactDetails = false }: SessionOptions = {}): Promise<Capture> {
  const tag = `${includeMessageText ? 'text' : 'notext'}-${includeContactDetails ? 'contact' : 'nocontact'}`;
  const n = (includeMessageText ? 1 : 0) + (includeContactDetails ? 2 : 0);
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
    includeContactDetails,
    retry: { baseMs: 5, minWaitMs: 5 },
    onDeprecated: () => undefined,
  });
  const member = guestDetails(tag, n);
  const capture: Capture = {
    logText: () => logged,
    events: [],
    errors: [],
    messageTexts: [],
    contactDetails: [
      member.displayName,
      member.firstName,
      member.lastName,
      member.email,
      member.phoneNumber,
      member.avatarImageUrl,
      ...Object.values(member.customFields),
    ],
  };
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

  const memberAuthToken = `member-auth-${tag}-0123456789`;
  reportSecret(memberAuthToken);
  const chat = await api.startGuestChat({
    organizationId: e.organizationId,
    deploymentId: e.deploymentId,
    routingTarget: { targetType: 'QUEUE', targetAddress: 'Support' },
    memberInfo: member,
    memberAuthToken,
  });
  // The guest's member info as Genesys answers it, then an error that quotes it.
  await attempt(() => api.getWebchatGuestConversationMember({ conversationId: chat.conversationId, memberId: chat.memberId }));
  await attempt(() =>
    api.getWebchatGuestConversationMember(
      { conversationId: chat.conversationId, memberId: chat.memberId },
      { middleware: [refusalQuoting(member)] },
    ),
  );
  e.faults.add({
    match: { operationId: 'postWebchatGuestConversationMemberMessages' },
    fault: { kind: 'status', status: 503, retryAfter: 0 },
    times: 1,
  });
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
  await attempt(() =>
    api.getWebchatGuestConversationMember({ conversationId: chat.conversationId, memberId: chat.memberId }, { signal: controller.signal }),
  );
  await attempt(() =>
    api.getWebchatGuestConversationMember({ conversationId: chat.conversationId, memberId: chat.memberId }, { totalTimeout: 30 }),
  );

  // OAuth: a revoked token is renewed after a 401; a burst meets the rate limit; a 404.
  const token = await credentials.getAccessToken();
  await fetch(`${e.apiUrl}/api/v2/tokens/me`, { method: 'DELETE', headers: { authorization: `Bearer ${token}` } });
  await attempt(() => api.getWebchatSettings());
  await Promise.all(Array.from({ length: 25 }, () => attempt(() => api.getWebchatDeployments())));
  await attempt(() => api.getWebchatDeployment({ deploymentId: 'no-such-deployment' }));
  await attempt(() => chat.leave());

  // Credentials the login host refuses.
  const refused = new WebChatAPI({
    baseUrl: e.apiUrl,
    loginUrl: e.loginUrl,
    oauth: { clientId: e.client.clientId, clientSecret: 'wrong-secret-0123456789' },
    logger: pino({ level: 'debug' }, stream),
  });
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

describe('WebChat’s redaction rule', () => {
  const spec = JSON.parse(readFileSync(new URL('../../spec/webchat-api.json', import.meta.url), 'utf8')) as {
    definitions: Record<string, { properties: Record<string, unknown> }>;
  };
  const fieldsOf = (model: string) => Object.keys(spec.definitions[model]?.properties ?? {});

  it('hides every field of the spec’s member info that is about a person, and only those, until the user opts in', async () => {
    const strict = new WebChatAPI({ baseUrl: 'http://127.0.0.1:9', onDeprecated: () => undefined });
    const open = new WebChatAPI({ baseUrl: 'http://127.0.0.1:9', onDeprecated: () => undefined, includeContactDetails: true });
    // Everything GuestMemberInfo sends is about the guest.
    expect(fieldsOf('GuestMemberInfo').filter((field) => !strict.redaction.hides(field))).toEqual([]);
    expect(fieldsOf('WebChatMemberInfo').filter((field) => !strict.redaction.hides(field))).toEqual([
      'id',
      'role',
      'joinDate',
      'leaveDate',
      'authenticatedGuest',
      'state',
    ]);
    expect(fieldsOf('JourneyContext').filter((field) => strict.redaction.hides(field))).toEqual(['customer', 'customerSession']);
    expect([...fieldsOf('GuestMemberInfo'), 'customer', 'customerSession'].filter((field) => open.redaction.hides(field))).toEqual([]);
    // A media request's securityKey is a secret: hidden whatever the user opts into.
    for (const api of [strict, open]) expect(api.redaction.hides('securityKey')).toBe(true);
    await Promise.all([strict.close(), open.close()]);
  });
});

describe('the redaction rule over a whole session', () => {
  it('keeps every secret, every message text and every contact detail out of logs, spans, events and errors', async () => {
    const spansBefore = currentTelemetry().allSpans.length;
    const capture = await session();
    const spans = currentTelemetry().allSpans.slice(spansBefore);

    // The session did reach the paths it means to cover.
    const types = new Set(
      capture.events.map((event) => (event.type === 'call.end' ? `${event.outcome}:${event.status ?? event.errorType}` : event.type)),
    );
    for (const expected of [
      'retry',
      'wait',
      'success:200',
      'http-error:404',
      'failure:AbortError',
      'failure:TimeoutError',
      'failure:AuthError',
    ])
      expect(types).toContain(expected);
    expect(capture.events.some((event) => event.type === 'attempt.end' && event.status === 401)).toBe(true);
    expect(capture.events.some((event) => event.type === 'attempt.end' && event.status === 429)).toBe(true);
    expect(capture.errors.map((error) => (error as Error).name)).toEqual(
      expect.arrayContaining(['ValidationError', 'NetworkError', 'AbortError', 'TimeoutError', 'HttpError', 'AuthError']),
    );
    expect(capture.logText()).toContain('"requestBody":{"body":"[REDACTED]"');
    // The contact details went out, came back and were quoted by an error: each path was hidden.
    expect(capture.logText()).toContain(
      '"memberInfo":{"displayName":"[REDACTED]","firstName":"[REDACTED]","lastName":"[REDACTED]","email":"[REDACTED]"',
    );
    expect(capture.logText()).toMatch(
      /"operationId":"getWebchatGuestConversationMember","status":200,"responseBody":\{[^\n]*"email":"\[REDACTED\]","phoneNumber":"\[REDACTED\]"[^\n]*"role":"CUSTOMER"/,
    );
    const refusal = capture.errors.find((error) => (error as { status?: number }).status === 400) as Error | undefined;
    expect(refusal?.message).toBe(
      'getWebchatGuestConversationMember: HTTP 400: member [REDACTED] with phone [REDACTED] and name [REDACTED] refused (bad.request)',
    );
    expect(spans.length).toBeGreaterThan(20);

    const texts = [
      ...capture.logText().split('\n'),
      ...spans.flatMap(spanTexts),
      ...capture.events.map((event) => JSON.stringify(event)),
      ...capture.errors.flatMap(errorTexts),
    ];
    expect(leaksIn(texts)).toEqual([]);
    for (const message of capture.messageTexts) expect(texts.filter((t) => t.includes(message.slice(0, 24)))).toEqual([]);
    for (const detail of capture.contactDetails)
      expect(
        texts.filter((t) => t.includes(detail)),
        detail,
      ).toEqual([]);
  });

  it('lets message text into the debug logs when the user opts in, and still no secret and no contact detail', async () => {
    const capture = await session({ includeMessageText: true });
    const logs = capture.logText();
    expect(logs).toContain(capture.messageTexts[0]);
    expect(leaksIn(logs.split('\n'))).toEqual([]);
    for (const detail of capture.contactDetails) expect(logs, detail).not.toContain(detail);
  });

  it('lets contact details into the debug logs when the user opts in, and still no secret and no message text', async () => {
    const capture = await session({ includeContactDetails: true });
    const logs = capture.logText();
    for (const detail of capture.contactDetails) expect(logs, detail).toContain(detail);
    expect(leaksIn(logs.split('\n'))).toEqual([]);
    for (const message of capture.messageTexts) expect(logs).not.toContain(message.slice(0, 24));
  });
});
