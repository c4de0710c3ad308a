/**
 * The limiter whose state lives in this process: a reservoir of `limit` requests refilled every
 * `intervalMs`, at most `maxConcurrent` at once, at most `maxQueued` waiting (more are refused,
 * not dropped silently). A 429 pauses everyone; the server's window headers spread the calls that
 * are left when it runs low (bottleneck-limiter.ts). `RedisLimiter` (redis-limiter.ts) shares the
 * same through Redis.
 */
import { ConfigurationError, MAX_TIMER_MS } from '@switchboard/core';
import Bottleneck from 'bottleneck';
import { BottleneckLimiter } from './bottleneck-limiter.js';
import { ATTR_LIMITER_KIND, type LimiterMetricsOptions } from './limiter-metrics.js';

/** What a {@link LocalLimiter} takes (and, with more, a `RedisLimiter`). */
export interface LocalLimiterOptions {
  /** Requests per interval (Genesys' documented default: 300 per 60 s per token). */
  readonly limit: number;
  /** The interval, in milliseconds, after which `limit` requests are available again. */
  readonly intervalMs: number;
  /**
   * The least time between two starts, in ms (bottleneck's `minTime`, to the millisecond): a pace, not only a budget. A budget of `limit` per
   * `intervalMs` lets `limit` calls go at the end of one interval and `limit` more at the start of
   * the next; a server that counts in a sliding window (Web Messaging's 2 messages per second)
   * refuses the second pair. With a spacing the calls go evenly.
   * @default `0`: no spacing
   */
  readonly minSpacingMs?: number;
  /**
   * Requests in flight at once; unbounded by default.
   * @default unbounded
   */
  readonly maxConcurrent?: number;
  /**
   * Calls that may wait; more are refused with QueueFullError. Default 1 000.
   * @default `1_000`
   */
  readonly maxQueued?: number;
  /**
   * Below this share of the server's window left, calls are spread over the time to its reset. Default 0.2.
   * @default `0.2`
   */
  readonly slowDownBelow?: number;
  /**
   * The limiter's OpenTelemetry metrics (`switchboard.limiter.queued`, `switchboard.limiter.wait.duration`,
   * and for RedisLimiter `switchboard.limiter.fallback`); `false` for none.
   * @default on, on the global meter provider (nothing is recorded without one)
   */
  readonly metrics?: LimiterMetricsOptions | false;
}

/** Bottleneck settings for a limiter with these options; clustering adds its own. */
export function bottleneckSettings(options: LocalLimiterOptions): Bottleneck.ConstructorOptions {
  if (!(options.limit > 0) || !(options.intervalMs > 0)) throw new ConfigurationError('a rate limit needs a limit and an interval above 0');
  const spacing = options.minSpacingMs ?? 0;
  if (!(spacing >= 0 && spacing <= MAX_TIMER_MS))
    throw new ConfigurationError(`minSpacingMs must be a number of milliseconds from 0 to ${MAX_TIMER_MS}`);
  return {
    reservoir: options.limit,
    reservoirRefreshAmount: options.limit,
    reservoirRefreshInterval: options.intervalMs,
    maxConcurrent: options.maxConcurrent ?? null,
    minTime: spacing,
  };
}

/** A Limiter whose state lives in this process. */
export class LocalLimiter extends BottleneckLimiter {
  /**
   * @param options - the limit, its interval, and the queue settings.
   * @throws ConfigurationError when `limit` or `intervalMs` is not above 0.
   */
  constructor(options: LocalLimiterOptions) {
    super(new Bottleneck(bottleneckSettings(options)), options, { [ATTR_LIMITER_KIND]: 'local' });
  }
}
