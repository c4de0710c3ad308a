/**
 * How long the server asked us to wait (RFC 9110 §10.2.3 Retry-After: delay-seconds or an
 * HTTP-date; Genesys also sends `inin-ratelimit-reset` in seconds). Pure functions.
 */
import type { ResponseHeaders } from '@switchboard/core';

/**
 * Milliseconds to wait from a Retry-After value at `nowMs`; undefined when absent or unparseable.
 * `0`, negative numbers and past dates mean "now" (0): the caller's minimum wait applies.
 */
export function parseRetryAfter(value: string | undefined, nowMs: number): number | undefined {
  if (value === undefined) return undefined;
  const text = value.trim();
  if (text === '') return undefined;
  if (/^-?\d+(\.\d+)?$/.test(text)) return Math.max(0, Number(text) * 1000);
  // An HTTP-date always names a weekday or month: a bare word like "soon" is not one.
  if (!/[a-z]{3}/i.test(text)) return undefined;
  const at = Date.parse(text);
  return Number.isNaN(at) ? undefined : Math.max(0, at - nowMs);
}

/** A wait the server asked for. */
export interface ServerWait {
  /** Milliseconds to wait. */
  readonly ms: number;
  /** Which header said so: `Retry-After`, or Genesys' `inin-ratelimit-reset`. */
  readonly source: 'retry-after' | 'rate-limit-reset';
}

/** The server's wait: Retry-After when present and parseable, else Genesys' `inin-ratelimit-reset` (seconds). */
export function serverWait(headers: ResponseHeaders, nowMs: number, includeRateLimitReset = true): ServerWait | undefined {
  const retryAfter = parseRetryAfter(headers.get('retry-after'), nowMs);
  if (retryAfter !== undefined) return { ms: retryAfter, source: 'retry-after' };
  if (!includeRateLimitReset) return undefined;
  const reset = headers.get('inin-ratelimit-reset');
  if (reset === undefined || !/^\d+(\.\d+)?$/.test(reset.trim())) return undefined;
  return { ms: Number(reset) * 1000, source: 'rate-limit-reset' };
}
