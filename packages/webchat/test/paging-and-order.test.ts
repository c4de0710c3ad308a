/** Paging edge cases and message order, against the emulator (and a fake server where the emulator cannot misbehave). */
import nock from 'nock';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type Emulator, startEmulator } from '@switchboard/emulator';
import { type GuestChat, WebChatAPI } from '@switchboard/webchat';
import WebSocket from 'ws';
import { settledState } from '../../../test/support/fakes.js';
import { eventually } from '../../../test/support/time.js';

let e: Emulator;
let api: WebChatAPI;
let chat: GuestChat;
const ids: string[] = [];

const chatRequest = () => ({
  organizationId: e.organizationId,
  deploymentId: e.deploymentId,
  routingTarget: { targetType: 'QUEUE' as const, targetAddress: 'Support' },
  memberInfo: { displayName: 'Pat' },
});

async function bodies(iterable: AsyncIterable<{ body: string }>): Promise<string[]> {
  const out: string[] = [];
  for await (const item of iterable) out.push(item.body);
  return out;
}

const range = (from: number, to: number) =>
  Array.from({ length: Math.abs(to - from) + 1 }, (_, i) => `m${from <= to ? from + i : from - i}`);

beforeAll(async () => {
  e = await startEmulator({ rateLimit: { limit: 100_000, windowSeconds: 60 }, orgRateLimit: { limit: 100_000, windowSeconds: 60 } });
  api = new WebChatAPI({ baseUrl: e.apiUrl, onDeprecated: () => undefined });
  chat = await api.startGuestChat(chatRequest());
  for (let i = 0; i < 30; i++) ids.push((await chat.sendMessage(`m${i}`)).data.id ?? '');
});
// Interceptors a test left (it failed before using them all) must not answer the next test's requests.
afterEach(() => nock.cleanAll());
afterAll(async () => {
  await api.close();
  await e.stop();
});

describe('message paging', () => {
  it.each([
    ['everything, ascending', {}, range(0, 29)],
    ['everything, descending', { sortOrder: 'descending' as const }, range(29, 0)],
    ['before m25, ascending', { before: 25 }, range(0, 24)],
    ['after m2 and before m25, ascending', { after: 2, before: 25 }, range(3, 24)],
    ['after m20, descending', { after: 20, sortOrder: 'descending' as const }, range(29, 21)],
    ['before m10, descending', { before: 10, sortOrder: 'descending' as const }, range(9, 0)],
    ['after m5 and before m9, descending', { after: 5, before: 9, sortOrder: 'descending' as const }, range(8, 6)],
  ])('walks %s, 5 per page, without losing or repeating one', async (_name, bounds, expected) => {
    const { after, before, ...rest } = bounds as { after?: number; before?: number; sortOrder?: 'descending' };
    const params = {
      ...rest,
      maxResults: 5,
      ...(after !== undefined ? { after: ids[after] } : {}),
      ...(before !== undefined ? { before: ids[before] } : {}),
    };
    expect(await bodies(chat.messages(params))).toEqual(expected);
  });

  it('handles a count that is an exact multiple of the page size, and an empty conversation', async () => {
    const before = e.stats.requests('getWebchatGuestConversationMessages');
    expect(await bodies(chat.messages({ maxResults: 10 }))).toEqual(range(0, 29));
    expect(e.stats.requests('getWebchatGuestConversationMessages') - before).toBe(4); // three full pages, then an empty one
    const empty = await api.startGuestChat(chatRequest());
    expect(await bodies(empty.messages())).toEqual([]);
  });
});

describe('member paging', () => {
  it('walks members across pages', async () => {
    const routed = await api.startGuestChat(chatRequest());
    const ws = new WebSocket(routed.eventStreamUri);
    await new Promise((resolve) => ws.once('open', resolve));
    // The agent joins a moment after the stream opens: read the members until both are there.
    const roles = await eventually(async () => {
      const seen: string[] = [];
      for await (const member of routed.members({ pageSize: 1 })) seen.push(member.role);
      expect(seen.length).toBeGreaterThanOrEqual(2);
      return seen;
    });
    expect(roles).toEqual(['CUSTOMER', 'AGENT']);
    ws.close();
  });

  it('stops on a short page when the server gives no pageCount', async () => {
    const baseUrl = 'https://fake.genesys.test';
    const scope = nock(baseUrl)
      .get('/api/v2/webchat/guest/conversations/c1/members')
      .query({ pageSize: '2', pageNumber: '1' })
      .reply(200, {
        entities: [
          { id: 'a', role: 'CUSTOMER' },
          { id: 'b', role: 'AGENT' },
        ],
      })
      .get('/api/v2/webchat/guest/conversations/c1/members')
      .query({ pageSize: '2', pageNumber: '2' })
      .reply(200, { entities: [{ id: 'c', role: 'AGENT' }] });
    const fake = new WebChatAPI({ baseUrl, onDeprecated: () => undefined });
    fake.useGuestJwt('c1', 'jwt');
    const seen: string[] = [];
    for await (const member of fake.members({ conversationId: 'c1', pageSize: 2 })) seen.push(member.id ?? '');
    expect(seen).toEqual(['a', 'b', 'c']);
    expect(scope.isDone()).toBe(true);
  });
});

describe('message order', () => {
  it('keeps order around a message that fails validation in the middle of the queue', async () => {
    const fresh = await api.startGuestChat(chatRequest());
    const results = await Promise.allSettled([
      fresh.sendMessage('a'),
      fresh.sendMessage('x'.repeat(4_001)),
      fresh.sendMessage('b'),
      fresh.sendMessage('c'),
    ]);
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled', 'fulfilled']);
    expect(await bodies(fresh.messages())).toEqual(['a', 'b', 'c']);
  });

  it('rejects a queued message at once when its signal aborts, never sends it, and keeps the others in order', async () => {
    const fresh = await api.startGuestChat(chatRequest());
    e.faults.add({ match: { operationId: 'postWebchatGuestConversationMemberMessages' }, fault: { kind: 'latency', ms: 500 }, times: 1 });
    const controller = new AbortController();
    const first = fresh.sendMessage('first');
    const firstState = settledState(first);
    const second = fresh.sendMessage('second', { signal: controller.signal });
    const third = fresh.sendMessage('third');
    controller.abort(new Error('changed my mind'));
    await expect(second).rejects.toMatchObject({ code: 'E_ABORTED' });
    expect(firstState.current).toBe('pending'); // did not wait for the first message
    await Promise.all([first, third]);
    expect(await bodies(fresh.messages())).toEqual(['first', 'third']);
  });
});
