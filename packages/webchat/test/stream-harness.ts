/**
 * What the tests of the event stream share: frames as the API sends them, messages, a source
 * whose gap fill reads a history the test controls, and a sink that records what the stream
 * delivers and lets a test wait for it without a clock.
 */
import type { ChatEvent, WebChatMessage } from '@switchboard/webchat';
import type { ChatStreamSink, ChatStreamSource } from '../src/chat-stream.js';
import type { EventStreamError } from '../src/chat-events.js';
import type { StreamObserver } from '@switchboard/genesys';

export const CONVERSATION_ID = 'c-1';
const TOPIC = `v2.conversations.chats.${CONVERSATION_ID}`;

/** A message as the API has it; `at` is its server timestamp, in seconds after a fixed instant. */
export function message(id: string, at: number, body = `text of ${id}`): WebChatMessage {
  return {
    id,
    conversation: { id: CONVERSATION_ID },
    sender: { id: 'agent-1', role: 'AGENT' },
    body,
    bodyType: 'standard',
    timestamp: new Date(Date.UTC(2025, 0, 1, 12, 0, 0) + at * 1_000).toISOString(),
  };
}

/** The text of a frame the API sends: a message, typing, a member change or a heartbeat. */
export const frames = {
  message: (m: WebChatMessage): string =>
    JSON.stringify({ topicName: `${TOPIC}.messages`, version: '2', eventBody: m, metadata: { type: 'message' } }),
  typing: (senderId: string): string =>
    JSON.stringify({
      topicName: `${TOPIC}.messages`,
      version: '2',
      eventBody: {
        id: `typing-${senderId}`,
        conversation: { id: CONVERSATION_ID },
        sender: { id: senderId },
        timestamp: '2025-01-01T12:00:00.000Z',
      },
      metadata: { type: 'typing-indicator' },
    }),
  member: (id: string, state: string): string =>
    JSON.stringify({
      topicName: `${TOPIC}.members`,
      version: '2',
      eventBody: { member: { id, state, role: 'AGENT' } },
      metadata: { type: 'member-change' },
    }),
  heartbeat: (): string =>
    JSON.stringify({ topicName: 'channel.metadata', version: '2', eventBody: { message: 'WebSocket Heartbeat' }, metadata: {} }),
};

/** A message frame made `bytes` long (in UTF-8) by a field the client does not read. */
export function paddedFrame(m: WebChatMessage, bytes: number): string {
  const frame = frames.message(m).slice(0, -1) + ',"padding":"';
  const padded = `${frame}${'x'.repeat(bytes - Buffer.byteLength(frame) - 2)}"}`;
  if (Buffer.byteLength(padded) !== bytes) throw new Error(`a padded frame of ${bytes} bytes cannot be made from this message`);
  return padded;
}

/**
 * A source whose gap fill reads `history` (what the messages API holds now, in the conversation's
 * order; the test adds to it) after the id it is given. `fills` are the ids each fill read after;
 * `filled(n)` resolves once the `n`th fill has read everything; `gate(n)`, when given, holds
 * the `n`th fill until it resolves.
 */
export function sourceOf(uri: string, history: WebChatMessage[] = [], gate?: (fill: number) => Promise<void>) {
  const fills: (string | undefined)[] = [];
  let done = 0;
  const waiters = new Map<number, () => void>();
  const source = {
    conversationId: CONVERSATION_ID,
    uri,
    fills,
    filled: (n: number): Promise<void> => (done >= n ? Promise.resolve() : new Promise<void>((resolve) => waiters.set(n, resolve))),
    async *missed(afterId: string | undefined) {
      fills.push(afterId);
      // A fill the test holds: what arrives live meanwhile must wait for it.
      await gate?.(fills.length);
      const from = afterId === undefined ? 0 : history.findIndex((m) => m.id === afterId) + 1;
      yield* history.slice(from);
      done++;
      waiters.get(done)?.();
    },
  };
  return source satisfies ChatStreamSource;
}

/**
 * A sink that records every event and failure, and an observer that records the frames ignored;
 * `until` resolves once a predicate over them holds (checked after each).
 */
