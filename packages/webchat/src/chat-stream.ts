/**
 * One guest chat's event stream: the websocket at its `eventStreamUri`, kept open across drops, on
 * the resilient stream of @switchboard/genesys (reconnect with backoff, stall detection from
 * heartbeats, gap fill from the messages API, every message once and in order, a reorder window,
 * bounded frames and held events). What is WebChat's here: how a frame reads (chat-frame.ts), what
 * the gap fill reads (the messages after the last one delivered), the bounds chosen for a chat,
 * and the chat's events and EventStreamError.
 *
 * The stream's URI holds a credential: it appears in no event, reason or error.
 */
import type { ProxySetting } from '@switchboard/core';
import { ResilientStream, type SocketOpener, type StreamFrame, type StreamHandlers } from '@switchboard/genesys';
import { type ChatEvent, EventStreamError, checkEventStreamOptions, type EventStreamOptions, stallBoundMs } from './chat-events.js';
import { type IgnoredFrameReason, parseFrame } from './chat-frame.js';
import type { WebChatMessage } from './generated/models.js';
import type { StreamObserver } from '@switchboard/genesys';

/** Where a stream connects, and how it reads the messages it missed. */
export interface ChatStreamSource {
  readonly conversationId: string;
  readonly uri: string;
  /**
   * The client's proxy setting: the stream connects the way API calls do (see core's `proxyFor`).
   * Undefined reads the environment's proxy variables.
   */
  readonly proxy?: ProxySetting;
  /** The conversation's messages after `afterId` (all of them when undefined), oldest first. */
  missed(afterId: string | undefined, signal: AbortSignal): AsyncIterable<WebChatMessage>;
}

/** What a stream tells its chat. Calls that throw are caught (and the error dropped): the stream goes on. */
export interface ChatStreamSink {
  event(event: ChatEvent): void;
  /** The stream gave up; nothing follows. */
  failed(error: EventStreamError): void;
}

/** A live event other than a message: typing, a member change. */
type ChatLive = Exclude<ChatEvent, { type: 'message' } | { type: 'connection' }>;

/** The longest a connection may take to open (the stall bound when shorter) before the attempt counts as failed. */
const HANDSHAKE_TIMEOUT_MS = 10_000;
/**
 * The most live events held at once: while a gap fill runs they all wait, and the upstream decides
 * how long a fill takes and how fast events come. A real chat brings a few events a second and a
 * fill takes a few page reads (seconds), so tens are held; 1,000 is far above that and still a
 * bounded amount. Past it the connection is dropped and the window cleared: the messages held are
 * read again by the next fill (they were not delivered, so it reads from before them), typing is
 * stale by then, and member changes are lost as they are while the stream is down. Inserting into
 * the window is O(n) in what it holds: with this bound, a thousand steps at most.
 */
const MAX_HELD_EVENTS = 1_000;
/**
 * The bytes held, in frames of `maxFrameBytes`: 1,000 frames of 256 KiB would be 250 MiB, and a
 * hostile upstream sends the largest it may. 32 of them is 8 MiB by default (the client's bound on
 * one answer), several hundred ordinary events, and grows with a `maxFrameBytes` raised on purpose.
 */
const MAX_HELD_FRAMES = 32;
/**
 * The default bound on one frame. The largest frame the API sends is a message event: a body of at
 * most 4,000 characters (24,000 bytes in the worst case, every character escaped as `\u00XX` in
 * JSON) in an envelope with the sender's member info, so a few tens of KiB. 256 KiB leaves ten
 * times that for member info with custom fields, and still refuses what no chat sends (ws would
 * otherwise hold up to 100 MiB per frame).
 */
const DEFAULT_MAX_FRAME_BYTES = 256 * 1024;
/**
 * The default reorder window. Messages swap on the way when two members send at almost the same
 * moment (a guest and an agent at once); a quarter of a second covers that, and is a delay a
 * reader of a chat does not notice.
 */
