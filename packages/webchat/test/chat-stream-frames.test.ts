/**
 * The event stream against hostile frames, on a real websocket server on 127.0.0.1: frames that
 * are valid JSON but not what the API sends are ignored and counted (a frame holding just `null`
 * threw inside ws's message handler and took the process down), a frame over `maxFrameBytes` is a
 * drop whose messages the gap fill recovers, and nothing a listener, the sink or an observer throws
 * reaches ws. Then the same through chat.events() and the client's telemetry, against the emulator.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { startEmulator } from '@switchboard/emulator';
import { type ChatEvent, type StreamEvent, type WebChatMessage, WebChatAPI } from '@switchboard/webchat';
import { ChatStream } from '../src/chat-stream.js';
import type { StreamObserver } from '@switchboard/genesys';
import { type WsLoopback, wsLoopback } from '../../../test/support/ws-loopback.js';
import { frames, HOSTILE_FRAMES, message, paddedFrame, recorder, sourceOf } from './stream-harness.js';

let server: WsLoopback | undefined;
let stream: ChatStream | undefined;
afterEach(async () => {
  await stream?.close('closed');
  await server?.close();
  stream = server = undefined;
});

describe('a frame that is valid JSON but not an event', () => {
  it('null is ignored and counted, and the messages after it are delivered (it threw a TypeError inside ws)', async () => {
    server = await wsLoopback((socket) => {
      socket.send('null');
      socket.send(frames.message(message('m1', 1)));
    });
    const seen = recorder();
    stream = new ChatStream(sourceOf(server.url), { reorderWindowMs: 0 }, seen.sink);
    stream.start();
    await seen.until(() => seen.ids().length === 1);
    expect(seen.ids()).toEqual(['m1']);
    expect(stream.ignoredFrames).toBe(1);
  });

  it('every kind of hostile frame is ignored and counted by reason, binary ones too; the events the API sends still come', async () => {
    server = await wsLoopback((socket) => {
      for (const [text] of HOSTILE_FRAMES) socket.send(text);
      socket.send(Buffer.from(frames.message(message('binary', 0))), { binary: true });
      socket.send(frames.heartbeat());
      socket.send(frames.typing('agent-1'));
      socket.send(frames.member('agent-1', 'CONNECTED'));
      socket.send(frames.message(message('m1', 1)));
    });
    const reasons: string[] = [];
    const observer: StreamObserver = {
      connection: () => undefined,
      gapFilled: () => undefined,
      failed: () => undefined,
      ignoredFrame: (reason) => reasons.push(reason),
      within: (work) => work(),
    };
    const seen = recorder();
    stream = new ChatStream(sourceOf(server.url), { reorderWindowMs: 0 }, seen.sink, observer);
    stream.start();
    await seen.until(() => seen.ids().length === 1);
    expect(reasons).toEqual([...HOSTILE_FRAMES.map(([, reason]) => reason), 'binary frame']);
    expect(stream.ignoredFrames).toBe(HOSTILE_FRAMES.length + 1);
    expect(seen.events.map((x) => x.type)).toEqual(['connection', 'typing', 'member-change', 'message']);
    expect(JSON.stringify([seen.events, reasons])).not.toContain('secret');
  });
});

describe('a frame larger than maxFrameBytes', () => {
  it('closes the connection (1009) before it is read; the stream reconnects and its message comes from the gap fill, once and in order', async () => {
    const history: WebChatMessage[] = [];
    server = await wsLoopback();
    const source = sourceOf(server.url, history);
    const seen = recorder();
    stream = new ChatStream(source, { reorderWindowMs: 0, reconnect: { baseMs: 1, capMs: 5 } }, seen.sink);
    stream.start();
    const first = await server.connection(1);
    const closeCode = new Promise<number>((resolve) => first.once('close', resolve));
    await source.filled(1);
    const [m1, m2, m3] = [message('m1', 1), message('m2', 2), message('m3', 3)];
    history.push(m1);
    first.send(frames.message(m1));
    await seen.until(() => seen.ids().length === 1);
    // Under the default bound (256 KiB) a large frame is read; over it, it is not.
    history.push(m2);
    first.send(paddedFrame(m2, 200 * 1024));
    await seen.until(() => seen.ids().length === 2);
    history.push(m3);
    first.send(paddedFrame(m3, 300 * 1024));
    expect(await closeCode).toBe(1009);
    await server.connection(2);
    await seen.until(() => seen.ids().length === 3);
    expect(seen.ids()).toEqual(['m1', 'm2', 'm3']);
    expect(seen.messages().map((x) => x.recovered)).toEqual([false, false, true]);
    expect(source.fills).toEqual([undefined, 'm2']);
    expect(seen.connection()).toEqual(['open connected', 'reconnecting frame too large', 'open reconnected']);
    expect(JSON.stringify(seen.events)).not.toContain('secret-stream-token');
  });

  it('takes its bound from maxFrameBytes', async () => {
    server = await wsLoopback((socket, n) => {
      if (n === 1) socket.send(paddedFrame(message('m1', 1), 1_025));
      else socket.send(paddedFrame(message('m2', 2), 1_024));
    });
    const seen = recorder();
    stream = new ChatStream(
      sourceOf(server.url),
      { maxFrameBytes: 1_024, reorderWindowMs: 0, reconnect: { baseMs: 1, capMs: 5 } },
      seen.sink,
    );
    stream.start();
    await seen.until(() => seen.ids().length === 1);
    expect(seen.ids()).toEqual(['m2']);
    expect(seen.connection()).toEqual(['open connected', 'reconnecting frame too large', 'open reconnected']);
  });
});

describe('what the stream calls out to', () => {
  it('a sink and an observer that throw at every call reach neither ws nor the process: the stream goes on', async () => {
    server = await wsLoopback((socket, n) => {
      socket.send('null');
      socket.send(frames.message(message(`m${n}`, n)));
      if (n === 1) socket.close(1011);
    });
    const fails = (): never => {
      throw new Error('an observer that fails');
    };
    const observer: StreamObserver = { connection: fails, gapFilled: fails, failed: fails, ignoredFrame: fails, within: fails };
    const seen = recorder({
      event: () => {
        throw new Error('a sink that fails');
      },
    });
    stream = new ChatStream(sourceOf(server.url), { reorderWindowMs: 0, reconnect: { baseMs: 1, capMs: 5 } }, seen.sink, observer);
    stream.start();
    await seen.until(() => seen.ids().length === 2);
    expect(seen.ids()).toEqual(['m1', 'm2']);
    expect(stream.ignoredFrames).toBe(2);
    expect(seen.connection()).toEqual(['open connected', 'reconnecting closed 1011', 'open reconnected']);
  });
});

/** The first hostile frame of each reason. */
const oneOfEach = HOSTILE_FRAMES.filter(([, reason], k) => HOSTILE_FRAMES.findIndex(([, other]) => other === reason) === k);

