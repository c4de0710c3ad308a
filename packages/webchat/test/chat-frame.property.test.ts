/**
 * Properties of reading frames, for arbitrary frames: arbitrary strings, arbitrary JSON values,
 * and objects shaped almost like the API's frames (every field either right or anything). The
 * parser never throws, and whatever it reads as an event has the fields a delivered event is used
 * by; a frame the API could send is always read. The stream, on a real websocket server on
 * 127.0.0.1, never throws either: it delivers exactly what the parser reads, once by id, and counts
 * the rest. The seed is printed (replay with SWITCHBOARD_PROPERTY_SEED).
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ChatEvent } from '@switchboard/webchat';
import { parseFrame, type ParsedFrame } from '../src/chat-frame.js';
import { ChatStream } from '../src/chat-stream.js';
import { propertySeed } from '../../../test/support/property-seed.js';
import { type WsLoopback, wsLoopback } from '../../../test/support/ws-loopback.js';
import { CONVERSATION_ID, frames, recorder, sourceOf } from './stream-harness.js';

const SEED = propertySeed('chat-frame.property.test.ts');
const TOPIC = `v2.conversations.chats.${CONVERSATION_ID}`;

/** JSON text of any value (`undefined` has none: JSON.stringify gives undefined). */
const json = (value: unknown): string => JSON.stringify(value) ?? 'undefined';
const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);
const timestamp = fc.integer({ min: 0, max: Date.UTC(2100, 0, 1) }).map((ms) => new Date(ms).toISOString());
/** A field that is mostly of the right kind, else anything at all, or missing (undefined: JSON leaves it out). */
const rightOrAnything = <T>(right: fc.Arbitrary<T>): fc.Arbitrary<unknown> =>
  fc.oneof({ weight: 6, arbitrary: right }, { weight: 1, arbitrary: fc.anything() }, { weight: 1, arbitrary: fc.constant(undefined) });

const almostMessage = fc.record({
  id: rightOrAnything(fc.string()),
  body: rightOrAnything(fc.string()),
  sender: rightOrAnything(fc.record({ id: fc.string() })),
  timestamp: rightOrAnything(fc.oneof(timestamp, fc.string())),
  member: rightOrAnything(fc.record({ id: fc.string(), state: fc.constantFrom('CONNECTED', 'DISCONNECTED') }, { requiredKeys: [] })),
});
/** The topics and types the API sends, each pair as it comes, and some near misses. */
const PAIRS = [
  [`${TOPIC}.messages`, 'message'],
  [`${TOPIC}.messages`, 'typing-indicator'],
  [`${TOPIC}.members`, 'member-change'],
  [`${TOPIC}.mediarequests`, 'media-request'],
  ['channel.metadata', undefined],
  [`${TOPIC}.members`, 'message'],
  [`${TOPIC}.messages.x`, 'message'],
] as const;
const almostFrame = fc
  .constantFrom(...PAIRS)
  .chain(([topicName, type]) =>
    fc.record({
      topicName: rightOrAnything(fc.constant(topicName)),
      version: fc.anything(),
      eventBody: rightOrAnything(almostMessage),
      metadata: rightOrAnything(fc.record({ type: rightOrAnything(fc.constant(type)) })),
    }),
  )
  .map(json);
/** A message the API could send: the fields it must have, and anything else besides. */
const validMessage = fc
  .tuple(
    fc.record(
      { id: fc.string({ minLength: 1 }), body: fc.string({ unit: 'binary' }), sender: fc.dictionary(fc.string(), fc.jsonValue()) },
      { requiredKeys: ['id', 'body', 'sender'] },
    ),
    fc.option(timestamp, { nil: undefined }),
    fc.dictionary(fc.string(), fc.jsonValue()),
  )
  .map(([required, at, extra]) => ({ ...extra, ...required, ...(at === undefined ? {} : { timestamp: at }) }));
const anyFrame = fc.oneof(
  almostFrame,
  fc.jsonValue().map(json),
  fc.anything().map(json),
  fc.string({ unit: 'binary' }),
  validMessage.map((m) => frames.message(m as never)),
);

