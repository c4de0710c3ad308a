/**
 * The events of a guest chat, as `chat.events()` yields them and `chat.on()` delivers them, and
 * the settings of the event stream behind them.
 */
import { ConfigurationError, MAX_TIMER_MS, SwitchboardError } from '@switchboard/core';
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
   * How often the server sends a heartbeat, in ms (Genesys: every 30 s). Positive; its product with
   * `stallAfterHeartbeats` is at most 2^31 − 1 ms (setTimeout's ceiling).
   * @default `30_000`
   */
  readonly heartbeatIntervalMs?: number;
  /**
   * A connection that brings nothing, heartbeats included, for this many heartbeat intervals is
   * stalled: it is closed and opened again. At least 1. A connection that cannot be made within
   * this bound, or 10 s when that is shorter, fails like a drop (`could not connect (timed out)`),
   * a proxy that never answers CONNECT included.
   * @default `2.5` (75 s with Genesys' heartbeat)
   */
  readonly stallAfterHeartbeats?: number;
  /**
   * The reconnect backoff: full jitter, the first wait under `baseMs`, doubling up to `capMs`
   * (both positive, at most 2^31 − 1 ms).
   * @default `{ baseMs: 250, capMs: 10_000 }`
   */
  readonly reconnect?: BackoffOptions;
  /**
   * How long the stream may be down (no connection open) before it gives up with an
   * {@link EventStreamError}. `Infinity` never gives up (except when the credential is refused).
   * @default `120_000` (2 minutes)
   */
  readonly giveUpAfterMs?: number;
  /**
   * The largest frame the stream takes, in bytes. A larger one makes the connection close (1009,
   * reason `frame too large`) before it is read, and the stream reconnects like after any drop:
   * the gap fill reads what was missed from the messages API, so no message is lost. The largest
   * frame the API sends is a message event (a body of at most 4,000 characters, a few tens of KiB
   * in JSON with its envelope and sender), so the default leaves a wide margin. A whole number
   * from 1 to 100 MiB (ws's own bound). Live events held while a gap fill runs are bounded too:
   * 1,000 of them, and 32 times this in bytes (8 MiB by default); past that the connection drops
   * (`too many events held`) and the next gap fill reads the messages held from the messages API
   * (the typing indicators and member changes held are dropped, as while the stream is down).
   * @default `262_144` (256 KiB)
   */
  readonly maxFrameBytes?: number;
  /**
   * How long each live event (a message, typing, a member change) is held, in ms, so that a
   * message sent earlier (by its server `timestamp`) that arrives a little later is still
   * delivered first. The cost is latency: every live event is delivered up to this much later
   * than it arrived. An event without a timestamp (typing, a member change, a message whose
   * timestamp is missing or not ISO 8601) keeps its arrival place, after the events held when it
   * came (a far-future timestamp moves it only while that message is held); a message that arrives
   * more than the window after a later one was delivered comes when it arrives, out of order (still
   * once). Held events are delivered before the stream's `closed` event. `0` turns the window off;
   * at most 2^31 − 1 (setTimeout's ceiling).
   * @default `250`
   */
  readonly reorderWindowMs?: number;
}

/** The default of `heartbeatIntervalMs` (the stream's and the check's below): Genesys' heartbeat. */
const DEFAULT_HEARTBEAT_INTERVAL_MS = 30_000;
/** The default of `stallAfterHeartbeats` (the stream's and the check's below). */
const DEFAULT_STALL_AFTER_HEARTBEATS = 2.5;
/**
 * The largest `maxFrameBytes`: ws's own default bound, 100 MiB. No event of a chat comes near it
 * (the largest is a few tens of KiB), and above it the option would bound nothing ws does not.
 */
const MAX_FRAME_BYTES_CEILING = 100 * 1024 * 1024;

/** How long a connection may bring nothing before it counts as stalled: `heartbeatIntervalMs × stallAfterHeartbeats`. */
export function stallBoundMs(options: EventStreamOptions): number {
  return (options.heartbeatIntervalMs ?? DEFAULT_HEARTBEAT_INTERVAL_MS) * (options.stallAfterHeartbeats ?? DEFAULT_STALL_AFTER_HEARTBEATS);
}

/** Throws a ConfigurationError naming `eventStream.<what>` unless `holds`; the message states the rule, never the value given. */
function rule(holds: boolean, what: string): void {
  if (!holds) throw new ConfigurationError(`eventStream.${what}`);
}

/** Whether `value` is a number in [low, high] (`positive`: above low), which NaN never is. */
function within(value: unknown, low: number, high: number, positive = false): boolean {
  return typeof value === 'number' && value >= low && value <= high && (!positive || value > low);
}

/**
 * Checks `WebChatAPI`'s `eventStream` option before anything is sent: a value that would turn a
 * bound off without a word (`maxFrameBytes: 0` is "unlimited" to ws) or make a timer fire after
 * 1 ms (NaN, negative, or above setTimeout's ceiling: a reconnect loop) is a ConfigurationError.
 */
export function checkEventStreamOptions(options: EventStreamOptions): void {
  const { heartbeatIntervalMs, stallAfterHeartbeats, reconnect, giveUpAfterMs, maxFrameBytes, reorderWindowMs } = options;
  const timerRule = `must be a positive number of milliseconds up to ${MAX_TIMER_MS} (setTimeout's ceiling)`;
  rule(heartbeatIntervalMs === undefined || within(heartbeatIntervalMs, 0, MAX_TIMER_MS, true), `heartbeatIntervalMs ${timerRule}`);
  rule(
    stallAfterHeartbeats === undefined || within(stallAfterHeartbeats, 1, Number.MAX_VALUE),
    'stallAfterHeartbeats must be a finite number of heartbeats, at least 1 (fewer would call a connection stalled before its heartbeat is due)',
  );
  rule(
    stallBoundMs(options) <= MAX_TIMER_MS,
    `heartbeatIntervalMs × stallAfterHeartbeats (the stall bound) must be at most ${MAX_TIMER_MS} ms (setTimeout's ceiling)`,
  );
  if (reconnect !== undefined) {
    rule(typeof reconnect === 'object' && reconnect !== null, 'reconnect must be an object with baseMs and capMs');
    rule(within(reconnect.baseMs, 0, MAX_TIMER_MS, true), `reconnect.baseMs ${timerRule}`);
    rule(within(reconnect.capMs, 0, MAX_TIMER_MS, true), `reconnect.capMs ${timerRule}`);
  }
  rule(
    giveUpAfterMs === undefined || within(giveUpAfterMs, 0, Infinity),
    'giveUpAfterMs must be a non-negative number of milliseconds, or Infinity to never give up',
  );
  rule(
    maxFrameBytes === undefined || (Number.isSafeInteger(maxFrameBytes) && within(maxFrameBytes, 1, MAX_FRAME_BYTES_CEILING)),
    `maxFrameBytes must be a whole number of bytes from 1 to ${MAX_FRAME_BYTES_CEILING} (100 MiB, ws's own bound; 0 would turn it off)`,
  );
  rule(
    reorderWindowMs === undefined || within(reorderWindowMs, 0, MAX_TIMER_MS),
    `reorderWindowMs must be a number of milliseconds from 0 to ${MAX_TIMER_MS} (setTimeout's ceiling; 0 turns the window off)`,
  );
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
