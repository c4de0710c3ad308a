/**
 * The events of a guest chat, as `chat.events()` yields them and `chat.on()` delivers them, and
 * the settings of the event stream behind them.
 */
import { SwitchboardError } from '@switchboard/core';
import type { BackoffOptions } from '@switchboard/middleware';
import type { WebChatMemberInfo, WebChatMessage, WebChatTyping } from './generated/models.js';

/** A message in the conversation, the guest's own included; each is delivered once, in the conversation's order. */
export interface ChatMessageEvent {
  /** Always `'message'`. */
  readonly type: 'message';
  /** The message as the API has it: id, body, bodyType, sender, timestamp. */
  readonly message: WebChatMessage;
  /** Whether it came from the messages API after a reconnect (it was sent while the stream was down) rather than from the stream. */
  readonly recovered: boolean;
}

/** A member shows they are typing (not recovered after a drop: it is stale by then). */
export interface ChatTypingEvent {
  /** Always `'typing'`. */
  readonly type: 'typing';
  /** Who is typing, and when. */
  readonly typing: WebChatTyping;
}

/** A member joined, changed or left (`member.state` DISCONNECTED). */
export interface ChatMemberChangeEvent {
  /** Always `'member-change'`. */
  readonly type: 'member-change';
  /** The member as it is now. */
  readonly member: WebChatMemberInfo;
}

/** The stream's connection: `open` (attempt 1 at first, then each reconnect), `reconnecting` after a drop, `closed` for good. */
export interface ChatConnectionEvent {
  /** Always `'connection'`. */
  readonly type: 'connection';
  /** `open`: a connection is open; `reconnecting`: it dropped and a new one will be tried; `closed`: for good. */
  readonly state: 'open' | 'reconnecting' | 'closed';
  /** The connection attempt: 1 for the first, counting up across reconnects until one opens. */
  readonly attempt: number;
  /** Why the state changed (`dropped`, `closed 1011`, `heartbeat stalled`, `left`, …); never the stream's URI or token. */
  readonly reason: string;
}

/** What a guest chat's event stream delivers, by `type`. */
export type ChatEvent = ChatMessageEvent | ChatTypingEvent | ChatMemberChangeEvent | ChatConnectionEvent;

/** How the event stream reconnects and when it gives up (`WebChatAPI`'s `eventStream` option). */
export interface EventStreamOptions {
  /**
   * How often the server sends a heartbeat, in ms (Genesys: every 30 s).
   * @default `30_000`
   */
  readonly heartbeatIntervalMs?: number;
  /**
   * A connection that brings nothing, heartbeats included, for this many heartbeat intervals is
   * stalled: it is closed and opened again.
   * @default `2.5` (75 s with Genesys' heartbeat)
   */
  readonly stallAfterHeartbeats?: number;
  /**
   * The reconnect backoff: full jitter, the first wait under `baseMs`, doubling up to `capMs`.
   * @default `{ baseMs: 250, capMs: 10_000 }`
   */
  readonly reconnect?: BackoffOptions;
  /**
   * How long the stream may be down (no connection open) before it gives up with an
   * {@link EventStreamError}.
   * @default `120_000` (2 minutes)
   */
  readonly giveUpAfterMs?: number;
  /**
   * The largest frame the stream takes, in bytes. A larger one makes the connection close (1009,
   * reason `frame too large`) before it is read, and the stream reconnects like after any drop:
   * the gap fill reads what was missed from the messages API, so no message is lost. The largest
   * frame the API sends is a message event (a body of at most 4,000 characters, a few tens of KiB
   * in JSON with its envelope and sender), so the default leaves a wide margin.
   * @default `262_144` (256 KiB)
   */
  readonly maxFrameBytes?: number;
  /**
   * How long each live event (a message, typing, a member change) is held, in ms, so that a
   * message sent earlier (by its server `timestamp`) that arrives a little later is still
   * delivered first. The cost is latency: every live event is delivered up to this much later
   * than it arrived. An event without a timestamp (typing, a member change, a message whose
   * timestamp is missing or not ISO 8601) keeps its arrival place; a message that arrives more than
   * the window after a later one was delivered comes when it arrives, out of order (still once).
   * Held events are delivered before the stream's `closed` event. `0` turns the window off.
   * @default `250`
   */
  readonly reorderWindowMs?: number;
}

/** Why the event stream gave up: `outage` (down longer than `giveUpAfterMs`) or `refused` (the server refused the stream's credential: 401, 403 or 404). */
export type EventStreamFailure = 'outage' | 'refused';

/** The event stream gave up: the iterator of `chat.events()` throws it, and `chat.on('error')` gets it. */
export class EventStreamError extends SwitchboardError {
  /** Always `E_EVENT_STREAM`. */
  readonly code = 'E_EVENT_STREAM';

  /**
   * @param failure - why it gave up.
   * @param detail - what was seen last (a close code, a status); safe to log.
   * @param conversationId - the chat's conversation.
   */
  constructor(
    /** Why it gave up. */
    readonly failure: EventStreamFailure,
    detail: string,
    /** The chat's conversation. */
    readonly conversationId: string,
  ) {
    super(
      `event stream of conversation ${conversationId}: ${failure === 'outage' ? 'down for too long' : 'refused by the server'} (${detail})`,
    );
  }

  protected override details(): Record<string, unknown> {
    return { failure: this.failure, conversationId: this.conversationId };
  }
}
