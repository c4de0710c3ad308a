/**
 * The limiter on bottleneck that LocalLimiter and RedisLimiter share. bottleneck keeps the
 * reservoir (`limit` requests per interval, in this process or in Redis) and the concurrency
 * count; in front of it sit our own pieces, each with one job:
 *
 * - the {@link TurnQueue}: calls waiting, first come first served, bounded by `maxQueued`; a call
 *   that gives up leaves it at once. bottleneck cannot take a job back once it has it, so only a
 *   few calls are handed over at a time (`maxConcurrent` of them, when set);
 * - the {@link PauseGate}: after a 429, nobody is handed over until the pause ends;
 * - the {@link StartSpacing}: while the server's window runs low, starts are spread out;
 * - the turn, bottleneck's job: bottleneck has taken a reservoir unit for the call. A call that
 *   gave up meanwhile, or that a pause begun meanwhile must hold, gives the unit back
 *   (`incrementReservoir`), so a call that gives up never spends quota.
 */
import { AbortError } from '@switchboard/core';
import type { Attributes } from '@opentelemetry/api';
import type Bottleneck from 'bottleneck';
import { fastTurns } from './bottleneck-fast-turns.js';
import { LimiterClosedError, LimiterUnavailableError, QueueFullError } from './errors.js';
import type { AcquireOptions, CloseOptions, Limiter, Permit, ServerWindow } from './limiter.js';
import { LimiterMetrics, type LimiterMetricsOptions } from './limiter-metrics.js';
import { PauseGate } from './pause-gate.js';
import { StartSpacing } from './start-spacing.js';
import { TurnQueue } from './turn-queue.js';
import { Waiter } from './waiter.js';

/** What a {@link BottleneckLimiter} takes besides its bottleneck instance. */
export interface BottleneckLimiterOptions {
  /** The reservoir's size: a unit given back never raises it above this. */
  readonly limit: number;
  /**
   * Calls that may wait; more are refused with QueueFullError.
   * @default `1_000`
   */
  readonly maxQueued?: number | undefined;
  /**
   * Requests in flight at once.
   * @default unbounded
   */
  readonly maxConcurrent?: number | undefined;
  /**
   * Below this share of the server's window left, starts are spread over the time to its reset.
   * @default `0.2`
   */
  readonly slowDownBelow?: number | undefined;
  /**
   * The limiter's metrics; `false` for none.
   * @default on, on the global meter provider
   */
  readonly metrics?: LimiterMetricsOptions | false | undefined;
}

/**
 * Calls handed to bottleneck at once when there is no concurrency limit (with one, that many):
 * enough to keep its pipeline busy, few enough that a pause or an outage finds the rest in our
 * queue, from which they can leave or move.
 */
const HANDED_OVER_AT_ONCE = 4;

/** The spacing of starts in force (see {@link BottleneckLimiter.reportWindow}). */
export interface StartSpacingState {
  /** Milliseconds between starts; 0 when starts are not spaced. */
  readonly spacingMs: number;
  /** Epoch ms until which the spacing holds (the server's window resets then). */
  readonly untilMs: number;
}

/** The error of a call still waiting when the limiter closed (or when its store refused it because it was closing). */
const closedBeforeTurn = (operationId: string): LimiterClosedError =>
  new LimiterClosedError(`${operationId}: the rate limiter closed before this call's turn`, { operationId });

/** The permit of a limiter without a concurrency limit: its turn is over when it starts. */
const FREE: Permit = { release: () => undefined };

