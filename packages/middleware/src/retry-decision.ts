/**
 * Whether and how long to wait before trying a call again, as a pure function of what the last
 * attempt gave, so that every rule has a table test and the loop (retry.ts) stays small.
 *
 * - 429 is always retried: the server did not process it. Its wait is the server's (Retry-After,
 *   else inin-ratelimit-reset), else backoff; a wait above the cap or past the deadline fails at
 *   once with a RateLimitError.
 * - 408, 500, 502, 503, 504, timeouts and network errors are retried when replaying is safe: the
 *   operation is idempotent, or the failure proves the request was not processed (connection
 *   refused; 503 with Retry-After). A write that may have been processed fails with an
 *   OutcomeUnknownError instead of being replayed.
 */
import { type HttpResponse, NetworkError, ResponseParseError, type SwitchboardError, TimeoutError } from '@switchboard/core';
import { type BackoffOptions, fullJitterBackoff } from './backoff.js';
import { OutcomeUnknownError, RateLimitError } from './errors.js';
import { serverWait } from './retry-after.js';

/** The rules {@link decideRetry} applies; {@link DEFAULT_RETRY_SETTINGS} has the defaults of {@link RetryOptions}. */
export interface RetrySettings extends BackoffOptions {
  /**
   * Attempts in all, the first included.
   * @default `4` where optional (in {@link RetryOptions}, from {@link DEFAULT_RETRY_SETTINGS})
   */
  readonly maxAttempts: number;
  /**
   * The longest server-requested wait honoured; longer ones fail at once.
   * @default `60_000` where optional (in {@link RetryOptions}, from {@link DEFAULT_RETRY_SETTINGS})
   */
  readonly maxServerWaitMs: number;
  /**
   * The shortest wait between attempts, so that `Retry-After: 0` repeated cannot become a hot loop.
   * @default `100` where optional (in {@link RetryOptions}, from {@link DEFAULT_RETRY_SETTINGS})
   */
  readonly minWaitMs: number;
}

/** @deprecated Renamed {@link RetrySettings}: it holds the settings {@link decideRetry} reads, not behaviour of its own. This name stays until 1.0. */
export type RetryPolicy = RetrySettings;

/** What an attempt gave: a response (any status), or the error it threw. */
export type Outcome =
  | {
      /** The response, whatever its status. */
      readonly response: HttpResponse;
    }
  | {
      /** What the attempt threw. */
      readonly error: unknown;
    };

/** What {@link decideRetry} knows of the attempt besides its outcome. */
export interface AttemptFacts {
  /** The operation, for the errors it makes. */
  readonly operationId: string;
  /** Attempts made so far, this one included. */
  readonly attempt: number;
  /** Whether the operation may be replayed (`RouteDescriptor.idempotent`). */
  readonly idempotent: boolean;
  /** Milliseconds until the call's deadline (Infinity for none). */
  readonly timeLeftMs: number;
  /** The current time in epoch milliseconds, for Retry-After dates. */
  readonly nowMs: number;
  /** The random source of the backoff's jitter, a number in [0, 1). */
  readonly random: () => number;
}

/** What sets a retry's wait: the server's `Retry-After`, its `inin-ratelimit-reset`, or backoff. */
export type RetryWaitReason = 'retry-after' | 'rate-limit-reset' | 'backoff';

/** What to do after an attempt: let its outcome stand, retry after a wait, or fail with another error. */
export type Decision =
  /** The outcome stands: return the response, or rethrow the error. */
  | {
      /** Let the outcome stand. */
      readonly action: 'stop';
    }
  /** Wait, then try again. */
  | {
      /** Try again. */
      readonly action: 'retry';
      /** Milliseconds to wait first. */
      readonly waitMs: number;
      /** What set the wait. */
      readonly reason: RetryWaitReason;
    }
  /** Give up with this error instead of the outcome's. */
  | {
      /** Fail with `error`. */
      readonly action: 'fail';
      /** A RateLimitError (the server's wait is too long) or an OutcomeUnknownError (a write that may have been processed). */
      readonly error: SwitchboardError;
    };

const RETRYABLE_STATUSES = new Set([408, 500, 502, 503, 504]);

/**
 * Whether an answer with `status` stands whatever the attempt's facts (a 2xx, a 404): decideRetry
 * would say `stop`. Asked first, it spares a call that succeeds the facts and the decision.
 */
export function statusStands(status: number): boolean {
  return status !== 429 && !RETRYABLE_STATUSES.has(status);
}

/**
 * Whether and how long to wait before trying a call again, as a pure function of the last
 * attempt's outcome. A 429 is always retried, after the server's wait (Retry-After, else
 * `inin-ratelimit-reset`) or backoff, and fails with a RateLimitError when that wait is over
 * `maxServerWaitMs` or past the deadline. 408, 500, 502, 503, 504, timeouts and network errors
 * are retried when replaying is safe: the operation is idempotent, or the failure proves the
 * request was not processed. A write that may have been processed fails with an OutcomeUnknownError.
 */
export function decideRetry(outcome: Outcome, facts: AttemptFacts, settings: RetrySettings): Decision {
  const backoff = (): number => fullJitterBackoff(facts.attempt, settings, facts.random);
  const outOfAttempts = facts.attempt >= settings.maxAttempts;
  const withinDeadline = (waitMs: number, reason: RetryWaitReason): Decision =>
    waitMs < facts.timeLeftMs ? { action: 'retry', waitMs, reason } : { action: 'stop' };

  if ('response' in outcome) {
    const { status, headers } = outcome.response;
    if (status === 429) {
      const server = serverWait(headers, facts.nowMs);
      if (server && server.ms > settings.maxServerWaitMs)
        return { action: 'fail', error: new RateLimitError(server.ms, 'cap', { operationId: facts.operationId }) };
      if (server && server.ms >= facts.timeLeftMs)
        return { action: 'fail', error: new RateLimitError(server.ms, 'deadline', { operationId: facts.operationId }) };
      if (outOfAttempts) return { action: 'stop' };
      const waitMs = Math.max(settings.minWaitMs, server?.ms ?? backoff());
      return withinDeadline(waitMs, server?.source ?? 'backoff');
    }
    if (statusStands(status) || outOfAttempts) return { action: 'stop' };
    const server = serverWait(headers, facts.nowMs, false);
    // A 503 that says when to come back was refused, not processed: even a write may go again.
    const notProcessed = status === 503 && server !== undefined;
    if (!facts.idempotent && !notProcessed) return { action: 'stop' };
    if (server && server.ms > settings.maxServerWaitMs) return { action: 'stop' };
    return withinDeadline(Math.max(settings.minWaitMs, server?.ms ?? backoff()), server?.source ?? 'backoff');
  }

  const { error } = outcome;
  const ambiguous = (error instanceof NetworkError || error instanceof TimeoutError) && error.requestMayHaveBeenSent;
  const retryable =
    (error instanceof NetworkError && (facts.idempotent || !error.requestMayHaveBeenSent)) ||
    (error instanceof TimeoutError && error.kind === 'attempt' && facts.idempotent) ||
    (error instanceof ResponseParseError && error.status >= 500 && facts.idempotent);
  if (!retryable) {
    return ambiguous && !facts.idempotent
      ? { action: 'fail', error: new OutcomeUnknownError(error, { operationId: facts.operationId }) }
      : { action: 'stop' };
  }
  if (outOfAttempts) return { action: 'stop' };
  return withinDeadline(Math.max(settings.minWaitMs, backoff()), 'backoff');
}
