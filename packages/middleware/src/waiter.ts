/**
 * A call waiting for its turn from a limiter: it ends exactly once, by being granted a permit,
 * refused, handed to another limiter, or given up by its caller (deadline or signal). Whoever holds
 * it asks `ended` before spending anything on it.
 */
import { AbortError, MAX_TIMER_MS, TimeoutError } from '@switchboard/core';
import type { AcquireOptions, Limiter, Permit } from './limiter.js';

export class Waiter {
  readonly options: AcquireOptions;
  readonly #queuedAt = performance.now();
  readonly #resolve: (permit: Permit) => void;
  readonly #reject: (error: unknown) => void;
  readonly #onEnd: (waiter: Waiter) => void;
  readonly #timer: ReturnType<typeof setTimeout> | undefined;
  readonly #onAbort = (): void => this.refuse(new AbortError(this.options.signal?.reason, { operationId: this.options.operationId }));
  #ended = false;

  /**
   * @param options - the caller's options: its deadline and signal end the wait.
   * @param caller - the caller's promise: resolved with the permit or rejected with why not.
   * @param onEnd - told once when the wait ends, however it ends.
   */
  constructor(
    options: AcquireOptions,
    caller: { resolve: (permit: Permit) => void; reject: (error: unknown) => void },
    onEnd: (waiter: Waiter) => void,
  ) {
    this.options = options;
    this.#resolve = caller.resolve;
    this.#reject = caller.reject;
    this.#onEnd = onEnd;
    const { timeoutMs, operationId } = options;
    this.#timer =
      timeoutMs <= MAX_TIMER_MS
        ? setTimeout(
            () => this.refuse(new TimeoutError('deadline', timeoutMs, { operationId, requestMayHaveBeenSent: false })),
            Math.max(0, timeoutMs),
          )
        : undefined;
    options.signal?.addEventListener('abort', this.#onAbort, { once: true });
  }

  /** The wait is over (granted, refused, handed on or given up): nothing more may be spent on it. */
  get ended(): boolean {
    return this.#ended;
  }

  /** Milliseconds since the call began to wait. */
  get waitedMs(): number {
    return performance.now() - this.#queuedAt;
  }

  /** Gives the caller its turn; false when the wait had already ended (the caller gave up). */
  grant(permit: Permit): boolean {
    return this.#end(() => this.#resolve(permit));
  }

  /** Ends the wait with an error for the caller. */
  refuse(error: unknown): void {
    this.#end(() => this.#reject(error));
  }

  /** Hands the call to another limiter, with the time it has left. */
  handTo(limiter: Limiter): void {
    this.#end(() => {
      limiter.acquire({ ...this.options, timeoutMs: this.options.timeoutMs - this.waitedMs }).then(this.#resolve, this.#reject);
    });
  }

  #end(action: () => void): boolean {
    if (this.#ended) return false;
    this.#ended = true;
    clearTimeout(this.#timer);
    this.options.signal?.removeEventListener('abort', this.#onAbort);
    this.#onEnd(this);
    action();
    return true;
  }
}
