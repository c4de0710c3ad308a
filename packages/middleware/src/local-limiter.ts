/**
 * Limiters on bottleneck: a reservoir of `limit` requests refilled every `intervalMs`, at most
 * `maxConcurrent` at once, at most `maxQueued` waiting (more are refused, not dropped silently).
 * A 429 pauses everyone; the server's window headers spread the calls that are left when it runs
 * low. `LocalLimiter` keeps its state in this process; `RedisLimiter` (redis-limiter.ts) shares it.
 */
import { AbortError, TimeoutError } from '@switchboard/core';
import Bottleneck from 'bottleneck';
import { LimiterClosedError, LimiterUnavailableError, QueueFullError } from './errors.js';
import type { AcquireOptions, CloseOptions, Limiter, Permit, ServerWindow } from './limiter.js';

/** What a {@link LocalLimiter} takes (and, with more, a `RedisLimiter`). */
export interface LocalLimiterOptions {
  /** Requests per interval (Genesys' documented default: 300 per 60 s per token). */
  readonly limit: number;
  /** The interval, in milliseconds, after which `limit` requests are available again. */
  readonly intervalMs: number;
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
}

const MAX_TIMER_MS = 2_147_483_647;

/** A limiter that refuses every call: where a closing limiter that rejects its queue moves it. */
const REJECTING: Limiter = {
  acquire: ({ operationId }) => Promise.reject(new LimiterClosedError(`${operationId}: the rate limiter closed before this call's turn`, { operationId })),
  pauseUntil: () => undefined,
  observe: () => undefined,
  close: () => Promise.resolve(),
  queued: 0,
};

/** Bottleneck settings for a limiter with these options; clustering adds its own. */
export function bottleneckSettings(options: LocalLimiterOptions): Bottleneck.ConstructorOptions {
  if (!(options.limit > 0) || !(options.intervalMs > 0)) throw new TypeError('a rate limit needs a limit and an interval above 0');
  return {
    reservoir: options.limit,
    reservoirRefreshAmount: options.limit,
    reservoirRefreshInterval: options.intervalMs,
    maxConcurrent: options.maxConcurrent ?? null,
  };
}

/**
 * Calls handed to bottleneck at once when there is no concurrency limit; the rest wait in our own
 * queue, from which a call that gives up simply leaves. (With `maxConcurrent`, that many.) At most
 * this many calls that give up after being handed over can still spend a reservoir unit.
 */
const FED_AT_ONCE = 4;

/**
 * A {@link Limiter} on bottleneck: a reservoir of `limit` requests refilled every `intervalMs`, at
 * most `maxConcurrent` at once, at most `maxQueued` waiting (more are refused with a
 * QueueFullError). A 429 pauses everyone; the server's window headers spread the calls that are
 * left when it runs low. The base of {@link LocalLimiter} and `RedisLimiter`.
 */
export class BottleneckLimiter implements Limiter {
  /** The bottleneck instance that keeps the reservoir. */
  protected readonly bottleneck: Bottleneck;
  readonly #slowDownBelow: number;
  #pausedUntil = 0;
  /** Spacing between starts while the server's window runs low; kept here, not in bottleneck's minTime (see observe). */
  #spacingMs = 0;
  /** The spacing holds until the server's window resets, not until the next response that says so. */
  #spacingUntil = 0;
  #nextStartAt = 0;
  #closed = false;
  #rejectQueued = false;
  #closing: Promise<void> | undefined;
  #waiting = 0;
  #idle: (() => void) | undefined;
  /** Calls waiting for their turn, each able to move to another limiter before it starts. */
  readonly #pending = new Set<(to: Limiter) => void>();

  readonly #maxQueued: number;
  /**
   * Our queue in front of bottleneck. bottleneck cannot take a job back once scheduled: a job
   * whose caller gave up would keep its place and take a reservoir unit (a shared one, with
   * Redis) when its turn came. So only a few calls are handed to it at a time.
   */
  readonly #queue: (() => void)[] = [];
  #fed = 0;
  readonly #feedAtOnce: number;
  /** With a concurrency limit a call keeps its place among the fed until it releases its permit. */
  readonly #feedUntilRelease: boolean;

