/** The websocket script: routed on attach, the agent joins, greets, types and answers; heartbeats; leaving. */
import { afterAll, beforeAll, describe, expect, it, onTestFinished, vi } from 'vitest';
import WebSocket from 'ws';
import { type Emulator, startEmulator } from '@switchboard/emulator';
import { eventually } from '../../../test/support/time.js';
import { call, type Chat, GUEST, sleep, startChat } from './helpers.js';

interface Frame {
  topicName: string;
  version: string;
  eventBody: Record<string, unknown> & {
    member?: { id: string; role: string; state: string };
    sender?: { id: string };
    body?: string;
    message?: string;
  };
  metadata: { type?: string };
}

/** Opens the stream and collects frames; `until` waits for a frame matching a predicate. */
async function attach(chat: Chat) {
  const frames: Frame[] = [];
  const waiters: { test: (f: Frame) => boolean; resolve: (f: Frame) => void }[] = [];
  const ws = new WebSocket(chat.eventStreamUri);
  ws.on('message', (data: Buffer) => {
    const frame = JSON.parse(data.toString()) as Frame;
    frames.push(frame);
    for (const waiter of [...waiters]) {
      if (waiter.test(frame)) {
        waiters.splice(waiters.indexOf(waiter), 1);
        waiter.resolve(frame);
      }
    }
  });
  await new Promise((resolve, reject) => ws.once('open', resolve).once('error', reject));
  const until = (test: (f: Frame) => boolean, ms = 2_000) =>
    new Promise<Frame>((resolve, reject) => {
      const found = frames.find(test);
      if (found) return resolve(found);
      waiters.push({ test, resolve });
      setTimeout(
        () => reject(new Error(`no such frame within ${ms} ms; saw ${frames.map((f) => f.metadata.type ?? f.topicName).join(', ')}`)),
        ms,
      );
    });
  return { ws, frames, until };
}

/**
 * Resolves once a ping on `ws` has come back: every frame the emulator sent on it before has arrived
 * by then (one connection delivers in order), so what has not arrived was not sent.
 */
function roundTrip(ws: WebSocket): Promise<void> {
  return new Promise((resolve) => {
    ws.once('pong', () => resolve());
    ws.ping();
  });
}

/** The emulator's heartbeats (and, with `Date`, the wall clock a stall ends by) on a fake clock; the sockets, and every other timer, stay real. */
function fakeHeartbeatClock(toFake: ('setInterval' | 'clearInterval' | 'Date')[] = ['setInterval', 'clearInterval']): void {
  vi.useFakeTimers({ toFake });
  onTestFinished(() => {
    vi.useRealTimers();
  });
}

let e: Emulator;
beforeAll(async () => {
  e = await startEmulator({ heartbeatMs: 100, agent: { joinDelayMs: 20, typingDelayMs: 20, replyDelayMs: 80 } });
});
afterAll(() => e.stop());

