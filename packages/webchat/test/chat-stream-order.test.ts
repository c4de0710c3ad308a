/**
 * The event stream's order, on a fake clock with a real websocket server on 127.0.0.1: live
 * messages are delivered in the order of their server timestamps within the reorder window, once
 * by id; live events wait for the gap fill and are merged with what it recovers; a message held
 * when the connection drops waits for the next fill; closing delivers what is held, then `closed`,
 * then nothing. A far-future timestamp moves nothing past its own window. What is held while a gap
 * fill runs is bounded (1,000 events, 32 frames of `maxFrameBytes` in bytes): past that the
 * connection drops and the next fill recovers the messages. Frames are known to be read once the
 * `null` sent after them has been ignored: the socket keeps their order.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { EventStreamOptions, WebChatMessage } from '@switchboard/webchat';
import { ChatStream } from '../src/chat-stream.js';
import { type WsLoopback, wsLoopback } from '../../../test/support/ws-loopback.js';
import { frames, message, paddedFrame, recorder, sourceOf } from './stream-harness.js';

const WINDOW_MS = 250;
let server: WsLoopback;
let stream: ChatStream | undefined;
beforeEach(async () => {
  vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] });
  server = await wsLoopback();
});
afterEach(async () => {
  await stream?.close('closed');
  await server.close();
  stream = undefined;
  vi.useRealTimers();
});

/** A stream with a reorder window of WINDOW_MS (no jitter: a reconnect is due at once), started; its first socket, once its first gap fill is done. */
async function started(history: WebChatMessage[] = [], gate?: (fill: number) => Promise<void>, options: EventStreamOptions = {}) {
  const source = sourceOf(server.url, history, gate);
  const seen = recorder();
  stream = new ChatStream(source, { reorderWindowMs: WINDOW_MS, ...options }, seen.sink, seen.observer, () => 0);
  stream.start();
  const socket = await server.connection(1);
  if (!gate) await seen.until(() => seen.gapFills() === 1);
  /** Sends frames, then waits until the client has read them (a `null` after them has been ignored). */
  const send = async (...texts: string[]) => {
    for (const text of texts) socket.send(text);
    socket.send('null');
    const count = seen.ignored.length + 1;
    await seen.until(() => seen.ignored.length === count);
  };
  return { source, seen, socket, send };
}

describe('live messages', () => {
  it('come in the order of their timestamps when the earlier one arrives within the window, each at most the window late', async () => {
    const { seen, send } = await started();
    await send(frames.message(message('m2', 2)));
    vi.advanceTimersByTime(100);
    await send(frames.message(message('m1', 1)));
    vi.advanceTimersByTime(WINDOW_MS - 101);
    expect(seen.ids()).toEqual([]);
    vi.advanceTimersByTime(1);
    expect(seen.ids()).toEqual(['m1', 'm2']);
    await send(frames.message(message('m4', 4)), frames.message(message('m3', 3)), frames.message(message('m4', 4)));
    vi.advanceTimersByTime(WINDOW_MS);
    expect(seen.ids()).toEqual(['m1', 'm2', 'm3', 'm4']); // m4's second copy: once
    expect(seen.messages().every((x) => !x.recovered)).toBe(true);
  });

  it('one that arrives after the window of a later one comes as it arrives: once, out of order', async () => {
    const { seen, send } = await started();
    await send(frames.message(message('m2', 2)));
    vi.advanceTimersByTime(WINDOW_MS);
    await send(frames.message(message('m1', 1)), frames.message(message('m2', 2)));
    vi.advanceTimersByTime(WINDOW_MS);
    expect(seen.ids()).toEqual(['m2', 'm1']);
  });

  it('typing and member changes keep their place among the messages: a member who leaves after a message is not shown leaving first', async () => {
    const { seen, send } = await started();
    await send(frames.message(message('bye', 2)), frames.member('agent-1', 'DISCONNECTED'), frames.message(message('m1', 1)));
    vi.advanceTimersByTime(WINDOW_MS);
    expect(seen.events.slice(1).map((x) => (x.type === 'message' ? x.message.id : x.type))).toEqual(['m1', 'bye', 'member-change']);
  });

  it('a far-future timestamp does not push the typing and member changes that come after it is delivered behind later messages', async () => {
    const { seen, send } = await started();
    await send(frames.message({ ...message('future', 0), timestamp: '9999-01-01T00:00:00.000Z' }));
    vi.advanceTimersByTime(WINDOW_MS);
    await send(frames.typing('agent-1'));
    vi.advanceTimersByTime(100);
    await send(frames.message(message('m2', 2)), frames.member('agent-1', 'DISCONNECTED'));
    vi.advanceTimersByTime(WINDOW_MS);
    expect(seen.events.slice(1).map((x) => (x.type === 'message' ? x.message.id : x.type))).toEqual([
      'future',
      'typing',
      'm2',
      'member-change',
    ]);
  });

  it('with reorderWindowMs 0 come as they arrive', async () => {
    const source = sourceOf(server.url);
    const seen = recorder();
    stream = new ChatStream(source, { reorderWindowMs: 0 }, seen.sink, seen.observer);
    stream.start();
    const socket = await server.connection(1);
    await seen.until(() => seen.gapFills() === 1);
    socket.send(frames.message(message('m2', 2)));
    socket.send(frames.message(message('m1', 1)));
    await seen.until(() => seen.ids().length === 2);
    expect(seen.ids()).toEqual(['m2', 'm1']);
  });
});

