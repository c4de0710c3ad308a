/** Errors raised by Switchboard's middleware. */
import { SwitchboardError } from '@switchboard/core';

/** No usable credentials for a call: none configured for its auth scheme, or getting a token failed. Nothing was sent. */
export class AuthError extends SwitchboardError {
  readonly code = 'E_AUTH';
}

export type RateLimitReason = 'cap' | 'deadline';

/** A 429 asked for a wait longer than the cap, or than the time the call had left: it fails at once, with the server's wait. */
export class RateLimitError extends SwitchboardError {
  readonly code = 'E_RATE_LIMITED';
  readonly status = 429;

  constructor(
    /** The wait the server asked for, in milliseconds. */
    readonly retryAfterMs: number,
    readonly reason: RateLimitReason,
    options: { operationId?: string | undefined } = {},
  ) {
    const why = reason === 'cap' ? 'more than the client waits for' : 'more than the call has left';
    super(`${options.operationId ? `${options.operationId}: ` : ''}rate limited; the server asks for a ${Math.ceil(retryAfterMs / 1000)} s wait, ${why}`, options);
  }

  protected override details(): Record<string, unknown> {
    return { retryAfterMs: this.retryAfterMs, reason: this.reason };
  }
}

/**
 * A write failed after it may have reached the server (reset after sending, no answer in time):
 * it was not replayed, since that could apply it twice. Check before sending it again.
 */
export class OutcomeUnknownError extends SwitchboardError {
  readonly code = 'E_OUTCOME_UNKNOWN';

  constructor(
    /** What went wrong on the wire. */
    readonly failure: SwitchboardError,
    options: { operationId?: string | undefined } = {},
  ) {
    super(`${options.operationId ? `${options.operationId}: ` : ''}the outcome is unknown (${failure.code}); the request may have been processed and was not replayed`, options);
  }

  protected override details(): Record<string, unknown> {
    const { name, code, message } = this.failure;
    return { failure: { name, code, message } };
  }
}

/** The rate limiter's queue is full: the call was not queued and nothing was sent. */
export class QueueFullError extends SwitchboardError {
  readonly code = 'E_QUEUE_FULL';
}

/** The rate limiter's shared store (Redis) failed the call's turn: nothing was sent. */
export class LimiterUnavailableError extends SwitchboardError {
  readonly code = 'E_LIMITER_UNAVAILABLE';
}

/** The rate limiter is closed (or closing and told to reject its queue): nothing was sent. */
export class LimiterClosedError extends SwitchboardError {
  readonly code = 'E_LIMITER_CLOSED';
}