export function recorder(sink?: Partial<ChatStreamSink>) {
  const events: ChatEvent[] = [];
  const failures: EventStreamError[] = [];
  const ignored: string[] = [];
  const gapFills = { n: 0 };
  const waiters = new Set<{ test: () => boolean; resolve: () => void }>();
  const check = () => {
    for (const w of [...waiters])
      if (w.test()) {
        waiters.delete(w);
        w.resolve();
      }
  };
  const messages = () => events.flatMap((x) => (x.type === 'message' ? [x] : []));
  return {
    events,
    failures,
    /** The reasons of the frames ignored, in order (a test sends `'null'` to know that the frames before it were read). */
    ignored,
    /** Gap fills done (told just before the events held for them are released). */
    gapFills: () => gapFills.n,
    observer: {
      connection: () => undefined,
      gapFilled() {
        gapFills.n++;
        check();
      },
      failed: () => undefined,
      ignoredFrame(reason) {
        ignored.push(reason);
        check();
      },
      within: (work) => work(),
    } satisfies StreamObserver,
    /** The ids of the messages delivered, in order. */
    ids: () => messages().map((x) => x.message.id),
    messages,
    /** The connection events, as `state reason`. */
    connection: () => events.flatMap((x) => (x.type === 'connection' ? [`${x.state} ${x.reason}`] : [])),
    sink: {
      event(event: ChatEvent) {
        events.push(event);
        check();
        sink?.event?.(event);
      },
      failed(error: EventStreamError) {
        failures.push(error);
        check();
        sink?.failed?.(error);
      },
    } satisfies ChatStreamSink,
    until: (test: () => boolean): Promise<void> => (test() ? Promise.resolve() : new Promise((resolve) => waiters.add({ test, resolve }))),
  };
}

const messageTopic = `${TOPIC}.messages`;
const body = (eventBody: unknown, type = 'message', topicName = messageTopic): string =>
  JSON.stringify({ topicName, version: '2', eventBody, metadata: { type } });
const valid = { id: 'x-1', body: 'secret message text', sender: { id: 'agent-1' }, timestamp: '2025-01-01T12:00:00.000Z' };

/** Frames that are not what the API sends, with the reason each is ignored for; none may reach a listener, a log or a span. */
export const HOSTILE_FRAMES: readonly (readonly [string, string])[] = [
  ['null', 'not an object'],
  ['42', 'not an object'],
  ['"secret message text"', 'not an object'],
  ['true', 'not an object'],
  ['[]', 'not an object'],
  [`[${frames.heartbeat()}]`, 'not an object'],
  ['{', 'not json'],
  ['', 'not json'],
  ['{}', 'unknown topic'],
  ['{"topicName":7}', 'unknown topic'],
  [JSON.stringify({ topicName: `${TOPIC}.secrets`, eventBody: valid, metadata: { type: 'message' } }), 'unknown topic'],
  [JSON.stringify({ topicName: 'v2.conversations.chats.messages', eventBody: valid, metadata: { type: 'message' } }), 'unknown topic'],
  [JSON.stringify({ topicName: messageTopic, eventBody: valid }), 'unknown type'],
  [JSON.stringify({ topicName: messageTopic, eventBody: valid, metadata: null }), 'unknown type'],
  [body(valid, 'explode'), 'unknown type'],
  [body({ member: { id: 'm' } }, 'message', `${TOPIC}.members`), 'unknown type'],
  [body(null), 'body not an object'],
  [body([valid]), 'body not an object'],
  [body('secret message text'), 'body not an object'],
  [body({ ...valid, id: undefined }), 'invalid message'],
  [body({ ...valid, id: '' }), 'invalid message'],
  [body({ ...valid, id: 5 }), 'invalid message'],
  [body({ ...valid, body: undefined }), 'invalid message'],
  [body({ ...valid, body: { text: 'secret message text' } }), 'invalid message'],
  [body({ ...valid, sender: undefined }), 'invalid message'],
  [body({ ...valid, sender: 'agent-1' }), 'invalid message'],
  [body({ ...valid, timestamp: 1_735_732_800_000 }), 'invalid message'],
  [body({ id: 't-1', timestamp: valid.timestamp }, 'typing-indicator'), 'invalid typing'],
  [body({ conversation: { id: CONVERSATION_ID } }, 'member-change', `${TOPIC}.members`), 'invalid member change'],
  [body({ member: null }, 'member-change', `${TOPIC}.members`), 'invalid member change'],
];
