/** WebChatAPI against the emulator: the guest flow, deployments and settings, pagination, ordering, auth, deprecation. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AuthError } from '@switchboard/middleware';
import { defineRoute, type HttpError, type Middleware } from '@switchboard/core';
import { type Emulator, startEmulator } from '@switchboard/emulator';
import { errorBodyOf, type GuestChat, WebChatAPI } from '@switchboard/webchat';
import WebSocket from 'ws';
import { eventually, sleep } from '../../../test/support/time.js';

let e: Emulator;
let oauth: string;

async function accessToken(emulator: Emulator): Promise<string> {
  const response = await fetch(`${emulator.loginUrl}/oauth/token`, {
    method: 'POST',
    headers: {
      authorization: `Basic ${Buffer.from(`${emulator.client.clientId}:${emulator.client.clientSecret}`).toString('base64')}`,
      'content-type': 'application/x-www-form-urlencoded',
    },
    body: 'grant_type=client_credentials',
  });
  return ((await response.json()) as { access_token: string }).access_token;
}

const quiet = { onDeprecated: () => undefined };
const chatRequest = () => ({
  organizationId: e.organizationId,
  deploymentId: e.deploymentId,
  routingTarget: { targetType: 'QUEUE' as const, targetAddress: 'Support' },
  memberInfo: { displayName: 'Pat' },
});

beforeAll(async () => {
  e = await startEmulator({
    rateLimit: { limit: 100_000, windowSeconds: 60 },
    orgRateLimit: { limit: 100_000, windowSeconds: 60 },
    agent: { joinDelayMs: 5, typingDelayMs: 5, replyDelayMs: 10 },
  });
  oauth = await accessToken(e);
});
afterAll(() => e.stop());

describe('deployments and settings', () => {
  it('create, read, list, replace and delete a deployment; read, replace and reset settings', async () => {
    const api = new WebChatAPI({ baseUrl: e.apiUrl, oauth, ...quiet });
    const { data: created } = await api.postWebchatDeployments({ body: { name: 'Site A', allowedDomains: ['a.example'] } });
    expect(created).toMatchObject({ name: 'Site A', id: expect.any(String) as string });
    const id = created.id ?? '';
    expect((await api.getWebchatDeployment({ deploymentId: id })).data.name).toBe('Site A');
    expect((await api.getWebchatDeployments()).data.entities?.map((d) => d.id)).toContain(id);
    expect((await api.putWebchatDeployment({ deploymentId: id, body: { name: 'Site B' } })).data.name).toBe('Site B');
    expect((await api.deleteWebchatDeployment({ deploymentId: id })).status).toBe(204);
    const gone = await api.getWebchatDeployment({ deploymentId: id }).catch((error: unknown) => error);
    expect(errorBodyOf(gone)).toMatchObject({ code: 'not.found', status: 404 });
    expect((gone as HttpError).correlationId).toMatch(/^[0-9a-f-]{36}$/);

    expect((await api.putWebchatSettings({ body: { requireDeployment: true } })).data).toEqual({ requireDeployment: true });
    expect((await api.getWebchatSettings()).data).toEqual({ requireDeployment: true });
    await api.deleteWebchatSettings();
    expect((await api.getWebchatSettings()).data).toEqual({ requireDeployment: false });
    await api.close();
  });

  it('fail with an AuthError, sending nothing, when no OAuth is configured', async () => {
    const api = new WebChatAPI({ baseUrl: e.apiUrl, ...quiet });
    const before = e.stats.requests('getWebchatSettings');
    await expect(api.getWebchatSettings()).rejects.toBeInstanceOf(AuthError);
    expect(e.stats.requests('getWebchatSettings')).toBe(before);
  });
});

describe('the guest flow', () => {
  let api: WebChatAPI;
  let chat: GuestChat;
  beforeAll(async () => {
    api = new WebChatAPI({ baseUrl: e.apiUrl, oauth, ...quiet });
    chat = await api.startGuestChat(chatRequest());
  });
  afterAll(() => api.close());

  it('starts a chat with no auth and binds the session to its conversation, member and JWT', async () => {
    expect(chat.conversationId).toMatch(/^[0-9a-f-]{36}$/);
    expect(chat.member).toMatchObject({ role: 'CUSTOMER', displayName: 'Pat' });
    expect(JSON.stringify(chat)).not.toMatch(/eyJ/); // the JWT is not on the session
    const ws = new WebSocket(chat.eventStreamUri);
    await new Promise((resolve) => ws.once('open', resolve));
    // The agent joins a moment after the stream opens: read the members until both are there.
    const members = await eventually(async () => {
      const seen: string[] = [];
      for await (const member of chat.members()) seen.push(member.role);
      expect(seen.length).toBeGreaterThanOrEqual(2);
      return seen;
    });
    expect(members.sort()).toEqual(['AGENT', 'CUSTOMER']);
    ws.close();
  });

  it('sends messages and typing, reads them back, and answers a media request', async () => {
    await chat.sendTyping();
    const { data: sent } = await chat.sendMessage('Where is my parcel?');
    expect(sent).toMatchObject({ body: 'Where is my parcel?', sender: { id: chat.memberId } });
    const bodies: string[] = [];
    for await (const message of chat.messages()) bodies.push(message.body);
    expect(bodies).toContain('Where is my parcel?');

    const requestId = e.offerMediaRequest(chat.conversationId);
    const [request] = await chat.mediaRequests();
    expect(request?.id).toBe(requestId);
    expect((await chat.answerMediaRequest(request!, 'DECLINED')).data.state).toBe('DECLINED');
  });

  it('leaves: the guest becomes DISCONNECTED and can no longer write', async () => {
    const { data } = await api.postWebchatGuestConversations({ body: chatRequest() });
    const ids = { conversationId: data.id ?? '', memberId: data.member?.id ?? '' };
    await api.deleteWebchatGuestConversationMember(ids);
    expect((await api.getWebchatGuestConversationMember(ids)).data.state).toBe('DISCONNECTED');
    const refused = await api
      .postWebchatGuestConversationMemberMessages({ ...ids, body: { body: 'still there?' } })
      .catch((error: unknown) => error);
    expect(errorBodyOf(refused)?.code).toBe('chat.error.member.state');
  });

  it('forgets the guest JWT once the session has left', async () => {
    const other = await api.startGuestChat(chatRequest());
    await other.leave();
    const before = e.stats.totalRequests;
    await expect(other.sendTyping()).rejects.toBeInstanceOf(AuthError);
    expect(e.stats.totalRequests).toBe(before);
  });

  it('refuses, with an AuthError, a guest call for a conversation it has no JWT for', async () => {
    const stranger = new WebChatAPI({ baseUrl: e.apiUrl, ...quiet });
    await expect(stranger.getWebchatGuestConversationMembers({ conversationId: chat.conversationId })).rejects.toBeInstanceOf(AuthError);
  });
});

describe('pagination', () => {
  it('walks 250 messages in both directions, 100 (then 7) at a time, and stops at the end', async () => {
    const api = new WebChatAPI({ baseUrl: e.apiUrl, ...quiet });
    const chat = await api.startGuestChat(chatRequest());
    for (let i = 0; i < 250; i++) await chat.sendMessage(`m${i}`);
    const before = e.stats.requests('getWebchatGuestConversationMessages');
    const ascending: string[] = [];
    for await (const message of chat.messages()) ascending.push(message.body);
    expect(ascending).toEqual(Array.from({ length: 250 }, (_, i) => `m${i}`));
    expect(e.stats.requests('getWebchatGuestConversationMessages') - before).toBe(3);

    const descending: string[] = [];
    for await (const message of chat.messages({ sortOrder: 'descending', maxResults: 7 })) descending.push(message.body);
    expect(descending).toEqual(Array.from({ length: 250 }, (_, i) => `m${249 - i}`));
    await api.close();
  });

  it('stops when the signal aborts, between pages', async () => {
    const api = new WebChatAPI({ baseUrl: e.apiUrl, ...quiet });
    const chat = await api.startGuestChat(chatRequest());
    for (let i = 0; i < 5; i++) await chat.sendMessage(`m${i}`);
    const controller = new AbortController();
    const seen: string[] = [];
    const walking = (async () => {
      for await (const message of chat.messages({ maxResults: 2 }, { signal: controller.signal })) {
        seen.push(message.body);
        if (seen.length === 2) controller.abort(new Error('enough'));
      }
    })();
    await expect(walking).rejects.toMatchObject({ code: 'E_ABORTED' });
    expect(seen).toEqual(['m0', 'm1']);
    await api.close();
  });
});

describe('message order', () => {
  it('delivers sendMessage calls in call order even when the first has to be retried', async () => {
    // A simple retry for 503s: the retry issue's middleware will do this properly.
    const retry503: Middleware = {
      name: 'retry-503',
      phase: 'retry',
      async handle(_ctx, next) {
        const first = await next();
        if (first.status !== 503) return first;
        await sleep(30);
        return next();
      },
    };
    const api = new WebChatAPI({ baseUrl: e.apiUrl, middleware: [retry503], ...quiet });
    const chat = await api.startGuestChat(chatRequest());
    e.faults.add({
      match: { operationId: 'postWebchatGuestConversationMemberMessages' },
      fault: { kind: 'status', status: 503, retryAfter: 0 },
      times: 1,
    });
    await Promise.all([0, 1, 2, 3, 4].map((i) => chat.sendMessage(`m${i}`)));
    const bodies: string[] = [];
    for await (const message of chat.messages()) bodies.push(message.body);
    expect(bodies).toEqual(['m0', 'm1', 'm2', 'm3', 'm4']);
    await api.close();
  });
});

describe('rate limiting', () => {
  it('paces WebChatAPI calls and places the limiter before auth', async () => {
    const api = new WebChatAPI({ baseUrl: e.apiUrl, oauth, rateLimit: { local: { limit: 3, intervalMs: 300 } }, ...quiet });
    expect(api.identify().map((s) => s.name)).toEqual(['tracing', 'metrics', 'retry', 'pause-after-429', 'rate-limit', 'auth', 'ky']);
    const started = performance.now();
    await Promise.all(Array.from({ length: 6 }, () => api.getWebchatSettings()));
    expect(performance.now() - started).toBeGreaterThanOrEqual(250);
    await api.close();
  });
});

describe('deprecation', () => {
  it('warns once per operation per client, never once per call', async () => {
    const notices: string[] = [];
    const api = new WebChatAPI({ baseUrl: e.apiUrl, oauth, onDeprecated: (operationId) => notices.push(operationId) });
    for (let i = 0; i < 3; i++) await api.getWebchatSettings();
    await api.getWebchatDeployments();
    expect(notices).toEqual(['getWebchatSettings', 'getWebchatDeployments']);
    const again = new WebChatAPI({ baseUrl: e.apiUrl, oauth, onDeprecated: (operationId) => notices.push(operationId) });
    await again.getWebchatSettings();
    expect(notices).toEqual(['getWebchatSettings', 'getWebchatDeployments', 'getWebchatSettings']);
  });

  it('goes to process.emitWarning by default', async () => {
    const warnings: unknown[] = [];
    const listener = (warning: Error) => warnings.push(warning);
    process.on('warning', listener);
    try {
      const api = new WebChatAPI({ baseUrl: e.apiUrl, oauth });
      await api.getWebchatSettings();
      await api.getWebchatSettings();
      await new Promise((resolve) => setImmediate(resolve));
    } finally {
      process.off('warning', listener);
    }
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatchObject({ name: 'DeprecationWarning', code: 'SWITCHBOARD_WEBCHAT_V2' });
  });
});

describe('any other endpoint', () => {
  it('takes a descriptor of the user’s own and calls it with the same auth and middleware', async () => {
    const revokeToken = defineRoute<Record<string, never>, undefined>({
      operationId: 'deleteTokensMe',
      method: 'DELETE',
      path: '/api/v2/tokens/me',
      pathParams: [],
      queryParams: [],
      auth: 'oauth',
      idempotent: true,
      deprecated: false,
      successStatus: 204,
    });
    const token = await accessToken(e);
    const api = new WebChatAPI({ baseUrl: e.apiUrl, oauth: token, ...quiet });
    expect((await api.call(revokeToken, {})).status).toBe(204);
    const after = await api.getWebchatSettings().catch((error: unknown) => error);
    expect(errorBodyOf(after)?.code).toBe('bad.credentials');
  });
});