describe('the event stream', () => {
  it('routes the conversation only once the socket attaches, then the agent joins and greets', async () => {
    const chat = await startChat(e);
    await sleep(80);
    const before = await call(e, 'GET', `${GUEST}/${chat.id}/members`, { token: chat.jwt });
    expect((before.body as { total: number }).total).toBe(1); // nobody joins an unrouted chat

    const stream = await attach(chat);
    const joined = await stream.until((f) => f.metadata.type === 'member-change' && f.eventBody.member?.role === 'AGENT');
    expect(joined.topicName).toBe(`v2.conversations.chats.${chat.id}.members`);
    expect(joined.eventBody.member).toMatchObject({ state: 'CONNECTED' });
    const greeting = await stream.until((f) => f.metadata.type === 'message');
    expect(greeting).toMatchObject({
      topicName: `v2.conversations.chats.${chat.id}.messages`,
      version: '2',
      eventBody: { bodyType: 'standard', sender: { role: 'AGENT' } },
    });
    stream.ws.close();
  });

  it('shows the agent typing, then its answer, for each guest message; the guest’s own message comes too', async () => {
    const chat = await startChat(e);
    const stream = await attach(chat);
    const joined = await stream.until((f) => f.metadata.type === 'member-change' && f.eventBody.member?.role === 'AGENT');
    const agentId = joined.eventBody.member?.id ?? '';
    await call(e, 'POST', `${GUEST}/${chat.id}/members/${chat.member.id}/messages`, {
      token: chat.jwt,
      body: { body: 'Where is my order?' },
    });
    const own = await stream.until((f) => f.metadata.type === 'message' && f.eventBody.sender?.id === chat.member.id);
    expect(own.eventBody.body).toBe('Where is my order?');
    const typing = await stream.until((f) => f.metadata.type === 'typing-indicator');
    expect(typing.eventBody.sender).toMatchObject({ id: agentId });
    const reply = await stream.until(
      (f) =>
        f.metadata.type === 'message' && f.eventBody.sender?.id === agentId && f !== own && !String(f.eventBody.body).startsWith('Hello'),
    );
    expect(stream.frames.indexOf(typing)).toBeLessThan(stream.frames.indexOf(reply));
    expect(String(reply.eventBody.body)).not.toContain('order'); // the agent does not repeat customer text

    // The agent is a member too: the guest's JWT cannot write as the agent.
    const asAgent = await call(e, 'POST', `${GUEST}/${chat.id}/members/${agentId}/messages`, {
      token: chat.jwt,
      body: { body: 'impostor' },
    });
    expect(asAgent).toMatchObject({ status: 403, body: { code: 'not.authorized' } });
    stream.ws.close();
  });

  it('sends heartbeat frames on its interval', async () => {
    const chat = await startChat(e);
    fakeHeartbeatClock();
    const stream = await attach(chat);
    const heartbeats = () => stream.frames.filter((f) => f.topicName === 'channel.metadata');
    await vi.advanceTimersByTimeAsync(99);
    await roundTrip(stream.ws);
    expect(heartbeats()).toHaveLength(0);
    await vi.advanceTimersByTimeAsync(1);
    await roundTrip(stream.ws);
    expect(heartbeats()).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(100);
    await roundTrip(stream.ws);
    expect(heartbeats()).toHaveLength(2);
    expect(heartbeats()[0]?.eventBody.message).toBe('WebSocket Heartbeat');
    stream.ws.close();
  });

  it('reports the guest leaving, then the agent leaving, as member changes', async () => {
    const chat = await startChat(e);
    const stream = await attach(chat);
    await stream.until((f) => f.metadata.type === 'member-change' && f.eventBody.member?.role === 'AGENT');
    await call(e, 'DELETE', `${GUEST}/${chat.id}/members/${chat.member.id}`, { token: chat.jwt });
    const left = await stream.until((f) => f.metadata.type === 'member-change' && f.eventBody.member?.id === chat.member.id);
    expect(left.eventBody.member?.state).toBe('DISCONNECTED');
    const agentLeft = await stream.until(
      (f) => f.metadata.type === 'member-change' && f.eventBody.member?.role === 'AGENT' && f.eventBody.member.state === 'DISCONNECTED',
    );
    expect(agentLeft).toBeDefined();
    stream.ws.close();
  });

  it('refuses a socket without the conversation’s stream token', async () => {
    const chat = await startChat(e);
    const forged = chat.eventStreamUri.replace(/token=\w+/, 'token=forged');
    const status = await new Promise<number | undefined>((resolve) => {
      const ws = new WebSocket(forged);
      ws.on('unexpected-response', (_req, res) => resolve(res.statusCode));
      ws.on('open', () => resolve(101));
      ws.on('error', () => undefined);
    });
    expect(status).toBe(401);
  });
});

describe('stream faults', () => {
  it('drop destroys the sockets without a close frame; the agent keeps answering into the messages API', async () => {
    const chat = await startChat(e);
    const stream = await attach(chat);
    await stream.until((f) => f.metadata.type === 'message'); // the greeting
    const closed = new Promise<number>((resolve) => stream.ws.once('close', (code) => resolve(code)));
    expect(e.streams.drop(chat.id)).toBe(1);
    expect(await closed).toBe(1006); // no close frame
    await call(e, 'POST', `${GUEST}/${chat.id}/members/${chat.member.id}/messages`, { token: chat.jwt, body: { body: 'still there?' } });
    await eventually(() => expect(e.stats.messagesStored(chat.id)).toBe(3)); // greeting, message, the reply nobody was connected for
  });

  it('stall sends nothing, heartbeats included, while the socket stays open; a socket attached later is not stalled', async () => {
    const chat = await startChat(e);
    fakeHeartbeatClock(['setInterval', 'clearInterval', 'Date']);
    const stream = await attach(chat);
    await stream.until((f) => f.metadata.type === 'message'); // the greeting: the agent sends nothing more
    await vi.advanceTimersByTimeAsync(100);
    await stream.until((f) => f.topicName === 'channel.metadata');
    expect(e.streams.stall(chat.id, 400)).toBe(1);
    const count = stream.frames.length;
    const fresh = await attach(chat);
    // Three heartbeats on each socket, up to a millisecond before the stall ends.
    await vi.advanceTimersByTimeAsync(399);
    await Promise.all([roundTrip(stream.ws), roundTrip(fresh.ws)]);
    expect(stream.frames.length).toBe(count);
    expect(stream.ws.readyState).toBe(WebSocket.OPEN);
    expect(fresh.frames.filter((f) => f.topicName === 'channel.metadata')).toHaveLength(3);
    // And from the stall's end on, heartbeats again.
    await vi.advanceTimersByTimeAsync(1);
    await roundTrip(stream.ws);
    expect(stream.frames.slice(count).map((f) => f.topicName)).toEqual(['channel.metadata']);
    stream.ws.close();
    fresh.ws.close();
  });

  it('close sends the close code; the admin endpoint does the same and refuses what it cannot do', async () => {
    const chat = await startChat(e);
    const stream = await attach(chat);
    const closed = new Promise<number>((resolve) => stream.ws.once('close', (code) => resolve(code)));
    const answer = await call(e, 'POST', `/__emulator/conversations/${chat.id}/stream`, {
      body: { kind: 'close', code: 1011, reason: 'testing' },
    });
    expect(answer).toMatchObject({ status: 200, body: { sockets: 1 } });
    expect(await closed).toBe(1011);
    for (const body of [{ kind: 'close', code: 1006 }, { kind: 'stall' }, { kind: 'explode' }]) {
      expect((await call(e, 'POST', `/__emulator/conversations/${chat.id}/stream`, { body })).status).toBe(400);
    }
    expect((await call(e, 'POST', '/__emulator/conversations/nope/stream', { body: { kind: 'drop' } })).status).toBe(404);
    expect(() => e.streams.close(chat.id, 1005)).toThrow(TypeError);
  });
});

