/** Errors raised by Switchboard's middleware. */
import { SwitchboardError } from '@switchboard/core';

/** No usable credentials for a call: none configured for its auth scheme, or getting a token failed. Nothing was sent. */
export class AuthError extends SwitchboardError {
  /** Always `E_AUTH`. */
  readonly code = 'E_AUTH';
}

/** Why a 429's wait was not honoured: longer than the retry's `maxServerWaitMs` cap (`cap`), or than the call has left (`deadline`). */
export type RateLimitReason = 'cap' | 'deadline';

/** A 429 asked for a wait longer than the cap, or than the time the call had left: it fails at once, with the server's wait. */
export class RateLimitError extends SwitchboardError {
  /** Always `E_RATE_LIMITED`. */
  readonly code = 'E_RATE_LIMITED';
  /** The response's status: always 429. */
  readonly status = 429;

  /**
   * Makes the error; its message gives the server's wait in seconds and why it was not honoured.
   * @param retryAfterMs - the wait the server asked for, in milliseconds.
   * @param reason - why the wait was not honoured.
   * @param options - the operation it belongs to.
   */
  constructor(
    /** The wait the server asked for, in milliseconds. */
    readonly retryAfterMs: number,
    /** Why the wait was not honoured: over the cap, or past the call's deadline. */
    readonly reason: RateLimitReason,
    options: {
      /**
       * The operation the error belongs to.
       * @default `undefined`: the executor fills it in when the error passes through a call
       */
      operationId?: string | undefined;
    } = {},
  ) {
    const why = reason === 'cap' ? 'more than the client waits for' : 'more than the call has left';
    super(
      `${options.operationId ? `${options.operationId}: ` : ''}rate limited; the server asks for a ${Math.ceil(retryAfterMs / 1000)} s wait, ${why}`,
      options,
    );
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
  /** Always `E_OUTCOME_UNKNOWN`. */
  readonly code = 'E_OUTCOME_UNKNOWN';

  /**
   * Makes the error from the failure of the write that was not replayed.
   * @param failure - the error of the attempt whose outcome is unknown.
   * @param options - the operation it belongs to.
   */
  constructor(
    /** What went wrong on the wire. */
    readonly failure: SwitchboardError,
    options: {
      /**
       * The operation the error belongs to.
       * @default `undefined`: the executor fills it in when the error passes through a call
       */
      operationId?: string | undefined;
    } = {},
  ) {
    super(
      `${options.operationId ? `${options.operationId}: ` : ''}the outcome is unknown (${failure.code}); the request may have been processed and was not replayed`,
      options,
    );
  }

  protected override details(): Record<string, unknown> {
    const { name, code, message } = this.failure;
    return { failure: { name, code, message } };
  }
}

/** The rate limiter's queue is full: the call was not queued and nothing was sent. */
export class QueueFullError extends SwitchboardError {
  /** Always `E_QUEUE_FULL`. */
  readonly code = 'E_QUEUE_FULL';
}

/** The rate limiter's shared store (Redis) failed the call's turn: nothing was sent. */
export class LimiterUnavailableError extends SwitchboardError {
  /** Always `E_LIMITER_UNAVAILABLE`. */
  readonly code = 'E_LIMITER_UNAVAILABLE';
}

/** The rate limiter is closed (or closing and told to reject its queue): nothing was sent. */
export class LimiterClosedError extends SwitchboardError {
  /** Always `E_LIMITER_CLOSED`. */
  readonly code = 'E_LIMITER_CLOSED';
}

/**
 * A key-value store could not serve the call: it is closed, or its backend (Redis) failed or did
 * not answer in time. The message names the store and why, never a key or a value.
 */
export class StoreUnavailableError extends SwitchboardError {
  /** Always `E_STORE_UNAVAILABLE`. */
  readonly code = 'E_STORE_UNAVAILABLE';
}