export class BottleneckLimiter implements Limiter {
  /** The bottleneck instance that keeps the reservoir. */
  protected readonly bottleneck: Bottleneck;
  readonly #limit: number;
  readonly #maxQueued: number;
  readonly #slowDownBelow: number;
  readonly #queue = new TurnQueue();
  /** Every call whose wait has not ended, wherever it is: queued, waiting for its slot, or with bottleneck. */
  readonly #waiting = new Set<Waiter>();
  readonly #pause = new PauseGate(() => this.#handOver());
  readonly #spacing = new StartSpacing();
  /** Calls taken from the queue and not yet out of bottleneck. */
  #handedOver = 0;
  readonly #handOverAtOnce: number;
  /** With a concurrency limit a call keeps its bottleneck job, and its place, until it releases its permit. */
  readonly #holdUntilRelease: boolean;
  #closed = false;
  /** Closing with `rejectQueued`: no call goes anywhere any more. */
  #rejecting = false;
  #closing: Promise<void> | undefined;
  #idle: (() => void) | undefined;
  /** With a concurrency limit: permits out and not yet released, which close() waits for. */
  #held = 0;
  #allReleased: (() => void) | undefined;
  /** Calls waiting for their start while starts are spaced, with the timer that will ask again. */
  readonly #spacingTimers = new Map<Waiter, ReturnType<typeof setTimeout>>();
  readonly #metrics: LimiterMetrics | undefined;

  /**
   * @param bottleneck - the bottleneck instance that keeps the reservoir (a local or a clustered one).
   * @param options - the reservoir's size, the queue bound, concurrency, slow-down threshold and metrics.
   * @param attributes - what tells this limiter apart in its metrics (its kind, a shared limiter's id).
   */
  constructor(bottleneck: Bottleneck, options: BottleneckLimiterOptions, attributes: Attributes) {
    fastTurns(bottleneck);
    this.bottleneck = bottleneck;
    this.#limit = options.limit;
    this.#maxQueued = options.maxQueued ?? 1_000;
    this.#slowDownBelow = options.slowDownBelow ?? 0.2;
    this.#handOverAtOnce = options.maxConcurrent ?? HANDED_OVER_AT_ONCE;
    this.#holdUntilRelease = options.maxConcurrent !== undefined;
    const { metrics } = options;
    this.#metrics =
      metrics === false
        ? undefined
        : new LimiterMetrics(
            { ...attributes, ...metrics?.attributes },
            () => ({ queued: this.queued, fallback: this.usesFallback() }),
            metrics?.meterProvider,
          );
  }

  /** Whether calls go to the fallback now; undefined for a limiter that has none. */
  protected usesFallback(): boolean | undefined {
    return undefined;
  }

  /** Calls waiting for their turn. */
  get queued(): number {
    return this.#waiting.size;
  }

  /** Where calls go while this limiter cannot serve them (RedisLimiter: Redis unreachable); undefined to use this one. */
  protected fallback(): Limiter | undefined {
    return undefined;
  }

  /** Where a call goes whose turn the store failed (it was not sent); undefined to refuse it. By default, the {@link BottleneckLimiter.fallback}. */
  protected afterStoreFailure(): Limiter | undefined {
    return this.fallback();
  }