describe('the frame fault', () => {
  it('sends its data as one text frame, as it is, from code and over HTTP; a frame without string data is refused', async () => {
    const chat = await startChat(e);
    const ws = new WebSocket(chat.eventStreamUri);
    const big = `{"pad":"${'x'.repeat(300_000)}"}`;
    const sent = ['text null', `text ${big}`, 'text [1,2'];
    const raw: string[] = [];
    let allThree = (): void => undefined;
    const arrived = new Promise<void>((resolve) => (allThree = resolve));
    ws.on('message', (data: Buffer, isBinary: boolean) => {
      raw.push(`${isBinary ? 'binary' : 'text'} ${data.toString()}`);
      if (raw.filter((r) => sent.includes(r)).length === sent.length) allThree();
    });
    await new Promise((resolve, reject) => ws.once('open', resolve).once('error', reject));
    expect(e.streams.frame(chat.id, 'null')).toBe(1);
    expect(e.streams.frame(chat.id, big)).toBe(1);
    const answer = await call(e, 'POST', `/__emulator/conversations/${chat.id}/stream`, { body: { kind: 'frame', data: '[1,2' } });
    expect(answer).toMatchObject({ status: 200, body: { sockets: 1 } });
    // Heartbeats and the agent's frames come in between: the three come whole, as text, in order.
    await arrived;
    expect(raw.filter((r) => sent.includes(r))).toEqual(sent);
    for (const body of [{ kind: 'frame' }, { kind: 'frame', data: 42 }]) {
      expect((await call(e, 'POST', `/__emulator/conversations/${chat.id}/stream`, { body })).status).toBe(400);
    }
    expect(e.streams.frame('nope', 'null')).toBe(0);
    ws.close();
  });
});

describe('stream fault rules', () => {
  it('hit every socket attached after they were added, on their schedule; from code, over HTTP, and refused when invalid', async () => {
    e.streams.addRule({ fault: { kind: 'close', code: 4000 }, everyMs: 150 });
    // The rules hit every socket of this emulator: none may outlive the test.
    onTestFinished(() => e.streams.clearRules());
    const chat = await startChat(e);
    const stream = await attach(chat);
    const closed = new Promise<number>((resolve) => stream.ws.once('close', (code) => resolve(code)));
    expect(await closed).toBe(4000);
    e.streams.clearRules();
    expect((await call(e, 'POST', '/__emulator/streams/rules', { body: { fault: { kind: 'drop' }, everyMs: 100 } })).status).toBe(201);
    expect((await call(e, 'GET', '/__emulator/streams/rules')).body).toEqual([{ fault: { kind: 'drop' }, everyMs: 100 }]);
    const dropped = await attach(chat);
    expect(await new Promise<number>((resolve) => dropped.ws.once('close', (code) => resolve(code)))).toBe(1006);
    expect((await call(e, 'DELETE', '/__emulator/streams/rules')).status).toBe(204);
    expect((await call(e, 'POST', '/__emulator/streams/rules', { body: { fault: { kind: 'drop' }, everyMs: 1 } })).status).toBe(400);
    expect(() => e.streams.addRule({ fault: { kind: 'stall', ms: 0 }, everyMs: 100 })).toThrow(TypeError);
  });

  it('parses the CLI form: drop@30s, stall:5s@60s, close:1011@500ms', async () => {
    const { parseStreamFaultRule } = await import('../src/stream-fault.js');
    expect(parseStreamFaultRule('drop@30s')).toEqual({ fault: { kind: 'drop' }, everyMs: 30_000 });
    expect(parseStreamFaultRule('stall:5s@60s')).toEqual({ fault: { kind: 'stall', ms: 5_000 }, everyMs: 60_000 });
    expect(parseStreamFaultRule('close:1011@500ms')).toEqual({ fault: { kind: 'close', code: 1011, reason: undefined }, everyMs: 500 });
    for (const bad of ['drop', 'stall@1s', 'close:1006@1s', 'explode@1s', 'drop@5ms'])
      expect(() => parseStreamFaultRule(bad)).toThrow(/--stream-fault/);
  });
});