describe('through chat.events(), against the emulator', () => {
  it('ignored frames are client events, span events and a counter by reason, with nothing of what they held; listeners that throw or reject change nothing', async () => {
    const { currentTelemetry } = await import('../../../test/support/otel.js');
    const telemetry = currentTelemetry();
    const e = await startEmulator({ agent: { joinDelayMs: 5, typingDelayMs: 5, replyDelayMs: 20 } });
    const api = new WebChatAPI({ baseUrl: e.apiUrl, onDeprecated: () => undefined, eventStream: { reconnect: { baseMs: 5, capMs: 20 } } });
    try {
      const streamEvents: StreamEvent[] = [];
      api.on('stream', (event) => streamEvents.push(event));
      const chat = await api.startGuestChat({
        organizationId: e.organizationId,
        deploymentId: e.deploymentId,
        routingTarget: { targetType: 'QUEUE', targetAddress: 'Support' },
        memberInfo: { displayName: 'Pat' },
      });
      chat.on('message', () => {
        throw new Error('a listener that fails');
      });
      // Users pass async listeners (the lint rule below is theirs to heed); a rejection must not be an unhandled one.
      // eslint-disable-next-line @typescript-eslint/require-await, @typescript-eslint/no-misused-promises
      chat.on('message', async () => {
        throw new Error('an async listener that fails');
      });
      const events: ChatEvent[] = [];
      let notify = (): void => undefined;
      const changed = () => new Promise<void>((resolve) => (notify = resolve));
      const done = (async () => {
        for await (const event of chat.events()) {
          events.push(event);
          notify();
        }
      })();
      const until = async (test: () => boolean) => {
        while (!test()) await changed();
      };
      const replies = () => events.filter((x) => x.type === 'message' && x.message.body.startsWith('Thanks')).length;
      await until(() => events.some((x) => x.type === 'message'));
      for (const [text] of oneOfEach) expect(e.streams.frame(chat.conversationId, text)).toBe(1);
      await chat.sendMessage('a message of the guest');
      await until(() => replies() === 1);
      // An oversize frame: a drop like another, and the chat goes on.
      expect(e.streams.frame(chat.conversationId, 'x'.repeat(300 * 1024))).toBe(1);
      await until(() => events.filter((x) => x.type === 'connection' && x.state === 'open').length === 2);
      await chat.sendMessage('another message of the guest');
      await until(() => replies() === 2);
      await chat.leave();
      await done;
      const mine = streamEvents.filter((x) => x.conversationId === chat.conversationId);
      const expected = oneOfEach.map(([, reason]) => reason);
      expect(mine.filter((x) => x.kind === 'frame-ignored').map((x) => x.reason)).toEqual(expected);
      expect(mine.find((x) => x.kind === 'reconnecting')?.reason).toBe('frame too large');
      const span = telemetry.allSpans.find(
        (s) => s.name === 'webchat event stream' && s.attributes['switchboard.conversation.id'] === chat.conversationId,
      );
      const ignoredSpanEvents = span?.events.filter((x) => x.name === 'frame.ignored') ?? [];
      expect(ignoredSpanEvents.map((x) => x.attributes?.['switchboard.stream.reason'])).toEqual(expected);
      const points = (await telemetry.points('switchboard.stream.ignored_frames')).filter(
        (p) => p.attributes['switchboard.conversation.id'] === chat.conversationId,
      );
      expect(Object.fromEntries(points.map((p) => [p.attributes['switchboard.stream.reason'], p.value]))).toEqual(
        Object.fromEntries(expected.map((reason) => [reason, 1])),
      );
      expect(JSON.stringify([mine, span?.events, points])).not.toMatch(/secret|token=/);
    } finally {
      await api.close();
      await e.stop();
    }
  });
});