  /**
   * Wraps a bottleneck instance that keeps the reservoir (a local or a clustered one).
   * @param bottleneck - the bottleneck instance that keeps the reservoir.
   * @param options - the queue bound, concurrency and slow-down threshold; see {@link LocalLimiterOptions} for the defaults.
   */
  constructor(bottleneck: Bottleneck, options: Pick<LocalLimiterOptions, 'slowDownBelow' | 'maxQueued' | 'maxConcurrent'> = {}) {
    this.bottleneck = bottleneck;
    this.#slowDownBelow = options.slowDownBelow ?? 0.2;
    this.#maxQueued = options.maxQueued ?? 1_000;
    this.#feedAtOnce = options.maxConcurrent ?? FED_AT_ONCE;
    this.#feedUntilRelease = options.maxConcurrent !== undefined;
  }

  #feed(): void {
    while (this.#fed < this.#feedAtOnce && this.#queue.length > 0) {
      this.#fed++;
      (this.#queue.shift() as () => void)();
    }
  }

  /** Calls waiting for their turn. */
  get queued(): number {
    return this.#waiting;
  }

  /** Where calls go while this limiter cannot serve them (RedisLimiter: Redis unreachable); undefined to use this one. */
  protected fallback(): Limiter | undefined {
    return undefined;
  }

