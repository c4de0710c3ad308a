/**
 * The rate-limit middleware (attempt phase: every attempt takes quota, retries included). It
 * asks its Limiter for a turn, reports the time queued as waiting, tells the limiter what the
 * server said of its window, and turns a 429 into a pause for everyone sharing the limiter, so
 * that one call's retry does not rush ahead into a second 429.
 */
import { ConfigurationError, type Middleware } from '@switchboard/core';
import type { CloseOptions, Limiter } from './limiter.js';
import { LocalLimiter, type LocalLimiterOptions } from './local-limiter.js';
import { type PauseBounds, pauseFor429, TOO_MANY_REQUESTS_DEFAULTS } from './too-many-requests.js';

/** What {@link rateLimit} takes. */
export interface RateLimitOptions {
  /**
   * A limiter to share (between clients, or through Redis); or settings for a local one.
   * @default a new {@link LocalLimiter} with the `local` settings
   */
  readonly limiter?: Limiter;
  /**
   * Settings for the local limiter made when no `limiter` is given.
   * @default `{ limit: 300, intervalMs: 60_000 }` (Genesys' documented default: 300 requests a minute per token)
   */
  readonly local?: LocalLimiterOptions;
  /**
   * How a 429 without a usable wait pauses the limiter, in ms. Default 1 000.
   * @default `1_000`
   */
  readonly defaultPauseMs?: number;
  /**
   * The longest pause a 429 sets, in ms: a longer Retry-After (a daily limit) would hold every
   * call of every process sharing the limiter for that long; the retry's cap refuses those calls instead.
   * @default `60_000`, as the retry's `maxServerWaitMs`
   */
  readonly maxPauseMs?: number;
  /**
   * Follow the server: slow down on its window headers and pause on its 429s. Default true; false paces by the local settings alone.
   * @default `true`
   */
  readonly followServer?: boolean;
  /**
   * What `client.close()` does with calls still queued in the limiter made from `local`. A
   * `limiter` given in is left open by `client.close()` (it may be shared; its maker closes it), so `close` with one is a ConfigurationError.
   * @default `{}`: queued calls still get their turn
   */
  readonly close?: CloseOptions;
  /**
   * Middleware name.
   * @default `'rate-limit'`
   */
  readonly name?: string;
}

function number(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const parsed = Number(value);
  return Number.isFinite(parsed) ? parsed : undefined;
}

/**
 * The attempt-phase rate-limit middleware: every attempt (retries included) waits for its turn
 * from the limiter, the time queued is reported as a `rate-limit-queue` wait, the server's window
 * headers slow the limiter down, and a 429 pauses everyone who shares it.
 */
export function rateLimit(options: RateLimitOptions = {}): Middleware & {
  /** The limiter the middleware uses: the one given, or the local one it made. */
  readonly limiter: Limiter;
} {
  // `close` says how client.close() closes the limiter made here; one given in is its maker's to close.
  if (options.limiter && options.close)
    throw new ConfigurationError(
      'rateLimit: `close` applies to the limiter made from `local`; close a limiter you pass in with its own close()',
    );
  const limiter = options.limiter ?? new LocalLimiter(options.local ?? { limit: 300, intervalMs: 60_000 });
  // No floor: the retry's minWaitMs and pauseAfter429's minPauseMs keep a `Retry-After: 0` from becoming a hot loop.
  const pause: PauseBounds = {
    defaultMs: options.defaultPauseMs ?? TOO_MANY_REQUESTS_DEFAULTS.defaultPauseMs,
    maxMs: options.maxPauseMs ?? TOO_MANY_REQUESTS_DEFAULTS.maxWaitMs,
  };
  return {
    name: options.name ?? 'rate-limit',
    phase: 'attempt',
    limiter,
    async handle(ctx, next) {
      const queuedAt = performance.now();
      const permit = await limiter.acquire({ operationId: ctx.route.operationId, signal: ctx.signal, timeoutMs: ctx.timeLeft() });
      // Every turn is reported, however short (with quota to spare about 0.04 ms locally and
      // 0.25 ms through Redis): it is time the call spent here.
      ctx.reportWait('rate-limit-queue', performance.now() - queuedAt);
      try {
        const response = await next();
        if (options.followServer === false) return response;
        const { headers } = response;
        const allowed = number(headers.get('inin-ratelimit-allowed'));
        const count = number(headers.get('inin-ratelimit-count'));
        const reset = number(headers.get('inin-ratelimit-reset'));
        if (allowed !== undefined && count !== undefined && reset !== undefined)
          limiter.reportWindow({ allowed, count, resetMs: reset * 1000 });
        if (response.status === 429) {
          const now = Date.now();
          limiter.pauseUntil(now + pauseFor429(headers, now, pause));
        }
        return response;
      } finally {
        permit.release();
      }
    },
    // A limiter given in is shared (by clients, or through Redis by processes): whoever made it
    // closes it. Closing it with one client would refuse the calls of every other sharing it.
    ...(options.limiter ? {} : { close: () => limiter.close(options.close) }),
  };
}