  /** Moves every call still waiting to `to`. A call whose turn came is never moved: it cannot run twice. */
  protected moveQueued(to: Limiter): void {
    for (const waiter of [...this.#waiting]) waiter.handTo(to);
  }

  /**
   * Resolves when this attempt may be sent. Rejects with a LimiterClosedError once closed, a
   * QueueFullError when `maxQueued` calls already wait, an AbortError or a TimeoutError when the
   * caller gives up first, and a LimiterUnavailableError when the store fails.
   */
  acquire(options: AcquireOptions): Promise<Permit> {
    const { operationId, signal } = options;
    if (this.#closed) return Promise.reject(new LimiterClosedError(`${operationId}: the rate limiter is closed`, { operationId }));
    if (signal?.aborted) return Promise.reject(new AbortError(signal.reason, { operationId }));
    const fallback = this.fallback();
    if (fallback) return fallback.acquire(options);
    if (this.#waiting.size >= this.#maxQueued) {
      return Promise.reject(new QueueFullError(`${operationId}: the rate limiter's queue is full; nothing was sent`, { operationId }));
    }
    this.#metrics?.touch();
    return new Promise<Permit>((resolve, reject) => {
      const waiter = new Waiter(options, { resolve, reject }, (ended) => this.#ended(ended));
      this.#waiting.add(waiter);
      this.#queue.push(waiter);
      this.#handOver();
    });
  }

  #ended(waiter: Waiter): void {
    this.#waiting.delete(waiter);
    this.#queue.remove(waiter);
    // Waiting for its start: its place goes at once, and no timer is left behind.
    const timer = this.#spacingTimers.get(waiter);
    if (timer !== undefined) {
      clearTimeout(timer);
      this.#spacingTimers.delete(waiter);
      this.#leave();
    }
    if (this.#waiting.size === 0) this.#idle?.();
  }

  /** Hands the calls at the front of the queue to bottleneck, as many as may be with it at once, unless a pause holds them. */
  #handOver(): void {
    while (this.#handedOver < this.#handOverAtOnce && !this.#pause.holding) {
      const waiter = this.#queue.shift();
      if (!waiter) return;
      this.#handedOver++;
      if (this.#spacing.active) this.#startWhenSpaced(waiter);
      else this.#schedule(waiter);
    }
  }

  /** While starts are spaced: the call goes when its start is due, asking again after the time it is told. */
  #startWhenSpaced(waiter: Waiter): void {
    if (waiter.ended) return this.#leave();
    void this.takeStart().then((waitMs) => {
      if (waiter.ended) return this.#leave();
      if (waitMs <= 0) return this.#schedule(waiter);
      this.#spacingTimers.set(
        waiter,
        setTimeout(() => {
          this.#spacingTimers.delete(waiter);
          this.#startWhenSpaced(waiter);
        }, waitMs),
      );
    });
  }

  /** A call is out of bottleneck's hands: its place goes to the next. */
  #leave(): void {
    this.#handedOver--;
    this.#handOver();
  }

  /** Asks bottleneck for the call's turn, unless the call gave up or a pause began while it waited for its start slot. */
  #schedule(waiter: Waiter): void {
    if (waiter.ended) return this.#leave();
    if (this.#pause.holding) {
      this.#queue.putBack(waiter);
      return this.#leave();
    }
    this.bottleneck.schedule(() => this.#turn(waiter)).catch((error: unknown) => this.#storeFailed(waiter, error));
  }

  /** bottleneck's job: it has taken a reservoir unit for this call. */
  async #turn(waiter: Waiter): Promise<void> {
    if (waiter.ended || this.#pause.holding) {
      // Gave up, or must wait out a pause that began after it was handed over: the unit goes back.
      this.giveBack().catch(() => undefined); // a store that fails now fails the next call too, which says so
      if (!waiter.ended) this.#queue.putBack(waiter);
      return this.#leave();
    }
    this.#metrics?.waited(waiter.waitedMs);
    this.granting();
    if (!this.#holdUntilRelease) {
      this.#leave();
      waiter.grant(FREE);
      return;
    }
    // With a concurrency limit the job, and so bottleneck's count of calls running, lasts until the permit is released.
    this.#held++;
    await new Promise<void>((done) => {
      let released = false;
      waiter.grant({
        release: () => {
          if (released) return;
          released = true;
          done();
        },
      });
    });
    if (--this.#held === 0) this.#allReleased?.();
    this.#leave();
  }

  /** A call's turn has come: it is granted next. RedisLimiter places the reservoir's interval at its first use. */
  protected granting(): void {}

  /**
   * Returns a reservoir unit that a call did not use, unless the reservoir is full (a refill came
   * in between: the unit belonged to the window before). RedisLimiter does the same in one step in Redis.
   */
  protected async giveBack(): Promise<void> {
    const left = await this.bottleneck.currentReservoir();
    if (typeof left === 'number' && left < this.limit) await this.bottleneck.incrementReservoir(1);
  }

  /** The reservoir's size: `limit` requests per interval. */
  protected get limit(): number {
    return this.#limit;
  }

  /** bottleneck refused the job: the limiter stopped, or its store (Redis) failed. Its task never ran. */
  #storeFailed(waiter: Waiter, error: unknown): void {
    this.#leave();
    if (waiter.ended) return;
    // A close that lets queued calls run still lets them use the fallback.
    const elsewhere = this.#rejecting ? undefined : this.afterStoreFailure();
    if (elsewhere) return waiter.handTo(elsewhere);
    const { operationId } = waiter.options;
    waiter.refuse(
      this.#closed
        ? closedBeforeTurn(operationId)
        : new LimiterUnavailableError(
            `${operationId}: the rate limiter's store failed (${error instanceof Error ? error.name : 'error'}); nothing was sent`,
            { operationId },
          ),
    );
  }