  /** Moves every call still waiting for its turn to `to`. A call whose turn came is never moved: it cannot run twice. */
  protected moveQueued(to: Limiter): void {
    for (const move of [...this.#pending]) move(to);
  }

  /**
   * Resolves when this attempt may be sent. Rejects with a LimiterClosedError once closed, a
   * QueueFullError when `maxQueued` calls already wait, an AbortError or a TimeoutError when the
   * caller gives up first, and a LimiterUnavailableError when the store fails.
   */
  acquire(options: AcquireOptions): Promise<Permit> {
    const { operationId, signal, timeoutMs } = options;
    if (this.#closed) return Promise.reject(new LimiterClosedError(`${operationId}: the rate limiter is closed`, { operationId }));
    if (signal?.aborted) return Promise.reject(new AbortError(signal.reason, { operationId }));
    const fallback = this.fallback();
    if (fallback) return fallback.acquire(options);
    if (this.#waiting >= this.#maxQueued) {
      return Promise.reject(new QueueFullError(`${operationId}: the rate limiter's queue is full; nothing was sent`, { operationId }));
    }
    const queuedAt = Date.now();
    return new Promise<Permit>((resolve, reject) => {
      let settled = false;
      let fedDone = false;
      /** This call no longer needs its place among those handed to bottleneck. */
      const leaveFeed = (): void => {
        if (fedDone) return;
        fedDone = true;
        this.#fed--;
        this.#feed();
      };
      this.#waiting++;
      const settle = (action: () => void): void => {
        if (settled) return;
        settled = true;
        this.#pending.delete(move);
        if (--this.#waiting === 0) this.#idle?.();
        clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
        action();
      };
      const move = (to: Limiter): void =>
        settle(() => {
          to.acquire({ ...options, timeoutMs: timeoutMs - (Date.now() - queuedAt) }).then(resolve, reject);
        });
      this.#pending.add(move);
      const onAbort = () => settle(() => reject(new AbortError(signal?.reason, { operationId })));
      const timer =
        timeoutMs <= MAX_TIMER_MS
          ? setTimeout(() => settle(() => reject(new TimeoutError('deadline', timeoutMs, { operationId, requestMayHaveBeenSent: false }))), Math.max(0, timeoutMs))
          : undefined;
      signal?.addEventListener('abort', onAbort, { once: true });
      const closedWhileWaiting = () =>
        settle(() => reject(new LimiterClosedError(`${operationId}: the rate limiter closed before this call's turn`, { operationId })));

      // A call that arrives during a pause waits for its end before it asks bottleneck for a turn:
      // a turn takes a reservoir unit (a shared one, with Redis) that a paused call would hold idle.
      const schedule = (): void => {
        if (settled) {
          leaveFeed();
          return;
        }
        const wait = this.#pausedUntil - Date.now();
        if (wait > 0) {
          setTimeout(schedule, Math.min(wait, 250));
          return;
        }
        this.bottleneck
        .schedule(async () => {
          // A 429 seen by anyone holds everyone who comes after it; a window running low spaces them out.
          for (;;) {
            if (this.#rejectQueued) closedWhileWaiting();
            const spacingUntil = Date.now() < this.#spacingUntil ? this.#nextStartAt : 0;
            const holdUntil = Math.max(this.#pausedUntil, spacingUntil);
            if (settled || Date.now() >= holdUntil) break;
            await new Promise((r) => setTimeout(r, Math.min(holdUntil - Date.now(), 250)));
          }
          this.#nextStartAt = Date.now() + this.#spacingMs;
          if (!this.#feedUntilRelease || settled) leaveFeed();
          // A caller that gave up while its job waited frees the slot at once.
          if (settled) return;
          await new Promise<void>((done) => settle(() => resolve({ release: () => done() })));
          leaveFeed();
        })
        .catch((error: unknown) => {
          // The queue is bounded before bottleneck (no highWater), so a job fails only when the
          // limiter stops or its store (Redis) fails.
          leaveFeed();
          const elsewhere = this.#closed ? undefined : this.fallback();
          if (elsewhere) {
            move(elsewhere);
            return;
          }
          const failure = this.#closed
            ? new LimiterClosedError(`${operationId}: the rate limiter closed before this call's turn`, { operationId })
            : new LimiterUnavailableError(`${operationId}: the rate limiter's store failed (${error instanceof Error ? error.name : 'error'}); nothing was sent`, { operationId });
          settle(() => reject(failure));
        });
      };
      this.#queue.push(schedule);
      this.#feed();
    });
  }

  /** Holds every call that has not started until `untilMs` (epoch ms); a shorter pause than the current one changes nothing. */
  pauseUntil(untilMs: number): void {
    this.#pausedUntil = Math.max(this.#pausedUntil, untilMs);
  }

  /** Epoch milliseconds until which calls are held; in the past when there is no pause. */
  protected get pausedUntil(): number {
    return this.#pausedUntil;
  }

  /** Pauses until the reset when the server's window is used up; spreads the calls left over the time to the reset once less than `slowDownBelow` of it is left. */
  observe({ allowed, count, resetMs }: ServerWindow): void {
    if (!(allowed > 0) || !(resetMs >= 0)) return;
    const left = allowed - count;
    if (left <= 0) {
      this.pauseUntil(Date.now() + resetMs);
      return;
    }
    // Spread what is left of the window over the time to its reset once it runs low. Not through
    // bottleneck's updateSettings: in 2.19.5 it stops the reservoir's refresh timer for good.
    this.#spacingMs = left / allowed < this.#slowDownBelow ? Math.ceil(resetMs / left) : 0;
    this.#spacingUntil = Date.now() + resetMs;
    if (this.#spacingMs === 0) this.#nextStartAt = 0;
  }

  /** Stops taking calls; lets queued and running ones finish (or, with `rejectQueued`, rejects the queued), then releases bottleneck. Later calls return the same promise. */
  close(options: CloseOptions = {}): Promise<void> {
    this.#closing ??= this.#close(options);
    return this.#closing;
  }

  async #close(options: CloseOptions): Promise<void> {
    this.#closed = true;
    this.#rejectQueued = options.rejectQueued ?? false;
    // Calls still waiting out a pause before their turn are rejected now rather than at its end.
    if (this.#rejectQueued) this.moveQueued(REJECTING);
    // Callers still queued get their turn (or, when asked, a LimiterClosedError)...
    if (options.rejectQueued) await this.stopBottleneck();
    else if (this.#waiting > 0) await new Promise<void>((resolve) => (this.#idle = resolve));
    // ...then what is left in bottleneck's queue belongs to callers who gave up: it is dropped,
    // rather than waited for until the next refill. Running attempts hold permits, released by
    // their callers; stop() waits for them.
    if (!options.rejectQueued) await this.stopBottleneck();
    await this.disconnectBottleneck();
  }

  /** Stops bottleneck, dropping the jobs of callers who gave up; waits for running ones. */
  protected async stopBottleneck(): Promise<void> {
    await this.bottleneck.stop({ dropWaitingJobs: true });
  }

  /** Releases bottleneck's connections (its datastore, for a shared limiter). */
  protected async disconnectBottleneck(): Promise<void> {
    await this.bottleneck.disconnect();
  }
}

/** A Limiter whose state lives in this process. */
export class LocalLimiter extends BottleneckLimiter {
  /**
   * @param options - the limit, its interval, and the queue settings.
   * @throws TypeError when `limit` or `intervalMs` is not above 0.
   */
  constructor(options: LocalLimiterOptions) {
    super(new Bottleneck(bottleneckSettings(options)), options);
  }
}
