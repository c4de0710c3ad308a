/** How a guest session keeps its connection, paces its sends and orders what it delivers. */
import { ConfigurationError, MAX_TIMER_MS } from '@switchboard/core';
import type { StreamSettings } from '@switchboard/genesys';
import type { BackoffOptions } from '@switchboard/middleware';

/** How a guest session behaves (`WebMessagingAPI`'s `session` option). */
export interface SessionOptions {
  /**
   * How often the session asks the server whether it is there, as Genesys' Kotlin transport does
   * every 15 s: a WebSocket ping (one unanswered at the next is a dead connection) and the
   * protocol's `echo` health check (a connection that brings nothing for 2.5 times this is stalled).
   * Either way the connection is closed and opened again.
   * @default `15_000`
   */
  readonly healthCheckMs?: number;
  /**
   * How long a message sent on an open connection waits for its echo. Past that the connection is
   * taken as broken: it is opened again and the history says whether the message arrived (it then
   * resolves, or goes once more).
   * @default `30_000`
   */
  readonly echoTimeoutMs?: number;
  /**
   * How long the client's `sessionStore` keeps the record of a session started with a `key`
   * after its last change (a message handed over).
   * @default 3 days
   */
  readonly recordTtlMs?: number;
  /**
   * The reconnect backoff: full jitter, the first wait under `baseMs`, doubling up to `capMs`.
   * @default `{ baseMs: 250, capMs: 10_000 }`
   */
  readonly reconnect?: BackoffOptions;
  /**
   * How long the session may be down before it gives up with a GuestSessionError (`outage`);
   * Genesys' Kotlin transport tries for 5 minutes.
   * @default `300_000`
   */
  readonly giveUpAfterMs?: number;
  /**
   * The largest frame taken, in bytes; a larger one drops the connection, and the history fills the gap.
   * @default `262_144` (256 KiB)
   */
  readonly maxFrameBytes?: number;
  /**
   * How long each live message is held to be delivered in the conversation's order (by its
   * `channel.time`): the protocol does not guarantee order. Every live message comes up to this much later.
   * @default `500`
   */
  readonly reorderWindowMs?: number;
  /**
   * The pace of `onMessage`: at most `perSecond` in any second (whole messages), at least
   * `minSpacingMs` apart. The protocol allows 2 a second per session (in any second: the emulator
   * counts a sliding window), so the default spaces them just over half a second: 1.96 a second.
   * @default `{ perSecond: 2, minSpacingMs: 510 }`
   */
  readonly pace?: {
    /** The most `onMessage` a second. */
    readonly perSecond: number;
    /** The least time between two, in ms. */
    readonly minSpacingMs: number;
  };
}

const DEFAULT_HEALTH_CHECK_MS = 15_000;
const STALL_AFTER_CHECKS = 2.5;
/** A connection that has not opened in this long is one attempt that failed. */
const CONNECT_MS = 10_000;
const DEFAULT_MAX_FRAME_BYTES = 256 * 1024;

/** How long a send waits for its echo on a live connection. */
export function echoTimeoutMs(options: SessionOptions): number {
  return options.echoTimeoutMs ?? 30_000;
}

/** The health check's interval. */
function healthCheckMs(options: SessionOptions): number {
  return options.healthCheckMs ?? DEFAULT_HEALTH_CHECK_MS;
}

function rule(holds: boolean, what: string): void {
  if (!holds) throw new ConfigurationError(`session.${what}`);
}

/** Checks the options (a ConfigurationError names the one that breaks its rule) and resolves the stream's settings. */
export function streamSettings(options: SessionOptions): StreamSettings {
  const check = healthCheckMs(options);
  rule(
    check > 0 && check * STALL_AFTER_CHECKS <= MAX_TIMER_MS,
    `healthCheckMs must be a positive number of milliseconds up to ${Math.floor(MAX_TIMER_MS / STALL_AFTER_CHECKS)}`,
  );
  const giveUpAfterMs = options.giveUpAfterMs ?? 300_000;
  rule(giveUpAfterMs >= 0, 'giveUpAfterMs must be a non-negative number of milliseconds, or Infinity');
  const maxFrameBytes = options.maxFrameBytes ?? DEFAULT_MAX_FRAME_BYTES;
  rule(Number.isSafeInteger(maxFrameBytes) && maxFrameBytes > 0, 'maxFrameBytes must be a whole number of bytes above 0');
  const reorderWindowMs = options.reorderWindowMs ?? 500;
  rule(reorderWindowMs >= 0 && reorderWindowMs <= MAX_TIMER_MS, 'reorderWindowMs must be a number of milliseconds from 0');
  const echo = echoTimeoutMs(options);
  rule(echo > 0 && echo <= MAX_TIMER_MS, 'echoTimeoutMs must be a positive number of milliseconds');
  const recordTtlMs = options.recordTtlMs;
  rule(
    recordTtlMs === undefined || (recordTtlMs > 0 && recordTtlMs <= MAX_TIMER_MS),
    'recordTtlMs must be a positive number of milliseconds',
  );
  const pace = options.pace;
  rule(pace === undefined || (pace.perSecond > 0 && pace.minSpacingMs >= 0), 'pace needs perSecond above 0 and minSpacingMs from 0');
  const stallMs = check * STALL_AFTER_CHECKS;
  return {
    stallMs,
    heartbeatMs: check,
    connectMs: Math.min(stallMs, CONNECT_MS),
    reconnect: options.reconnect ?? { baseMs: 250, capMs: 10_000 },
    giveUpAfterMs,
    maxFrameBytes,
    maxHeldEvents: 1_000,
    maxHeldBytes: 32 * maxFrameBytes,
    reorderWindowMs,
  };
}
