/**
 * The rate limiter contract the middleware depends on, so that the store behind it (memory,
 * Redis) can change without touching the middleware.
 */

/** An attempt's turn, from {@link Limiter.acquire}. */
export interface Permit {
  /** The attempt is over: frees its concurrency slot. Call it exactly once. */
  release(): void;
}

/** What {@link Limiter.acquire} takes. */
export interface AcquireOptions {
  /** The operation asking, for the errors the limiter throws. */
  readonly operationId: string;
  /**
   * The call's signal: aborting it takes the call out of the queue with an AbortError.
   * @default none
   */
  readonly signal?: AbortSignal | undefined;
  /** How long the caller can wait for its turn, in ms (Infinity for no bound). */
  readonly timeoutMs: number;
}

/** What the server says of its window (Genesys: inin-ratelimit-allowed, -count, -reset). */
export interface ServerWindow {
  /** Requests the window allows (`inin-ratelimit-allowed`). */
  readonly allowed: number;
  /** Requests counted in the window so far (`inin-ratelimit-count`). */
  readonly count: number;
  /** Milliseconds until the window resets (`inin-ratelimit-reset`, in seconds on the wire). */
  readonly resetMs: number;
}

/** What {@link Limiter.close} takes. */
export interface CloseOptions {
  /**
   * Reject the calls still queued (LimiterClosedError) instead of letting them run.
   * @default `false`: queued calls still get their turn
   */
  readonly rejectQueued?: boolean;
}

/** Gives each attempt its turn under a rate limit; {@link LocalLimiter} in this process, `RedisLimiter` shared through Redis. */
export interface Limiter {
  /** Resolves when this attempt may be sent; rejects with a typed error when it may not. */
  acquire(options: AcquireOptions): Promise<Permit>;
  /** The server answered 429: nobody that shares this limiter sends before `untilMs` (epoch ms). */
  pauseUntil(untilMs: number): void;
  /** Reports the server's view of its window, read from a response's rate-limit headers, so that the limiter slows down before the server answers 429. */
  reportWindow(window: ServerWindow): void;
  /** Stops taking calls; lets queued and running ones finish (or rejects the queued), then releases everything. */
  close(options?: CloseOptions): Promise<void>;
  /** Calls waiting for their turn. */
  readonly queued: number;
}
