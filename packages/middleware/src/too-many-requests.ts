/**
 * How the client answers a 429 (Too Many Requests), in one place for the three middleware that
 * see one: the retry waits out the server's time before it tries the call again, pauseAfter429
 * holds the client's other calls in the same scope as long, and rateLimit holds everyone who
 * shares its limiter. They agree on the bounds of that wait, or one of them would send what
 * another holds back, so each takes its defaults from here. Pure.
 */
import type { ResponseHeaders } from '@switchboard/core';
import { serverWait } from './retry-after.js';

/** The 429 handling's defaults, which each middleware's options may override. */
export const TOO_MANY_REQUESTS_DEFAULTS = {
  /**
   * The shortest wait after a 429, whatever the server says, so that a repeated `Retry-After: 0`
   * cannot become a hot loop: the retry's `minWaitMs` and pauseAfter429's `minPauseMs`.
   */
  minWaitMs: 100,
  /**
   * How long a 429 that says nothing of when to come back holds the calls it pauses:
   * pauseAfter429's and rateLimit's `defaultPauseMs`. (The retry backs off instead.)
   */
  defaultPauseMs: 1_000,
  /**
   * The longest server wait honoured. The retry fails a call asked to wait longer (a daily limit)
   * with a RateLimitError, so a pause longer than this would hold calls for nothing: the retry's
   * `maxServerWaitMs`, pauseAfter429's and rateLimit's `maxPauseMs`.
   */
  maxWaitMs: 60_000,
} as const;

/** The bounds of a 429's pause, in ms. */
export interface PauseBounds {
  /** The pause of a 429 without a usable wait. */
  readonly defaultMs: number;
  /** The shortest pause; none by default. */
  readonly minMs?: number;
  /** The longest pause. */
  readonly maxMs: number;
}

/** The pause a 429 sets, in ms: the server's wait (or `defaultMs` without one), never below `minMs` nor above `maxMs`. */
export function pauseFor429(headers: ResponseHeaders, nowMs: number, bounds: PauseBounds): number {
  return Math.min(Math.max(serverWait(headers, nowMs)?.ms ?? bounds.defaultMs, bounds.minMs ?? 0), bounds.maxMs);
}