describe('with the gap fill', () => {
  it('live messages wait for the fill, however long it takes, and are merged with what it recovers, once each', async () => {
    const history = [message('m1', 1), message('m2', 2)];
    let open = (): void => undefined;
    const gate = new Promise<void>((resolve) => (open = resolve));
    const { seen, send } = await started(history, () => gate);
    // m1.5 reached the stream but not yet the messages API: it goes between what the fill brings.
    await send(frames.message(message('m3', 3)), frames.message(message('m2', 2)), frames.message(message('m1.5', 1.5)));
    vi.advanceTimersByTime(WINDOW_MS * 10);
    expect(seen.ids()).toEqual([]);
    open();
    await seen.until(() => seen.gapFills() === 1);
    expect(seen.ids()).toEqual(['m1', 'm1.5', 'm2', 'm3']);
    expect(seen.messages().map((x) => x.recovered)).toEqual([true, false, true, false]);
  });

  it('a live message held when the connection drops waits for the next fill, which reads after the last one delivered', async () => {
    const history = [message('m1', 1)];
    const { source, seen, send, socket } = await started(history);
    expect(seen.ids()).toEqual(['m1']);
    history.push(message('m2', 2), message('m3', 3));
    await send(frames.message(message('m3', 3))); // m2 was lost on the way
    socket.terminate();
    await seen.until(() => seen.connection().length === 2);
    vi.advanceTimersByTime(WINDOW_MS * 10); // m3's window ends, and the reconnect (no jitter) is due
    expect(seen.ids()).toEqual(['m1']);
    await server.connection(2);
    await seen.until(() => seen.gapFills() === 2);
    expect(source.fills).toEqual([undefined, 'm1']);
    expect(seen.ids()).toEqual(['m1', 'm2', 'm3']);
    expect(seen.connection()).toEqual(['open connected', 'reconnecting dropped', 'open reconnected']);
  });
});

describe('what is held while a gap fill runs', () => {
  /** The first fill never ends (an upstream that takes its time over it); the next ones answer at once. */
  const slowFirstFill = (fill: number) => (fill === 1 ? new Promise<void>(() => undefined) : Promise.resolve());

  /** Once the connection dropped: reconnects (no jitter: due at once) and waits for the fill to deliver `count` messages. */
  async function reconnected(seen: ReturnType<typeof recorder>, count: number) {
    await seen.until(() => seen.connection().length === 2);
    vi.advanceTimersByTime(0);
    await server.connection(2);
    await seen.until(() => seen.ids().length === count);
  }

  it('is at most 1,000 events: one more drops the connection, and the next fill recovers its messages, once and in order', async () => {
    const history = [message('m1', 1)];
    const { source, seen, socket, send } = await started(history, slowFirstFill);
    const live = Array.from({ length: 999 }, (_, k) => message(`live-${k + 1}`, 2 + k / 1_000));
    history.push(...live);
    await send(frames.typing('agent-1'), ...live.map((m) => frames.message(m)));
    expect(seen.connection()).toEqual(['open connected']); // 1,000 held: the connection stays
    socket.send(frames.typing('agent-1'));
    await reconnected(seen, 1 + live.length);
    expect(seen.connection()).toEqual(['open connected', 'reconnecting too many events held', 'open reconnected']);
    expect(seen.ids()).toEqual(['m1', ...live.map((m) => m.id)]);
    expect(seen.messages().every((x) => x.recovered)).toBe(true);
    // What was held went with the connection: the typing is stale, the messages came from the fill.
    expect(seen.events.some((x) => x.type === 'typing')).toBe(false);
    expect(source.fills).toEqual([undefined, undefined]);
  });

  it('is at most 32 frames of maxFrameBytes in bytes', async () => {
    const history = [message('m1', 1)];
    const { seen, socket, send } = await started(history, slowFirstFill, { maxFrameBytes: 1_024 });
    const live = Array.from({ length: 33 }, (_, k) => message(`live-${k + 1}`, 2 + k));
    history.push(...live);
    await send(...live.slice(0, 32).map((m) => paddedFrame(m, 1_024)));
    expect(seen.connection()).toEqual(['open connected']); // exactly 32 KiB held: the connection stays
    socket.send(paddedFrame(live[32] ?? message('none', 0), 1_024));
    await reconnected(seen, 1 + live.length);
    expect(seen.connection()).toEqual(['open connected', 'reconnecting too many events held', 'open reconnected']);
    expect(seen.ids()).toEqual(['m1', ...live.map((m) => m.id)]);
  });
});

describe('closing', () => {
  it('delivers the events still held, in order, then closed, then nothing', async () => {
    const { seen, send } = await started();
    await send(frames.message(message('m2', 2)), frames.typing('agent-1'), frames.message(message('m1', 1)));
    const closing = stream?.close('left');
    expect(seen.events.slice(1).map((x) => (x.type === 'message' ? x.message.id : x.type))).toEqual(['m1', 'm2', 'typing', 'connection']);
    expect(seen.events.at(-1)).toMatchObject({ type: 'connection', state: 'closed', reason: 'left' });
    await closing;
    vi.advanceTimersByTime(WINDOW_MS * 10);
    expect(seen.events.at(-1)).toMatchObject({ type: 'connection', state: 'closed', reason: 'left' });
    expect(vi.getTimerCount()).toBe(0);
  });
});