  /** While starts are spaced ({@link startSpacing}): starts now (0), or says how many ms until a start is due. RedisLimiter spaces all processes of its id. */
  protected takeStart(): Promise<number> {
    return Promise.resolve(this.#spacing.take());
  }

  /** The spacing of starts in force: `spacingMs` 0 when there is none. */
  protected get startSpacing(): StartSpacingState {
    return { spacingMs: this.#spacing.spacingMs, untilMs: this.#spacing.until };
  }

  /**
   * Spaces starts `spacingMs` apart until `untilMs` (epoch ms), as another process of a shared
   * limiter asked: a spacing shorter than the one in force changes nothing.
   * @param spacingMs - the time between starts.
   * @param untilMs - when the server's window resets (epoch ms).
   */
  protected spaceStarts(spacingMs: number, untilMs: number): void {
    if (!(spacingMs > 0) || !(untilMs > Date.now()) || this.#spacing.spacingMs >= spacingMs) return;
    this.#spacing.set(spacingMs, untilMs);
  }

  /** Holds every call that has not started until `untilMs` (epoch ms); a shorter pause than the current one changes nothing. */
  pauseUntil(untilMs: number): void {
    this.#pause.pauseUntil(untilMs);
  }

  /** Epoch milliseconds until which calls are held; in the past when there is no pause. */
  protected get pausedUntil(): number {
    return this.#pause.until;
  }

  /** Pauses until the reset when the server's window is used up; spreads the calls left over the time to the reset once less than `slowDownBelow` of it is left. */
  reportWindow({ allowed, count, resetMs }: ServerWindow): void {
    if (!(allowed > 0) || !(resetMs >= 0)) return;
    const left = allowed - count;
    if (left <= 0) {
      this.pauseUntil(Date.now() + resetMs);
      return;
    }
    // Spread what is left of the window over the time to its reset once it runs low. Not through
    // bottleneck's updateSettings: in 2.19.5 it stops the reservoir's refresh timer for good.
    this.#spacing.set(left / allowed < this.#slowDownBelow ? Math.ceil(resetMs / left) : 0, Date.now() + resetMs);
  }

  /** Stops taking calls; lets queued and running ones finish (or, with `rejectQueued`, rejects the queued), then releases bottleneck. Later calls return the same promise. */
  close(options: CloseOptions = {}): Promise<void> {
    this.#closing ??= this.#close(options);
    return this.#closing;
  }

  async #close(options: CloseOptions): Promise<void> {
    this.#closed = true;
    this.#rejecting = options.rejectQueued ?? false;
    if (options.rejectQueued) {
      for (const waiter of [...this.#waiting]) waiter.refuse(closedBeforeTurn(waiter.options.operationId));
    } else if (this.#waiting.size > 0) {
      // Queued calls still get their turn.
      await new Promise<void>((resolve) => (this.#idle = resolve));
    }
    // Permits still out hold bottleneck's count of calls running (in Redis, every process's): it
    // must see them released before it stops, or that count would stay up for good.
    if (this.#held > 0) await new Promise<void>((resolve) => (this.#allReleased = resolve));
    this.#pause.stop();
    this.#metrics?.close();
    // What is left in bottleneck's queue belongs to callers who gave up: it is dropped rather than
    // waited for until the next refill.
    await this.stopBottleneck();
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