const REASONS = new Set([
  'not json',
  'not an object',
  'binary frame',
  'unknown topic',
  'unknown type',
  'body not an object',
  'invalid message',
  'invalid typing',
  'invalid member change',
]);

/** Whether a parsed frame has the fields its event is used by (or a known reason). */
function wellFormed(frame: ParsedFrame): boolean {
  switch (frame.kind) {
    case 'message': {
      const m: unknown = frame.message;
      return (
        isObject(m) &&
        typeof m.id === 'string' &&
        m.id !== '' &&
        typeof m.body === 'string' &&
        isObject(m.sender) &&
        (m.timestamp === undefined || typeof m.timestamp === 'string')
      );
    }
    case 'typing':
      return isObject(frame.typing) && isObject(frame.typing.sender);
    case 'member-change':
      return isObject(frame.member);
    case 'quiet':
      return true;
    case 'ignored':
      return REASONS.has(frame.reason);
  }
}

/** A delivered event as the parser's kind of frame, to compare the stream with the parser. */
function asParsed(event: ChatEvent): ParsedFrame | undefined {
  if (event.type === 'message') return { kind: 'message', message: event.message };
  if (event.type === 'typing') return { kind: 'typing', typing: event.typing };
  if (event.type === 'member-change') return { kind: 'member-change', member: event.member };
  return undefined;
}

describe('parseFrame, for arbitrary frames', () => {
  it('never throws, and reads as an event only what has the fields the event is used by', () => {
    fc.assert(
      fc.property(anyFrame, (text) => {
        expect(wellFormed(parseFrame(text))).toBe(true);
      }),
      { seed: SEED, numRuns: 2_000 },
    );
  });

  it('reads every message the API could send, as it was sent', () => {
    fc.assert(
      fc.property(validMessage, (m) => {
        expect(parseFrame(frames.message(m as never))).toEqual({ kind: 'message', message: JSON.parse(JSON.stringify(m)) as unknown });
      }),
      { seed: SEED, numRuns: 500 },
    );
  });
});

describe('the stream, for arbitrary frames', () => {
  let server: WsLoopback;
  beforeAll(async () => (server = await wsLoopback()));
  afterAll(() => server.close());

  it('never throws: it delivers what the parser reads as events (messages once by id), in order, and counts the rest', async () => {
    let connections = 0;
    await fc.assert(
      fc.asyncProperty(fc.array(anyFrame, { maxLength: 30 }), async (texts) => {
        const seen = recorder();
        const stream = new ChatStream(sourceOf(server.url), { reorderWindowMs: 0 }, seen.sink, seen.observer);
        stream.start();
        try {
          const socket = await server.connection(++connections);
          await seen.until(() => seen.gapFills() === 1);
          for (const text of texts) socket.send(text);
          socket.send('null'); // read last: once it is ignored, every frame before it was read
          // What the client receives: the text as UTF-8 (a lone surrogate becomes U+FFFD on the way).
          const parsed = texts.map((text) => parseFrame(Buffer.from(text).toString('utf8')));
          const ignored = parsed.filter((p) => p.kind === 'ignored').length;
          await seen.until(() => seen.ignored.length === ignored + 1);
          const ids = new Set<string>();
          const expected = parsed.filter((p) => {
            if (p.kind === 'ignored' || p.kind === 'quiet') return false;
            if (p.kind !== 'message') return true;
            const fresh = !ids.has(p.message.id ?? '');
            ids.add(p.message.id ?? '');
            return fresh;
          });
          const delivered = seen.events.flatMap((event) => asParsed(event) ?? []);
          expect(delivered).toEqual(expected);
          expect(delivered.every(wellFormed)).toBe(true);
          expect(stream.ignoredFrames).toBe(ignored + 1);
          expect(seen.ignored).toEqual([...parsed.flatMap((p) => (p.kind === 'ignored' ? [p.reason] : [])), 'not an object']);
        } finally {
          await stream.close('closed');
        }
      }),
      { seed: SEED, numRuns: 100 },
    );
  }, 120_000);
});
