/**
 * chat.events() and chat.on() against the emulator: agent replies in real time, exactly once and in
 * order across a dropped and a stalled stream (what was missed comes from the messages API), the
 * iterator's end on leave, close and abort, and the typed error when the stream cannot come back.
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Emulator, startEmulator } from '@switchboard/emulator';
import {
  type ChatConnectionEvent,
  type ChatEvent,
  EventStreamError,
  GuestChat,
  type StreamEvent,
  type WebChatMessage,
  WebChatAPI,
} from '@switchboard/webchat';
import { eventually } from '../../../test/support/time.js';

let e: Emulator;
let api: WebChatAPI;

// Short, so that a stall is found in half a second, but not so short that a loaded machine makes one.
const HEARTBEAT_MS = 200;
beforeAll(async () => {
  e = await startEmulator({
    heartbeatMs: HEARTBEAT_MS,
    agent: { joinDelayMs: 10, typingDelayMs: 5, replyDelayMs: 40 },
    rateLimit: { limit: 100_000, windowSeconds: 60 },
    orgRateLimit: { limit: 100_000, windowSeconds: 60 },
  });
  api = new WebChatAPI({
    baseUrl: e.apiUrl,
    onDeprecated: () => undefined,
    // A stall is 2.5 heartbeats of silence: 500 ms here, 75 s against Genesys.
    eventStream: { heartbeatIntervalMs: HEARTBEAT_MS, reconnect: { baseMs: 20, capMs: 200 }, giveUpAfterMs: 5_000 },
  });
});
afterAll(async () => {
  await api.close();
  await e.stop();
});

const chatRequest = () => ({
  organizationId: e.organizationId,
  deploymentId: e.deploymentId,
  routingTarget: { targetType: 'QUEUE' as const, targetAddress: 'Support' },
  memberInfo: { displayName: 'Pat' },
});

/** Collects a chat's events from chat.events() until it ends; `until` resolves once `predicate` holds for what was collected. */
function collect(chat: GuestChat, signal?: AbortSignal) {
  const events: ChatEvent[] = [];
  const waiters: { test: () => boolean; resolve: () => void }[] = [];
  const done = (async () => {
    for await (const event of chat.events({ signal })) {
      events.push(event);
      for (const w of [...waiters]) {
        if (!w.test()) continue;
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve();
      }
    }
  })();
  const until = (test: () => boolean, ms = 10_000) =>
    new Promise<void>((resolve, reject) => {
      if (test()) return resolve();
      waiters.push({ test, resolve });
      setTimeout(() => reject(new Error(`not seen in ${ms} ms: ${JSON.stringify(events.map((x) => x.type))}`)), ms).unref();
    });
  const messages = () => events.filter((x): x is Extract<ChatEvent, { type: 'message' }> => x.type === 'message').map((x) => x.message);
  const agentReplies = () => messages().filter((m) => m.sender.role === 'AGENT' && m.body.startsWith('Thanks'));
  return { events, done, until, messages, agentReplies };
}

