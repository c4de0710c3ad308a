/**
 * The rate limiter contract the middleware depends on, so that the store behind it (memory,
 * Redis) can change without touching the middleware.
 */

export interface Permit {
  /** The attempt is over: frees its concurrency slot. Call it exactly once. */
  release(): void;
}

export interface AcquireOptions {
  readonly operationId: string;
  readonly signal?: AbortSignal | undefined;
  /** How long the caller can wait for its turn, in ms (Infinity for no bound). */
  readonly timeoutMs: number;
}

/** What the server says of its window (Genesys: inin-ratelimit-allowed, -count, -reset). */
export interface ServerWindow {
  readonly allowed: number;
  readonly count: number;
  readonly resetMs: number;
}

export interface CloseOptions {
  /** Reject the calls still queued (LimiterClosedError) instead of letting them run. */
  readonly rejectQueued?: boolean;
}

export interface Limiter {
  /** Resolves when this attempt may be sent; rejects with a typed error when it may not. */
  acquire(options: AcquireOptions): Promise<Permit>;
  /** The server answered 429: nobody that shares this limiter sends before `untilMs` (epoch ms). */
  pauseUntil(untilMs: number): void;
  /** The server's view of its window, to slow down before it answers 429. */
  observe(window: ServerWindow): void;
  /** Stops taking calls; lets queued and running ones finish (or rejects the queued), then releases everything. */
  close(options?: CloseOptions): Promise<void>;
  /** Calls waiting for their turn. */
  readonly queued: number;
}