const DEFAULT_REORDER_WINDOW_MS = 250;

/** A message's server timestamp in epoch ms; NaN when it has none that parses. */
function timestampOf(message: WebChatMessage): number {
  return typeof message.timestamp === 'string' ? Date.parse(message.timestamp) : Number.NaN;
}

/** A frame as the resilient stream takes it: a message is an item (once, in order, gap-filled), typing and member changes live events. */
function readFrame(text: string): StreamFrame<WebChatMessage, ChatLive, IgnoredFrameReason> {
  const frame = parseFrame(text);
  switch (frame.kind) {
    case 'message':
      return { kind: 'item', item: frame.message };
    case 'typing':
      return { kind: 'live', event: { type: 'typing', typing: frame.typing } };
    case 'member-change':
      return { kind: 'live', event: { type: 'member-change', member: frame.member } };
    default:
      return frame;
  }
}

/** One guest chat's event stream (see the module's description). */
export class ChatStream {
  readonly #stream: ResilientStream<WebChatMessage, ChatLive, IgnoredFrameReason>;

  constructor(
    source: ChatStreamSource,
    options: EventStreamOptions,
    sink: ChatStreamSink,
    observer?: StreamObserver,
    random: () => number = Math.random,
    open?: SocketOpener,
  ) {
    // WebChatAPI checked them already; a GuestChat made by hand is checked here, before any timer.
    checkEventStreamOptions(options);
    const stallMs = stallBoundMs(options);
    const maxFrameBytes = options.maxFrameBytes ?? DEFAULT_MAX_FRAME_BYTES;
    let failure: EventStreamError | undefined;
    const handlers: StreamHandlers<WebChatMessage, ChatLive, IgnoredFrameReason> = {
      item: (message, recovered) => sink.event({ type: 'message', message, recovered }),
      live: (event) => sink.event(event),
      connection: (event) => {
        try {
          observer?.connection(event);
        } finally {
          sink.event(event);
        }
      },
      gapFilled: (recovered, durationMs) => observer?.gapFilled(recovered, durationMs),
      ignored: (reason) => observer?.ignoredFrame?.(reason),
      givingUp: (kind, detail) => {
        failure = new EventStreamError(kind, detail, source.conversationId);
        observer?.failed(failure);
      },
      failed: (kind, detail) => sink.failed(failure ?? new EventStreamError(kind, detail, source.conversationId)),
      within: (work) => (observer ? observer.within(work) : work()),
    };
    this.#stream = new ResilientStream(
      {
        uri: source.uri,
        proxy: source.proxy,
        read: readFrame,
        idOf: (message) => message.id,
        timeOf: timestampOf,
        missed: (afterId, signal) => source.missed(afterId, signal),
      },
      {
        stallMs,
        // A connection that cannot be made in this long is one attempt that failed, well within the outage bound.
        connectMs: Math.min(stallMs, HANDSHAKE_TIMEOUT_MS),
        reconnect: options.reconnect ?? { baseMs: 250, capMs: 10_000 },
        giveUpAfterMs: options.giveUpAfterMs ?? 120_000,
        maxFrameBytes,
        maxHeldEvents: MAX_HELD_EVENTS,
        maxHeldBytes: MAX_HELD_FRAMES * maxFrameBytes,
        reorderWindowMs: options.reorderWindowMs ?? DEFAULT_REORDER_WINDOW_MS,
      },
      handlers,
      { random, ...(open ? { open } : {}) },
    );
  }

  /** Frames ignored so far: not JSON, not an object, not what the API sends (each also told to the observer's `ignoredFrame`). */
  get ignoredFrames(): number {
    return this.#stream.ignoredFrames;
  }

  /** Opens the first connection. */
  start(): void {
    this.#stream.start();
  }

  /** Closes the stream for good (the chat was left or closed); resolves once its socket is gone. Held live events are delivered before `closed`. */
  close(reason: string): Promise<void> {
    return this.#stream.close(reason);
  }
}