describe('chat.events()', () => {
  it('delivers every message once and in order across a drop and a stall, the missed ones from the messages API', async () => {
    const chat = await api.startGuestChat(chatRequest());
    const seen = collect(chat);
    await seen.until(() => seen.messages().some((m) => m.sender.role === 'AGENT')); // the greeting
    for (let i = 1; i <= 6; i++) {
      await chat.sendMessage(`message ${i}`);
      await seen.until(() => seen.agentReplies().length >= i);
      if (i === 2) expect(e.streams.drop(chat.conversationId)).toBe(1);
      if (i === 4) expect(e.streams.stall(chat.conversationId, 1_000)).toBe(1);
      // The agent answers while the guest is disconnected: the reply must come back through the gap fill.
      if (i === 2 || i === 4) await chat.sendMessage(`while down ${i}`);
    }
    await seen.until(() => seen.agentReplies().length >= 8);
    const stored: WebChatMessage[] = [];
    for await (const message of chat.messages()) stored.push(message);
    const ids = seen.messages().map((m) => m.id);
    expect(new Set(ids).size).toBe(ids.length); // none twice
    expect(ids).toEqual(stored.map((m) => m.id)); // all of them, in the conversation's order
    const connection = seen.events.filter((x): x is ChatConnectionEvent => x.type === 'connection');
    // Open, then a reconnect for the drop and one for the stall, each followed by open again. A
    // loaded machine can hold a heartbeat past the 500 ms that make a stall here: the stream then
    // reconnects once more, as it should, and the messages above still came once and in order.
    expect(connection[0]).toMatchObject({ state: 'open', reason: 'connected' });
    expect(connection.map((c) => c.state)).toEqual(connection.map((_, k) => (k % 2 === 0 ? 'open' : 'reconnecting')));
    const reconnects = connection.filter((c) => c.state === 'reconnecting').map((c) => c.reason);
    expect(reconnects.filter((reason) => reason === 'dropped')).toHaveLength(1);
    expect(reconnects.filter((reason) => reason === 'heartbeat stalled').length).toBeGreaterThanOrEqual(1);
    expect(reconnects.length).toBe(reconnects.filter((reason) => reason === 'dropped' || reason === 'heartbeat stalled').length);
    expect(
      connection
        .filter((c) => c.state === 'open')
        .slice(1)
        .every((c) => c.reason === 'reconnected'),
    ).toBe(true);
    expect(seen.messages().some((m) => seen.events.some((x) => x.type === 'message' && x.message === m && x.recovered))).toBe(true);
    await chat.leave();
    await seen.done; // leave ends the iterator
    expect(seen.events.at(-1)).toMatchObject({ type: 'connection', state: 'closed', reason: 'left' });
    expect(JSON.stringify(seen.events)).not.toContain('token=');
  });

  it('ends the iterator when its signal aborts, and when the chat is closed; no socket is left', async () => {
    const chat = await api.startGuestChat(chatRequest());
    const abort = new AbortController();
    const aborted = collect(chat, abort.signal);
    const other = collect(chat);
    await aborted.until(() => aborted.events.some((x) => x.type === 'connection' && x.state === 'open'));
    abort.abort();
    await aborted.done;
    expect(e.stats.openEventStreams).toBeGreaterThan(0); // the other iterator keeps the stream
    await chat.close();
    await other.done;
    expect(other.events.at(-1)).toMatchObject({ type: 'connection', state: 'closed', reason: 'closed' });
  });

  it('on(): listeners per type share the one stream', async () => {
    const chat = await api.startGuestChat(chatRequest());
    const messages: WebChatMessage[] = [];
    const states: string[] = [];
    const stop = chat.on('message', (event) => messages.push(event.message));
    chat.on('connection', (event) => states.push(event.state));
    const seen = collect(chat);
    await seen.until(() => seen.messages().length >= 1);
    // The listener and the iterator hear the same messages (each at its own pace).
    await eventually(() => expect(messages.map((m) => m.id)).toEqual(seen.messages().map((m) => m.id)));
    stop();
    await chat.leave();
    expect(states).toEqual(['open', 'closed']);
  });

  it('gives up with an EventStreamError when the stream is refused, at once and without retrying', async () => {
    const chat = await api.startGuestChat(chatRequest());
    const refused = new GuestChat(
      api,
      {
        conversationId: chat.conversationId,
        memberId: chat.memberId,
        eventStreamUri: chat.eventStreamUri.replace(/token=[^&]+/, 'token=wrong'),
        member: chat.member,
      },
      () => undefined,
      { reconnect: { baseMs: 10, capMs: 20 }, giveUpAfterMs: 5_000 },
    );
    const errors: EventStreamError[] = [];
    refused.on('error', (error) => errors.push(error));
    let thrown: unknown;
    try {
      for await (const event of refused.events()) void event;
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(EventStreamError);
    expect((thrown as EventStreamError).failure).toBe('refused');
    expect((thrown as EventStreamError).message).not.toContain('token');
    expect(errors).toHaveLength(1);
    await chat.leave();
  });

  it('gives up with an EventStreamError after giveUpAfterMs when the server never comes back', async () => {
    const down = await startEmulator({ heartbeatMs: HEARTBEAT_MS });
    const client = new WebChatAPI({
      baseUrl: down.apiUrl,
      onDeprecated: () => undefined,
      eventStream: { heartbeatIntervalMs: HEARTBEAT_MS, reconnect: { baseMs: 20, capMs: 100 }, giveUpAfterMs: 800 },
    });
    const chat = await client.startGuestChat({
      organizationId: down.organizationId,
      deploymentId: down.deploymentId,
      routingTarget: { targetType: 'QUEUE', targetAddress: 'Support' },
      memberInfo: { displayName: 'Pat' },
    });
    const seen = collect(chat);
    // Up once its gap is filled and a frame has come (the greeting): the outage clock starts at the drop.
    await seen.until(() => seen.messages().length > 0);
    const stoppedAt = performance.now();
    await down.stop();
    const failure = await seen.done.then(
      () => undefined,
      (error: unknown) => error,
    );
    const tookMs = performance.now() - stoppedAt;
    expect(failure).toBeInstanceOf(EventStreamError);
    expect((failure as EventStreamError).failure).toBe('outage');
    const reconnects = seen.events.filter((x) => x.type === 'connection' && x.state === 'reconnecting').length;
    expect(reconnects).toBeGreaterThan(1);
    expect(reconnects).toBeLessThan(40); // bounded by the backoff: 800 ms at 20–100 ms a try
    expect(tookMs).toBeGreaterThanOrEqual(790); // not before the bound (timers and clocks differ by a millisecond or so)
    await client.close();
  });
});

describe('the event stream, observed', () => {
  it('reports connection changes, reconnects and gap fills as client events, span events and metrics, with nothing secret', async () => {
    const { currentTelemetry } = await import('../../../test/support/otel.js');
    const telemetry = currentTelemetry();
    const streamEvents: StreamEvent[] = [];
    const stop = api.on('stream', (event) => streamEvents.push(event));
    const chat = await api.startGuestChat(chatRequest());
    const seen = collect(chat);
    await seen.until(() => seen.messages().some((m) => m.sender.role === 'AGENT'));
    e.streams.drop(chat.conversationId);
    await chat.sendMessage('while the stream is down');
    await seen.until(() => seen.agentReplies().length >= 1);
    await seen.until(() => seen.events.filter((x) => x.type === 'connection' && x.state === 'open').length >= 2);
    await chat.leave();
    stop();
    const mine = streamEvents.filter((x) => x.conversationId === chat.conversationId);
    expect(mine.map((x) => x.kind)).toEqual(expect.arrayContaining(['open', 'gap-filled', 'reconnecting', 'closed']));
    expect(mine.find((x) => x.kind === 'reconnecting')).toMatchObject({ reason: 'dropped', attempt: 1 });
    const span = telemetry.allSpans.find(
      (s) => s.name === 'webchat event stream' && s.attributes['switchboard.conversation.id'] === chat.conversationId,
    );
    expect(span?.events.map((x) => x.name)).toEqual(
      expect.arrayContaining(['connection.open', 'gap_filled', 'connection.reconnecting', 'connection.closed']),
    );
    // The gap fill's calls are children of the stream's span.
    expect(
      telemetry.allSpans.some(
        (s) => s.name.startsWith('getWebchatGuestConversationMessages') && s.parentSpanContext?.spanId === span?.spanContext().spanId,
      ),
    ).toBe(true);
    const reconnects = (await telemetry.points('switchboard.stream.reconnects')).filter(
      (p) => p.attributes['switchboard.conversation.id'] === chat.conversationId,
    );
    expect(reconnects[0]?.value).toBe(1);
    const everything = JSON.stringify([mine, span?.events, span?.attributes, seen.events.filter((x) => x.type === 'connection')]);
    expect(everything).not.toContain('token');
    expect(everything).not.toContain('while the stream is down');
  });
});

describe('after close', () => {
  it('leaves no socket or timer: a process that streamed, reconnected and stalled exits by itself after api.close()', async () => {
    const script = `
      import { startEmulator } from '@switchboard/emulator';
      import { WebChatAPI } from '@switchboard/webchat';
      const e = await startEmulator({ heartbeatMs: 50, agent: { joinDelayMs: 10, typingDelayMs: 5, replyDelayMs: 20 } });
      const api = new WebChatAPI({ baseUrl: e.apiUrl, onDeprecated: () => {}, eventStream: { heartbeatIntervalMs: 50, reconnect: { baseMs: 10, capMs: 50 } } });
      const chat = await api.startGuestChat({ organizationId: e.organizationId, deploymentId: e.deploymentId, routingTarget: { targetType: 'QUEUE', targetAddress: 'q' }, memberInfo: { displayName: 'x' } });
      const states = [];
      chat.on('connection', (event) => states.push(event.state));
      const opens = (n) => new Promise((resolve) => { const check = () => states.filter((s) => s === 'open').length >= n && resolve(); check(); chat.on('connection', check); });
      await opens(1);
      e.streams.drop(chat.conversationId);
      await opens(2);
      e.streams.stall(chat.conversationId, 60000); // left stalled: the client's stall timer is armed when it closes
      await api.close();
      await e.stop();
      console.log(JSON.stringify({ states, open: e.stats.openEventStreams }));
    `;
    const child = spawn(process.execPath, ['--conditions=@switchboard/source', '--import', 'tsx', '--input-type=module', '-e', script], {
      cwd: fileURLToPath(new URL('../../../test', import.meta.url)),
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
    const [code] = (await once(child, 'exit')) as [number | null];
    expect(code).toBe(0);
    const result = JSON.parse(out.trim()) as { states: string[]; open: number };
    expect(result.states).toEqual(['open', 'reconnecting', 'open', 'closed']);
    expect(result.open).toBe(0);
  }, 30_000);
});

describe('giving up', () => {
  it('a gap fill that keeps failing does not keep the stream alive past giveUpAfterMs: it ends with an EventStreamError', async () => {
    const client = new WebChatAPI({
      baseUrl: e.apiUrl,
      onDeprecated: () => undefined,
      retry: false,
      eventStream: { heartbeatIntervalMs: HEARTBEAT_MS, reconnect: { baseMs: 10, capMs: 50 }, giveUpAfterMs: 600 },
    });
    const rule = e.faults.add({ match: { operationId: 'getWebchatGuestConversationMessages' }, fault: { kind: 'status', status: 503 } });
    try {
      const chat = await client.startGuestChat(chatRequest());
      const seen = collect(chat);
      const failure = await seen.done.then(
        () => undefined,
        (error: unknown) => error,
      );
      expect(failure).toBeInstanceOf(EventStreamError);
      expect((failure as EventStreamError).failure).toBe('outage');
      expect(seen.events.some((x) => x.type === 'connection' && x.reason === 'gap fill failed')).toBe(true);
    } finally {
      e.faults.remove(rule);
      await client.close();
    }
  });

  it('a stream URI that cannot be parsed is refused at once, without its token in the error', async () => {
    const chat = await api.startGuestChat(chatRequest());
    const broken = new GuestChat(api, {
      conversationId: chat.conversationId,
      memberId: chat.memberId,
      eventStreamUri: 'not a uri?token=very-secret',
      member: chat.member,
    });
    const failure = await (async () => {
      for await (const event of broken.events()) void event;
    })().then(
      () => undefined,
      (error: unknown) => error,
    );
    expect(failure).toBeInstanceOf(EventStreamError);
    expect((failure as EventStreamError).failure).toBe('refused');
    expect(JSON.stringify([(failure as Error).message, failure])).not.toContain('very-secret');
    await chat.leave();
  });

  it('an iterator aborted with events still queued ends at once, and one api.on("stream") listener that throws does not keep the event from the others', async () => {
    const heard: string[] = [];
    const stopA = api.on('stream', () => {
      throw new Error('a listener that fails');
    });
    const stopB = api.on('stream', (event) => heard.push(event.kind));
    const chat = await api.startGuestChat(chatRequest());
    const abort = new AbortController();
    const iterator = chat.events({ signal: abort.signal })[Symbol.asyncIterator]();
    // A listener hears the greeting once the iterator's queue holds it, and the agent's join before it.
    const greeted = new Promise<void>((resolve) => chat.on('message', () => resolve()));
    expect((await iterator.next()).value).toMatchObject({ type: 'connection', state: 'open' });
    await greeted;
    abort.abort();
    expect((await iterator.next()).done).toBe(true);
    expect(heard).toContain('open');
    stopA();
    stopB();
    await chat.leave();
  });
});
