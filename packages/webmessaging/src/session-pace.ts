/**
 * The pace of a guest session's `onMessage` frames (the `pace` option): at most `perSecond` starts
 * in any second (a sliding window: the platform counts its 2 a second that way), at least
 * `minSpacingMs` apart, and none before a 4029's pause ends. Turns are taken in call order; a
 * caller gives up its place when its signal aborts, and a closed pace refuses every caller.
 *
 * A session sends one message at a time (and a typing event now and then), so a turn is a few
 * comparisons of timestamps: a turn that is due is taken at once, with no timer and no hop
 * through the event loop, and only a caller that must wait sets the one timer of the pace. (A
 * bottleneck limiter did this before: with quota to spare, its turn cost several times the
 * frame's own send; bench/send-path.ts measures it.)
 */
import { AbortError } from '@switchboard/core';
import { LimiterClosedError } from '@switchboard/middleware';

/** The window the `perSecond` bound counts starts in. */
const WINDOW_MS = 1_000;
/** Starts no longer needed are cut from the list once this many have piled up at its front. */
const COMPACT_AFTER = 1_024;

/** A caller waiting for its turn. */
interface Turn {
  readonly operationId: string;
  readonly signal: AbortSignal | undefined;
  readonly resolve: () => void;
  readonly reject: (error: Error) => void;
  readonly onAbort: () => void;
}

/** One session's pace; see the module's description. */
export class SessionPace {
  readonly #perSecond: number;
  readonly #spacingMs: number;
  readonly #now: () => number;
  /** The starts that may still count against the window, oldest first, from `#head` on: at most `perSecond` of them. */
  readonly #starts: number[] = [];
  #head = 0;
  /** The latest start (epoch ms), for the spacing; none yet when -Infinity. */
  #lastStart = Number.NEGATIVE_INFINITY;
  /** No start before this (epoch ms): a 4029's pause. */
  #pausedUntil = 0;
  /** Callers waiting, first come first served. */
  readonly #waiting: Turn[] = [];
  #timer: ReturnType<typeof setTimeout> | undefined;
  #closed = false;

  /**
   * @param perSecond - the most starts in any second (above 0; whole starts, at least 1).
   * @param minSpacingMs - the least time between two starts, in ms (from 0).
   * @param now - the clock, in epoch ms.
   */
  constructor(perSecond: number, minSpacingMs: number, now: () => number = Date.now) {
    this.#perSecond = Math.max(1, Math.floor(perSecond));
    this.#spacingMs = minSpacingMs;
    this.#now = now;
  }

  /**
   * Resolves at the caller's turn (at once when it is due and nobody waits before it). Rejects with
   * an AbortError when `signal` aborts first, and with a LimiterClosedError once the pace is closed.
   */
  acquire(operationId: string, signal?: AbortSignal): Promise<void> {
    if (this.#closed) return Promise.reject(new LimiterClosedError(`${operationId}: the rate limiter is closed`, { operationId }));
    if (signal?.aborted) return Promise.reject(new AbortError(signal.reason, { operationId }));
    if (this.#waiting.length === 0 && this.#startNow()) return Promise.resolve();
    return new Promise<void>((resolve, reject) => {
      const turn: Turn = { operationId, signal, resolve, reject, onAbort: () => this.#giveUp(turn) };
      signal?.addEventListener('abort', turn.onAbort, { once: true });
      this.#waiting.push(turn);
      this.#schedule();
    });
  }

  /** Holds every start until `untilMs` (epoch ms); a pause that ends sooner than the one in force changes nothing. */
  pauseUntil(untilMs: number): void {
    if (!(untilMs > this.#pausedUntil)) return;
    this.#pausedUntil = untilMs;
    this.#schedule();
  }

  /** Refuses every caller waiting and every later one (LimiterClosedError); no timer is left. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    clearTimeout(this.#timer);
    this.#timer = undefined;
    for (const turn of this.#waiting.splice(0)) {
      turn.signal?.removeEventListener('abort', turn.onAbort);
      turn.reject(
        new LimiterClosedError(`${turn.operationId}: the rate limiter closed before this call's turn`, { operationId: turn.operationId }),
      );
    }
  }

  /** How long until a start may be made (0 or less: now). */
  #waitMs(now: number): number {
    // The starts that left the window, and those beyond the latest `perSecond` (the bound needs no more), no longer count.
    const starts = this.#starts;
    while (
      this.#head < starts.length &&
      (now - (starts[this.#head] as number) >= WINDOW_MS || starts.length - this.#head > this.#perSecond)
    )
      this.#head++;
    if (this.#head >= COMPACT_AFTER) {
      starts.splice(0, this.#head);
      this.#head = 0;
    }
    const full = starts.length - this.#head >= this.#perSecond ? (starts[this.#head] as number) + WINDOW_MS : 0;
    return Math.max(this.#pausedUntil, this.#lastStart + this.#spacingMs, full) - now;
  }

  /** Takes a start now, when one is due; whether it did. */
  #startNow(): boolean {
    const now = this.#now();
    if (this.#waitMs(now) > 0) return false;
    this.#starts.push(now);
    this.#lastStart = now;
    return true;
  }

  /** Gives the callers at the front their turns while they are due, then sets the timer for the next one. */
  #schedule(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    while (this.#waiting.length > 0 && this.#startNow()) {
      const turn = this.#waiting.shift() as Turn;
      turn.signal?.removeEventListener('abort', turn.onAbort);
      turn.resolve();
    }
    if (this.#waiting.length === 0 || this.#closed) return;
    this.#timer = setTimeout(() => this.#schedule(), Math.max(1, this.#waitMs(this.#now())));
  }

  /** A caller's signal aborted while it waited: it leaves its place. */
  #giveUp(turn: Turn): void {
    const at = this.#waiting.indexOf(turn);
    if (at < 0) return;
    this.#waiting.splice(at, 1);
    turn.reject(new AbortError(turn.signal?.reason, { operationId: turn.operationId }));
    if (at === 0) this.#schedule();
  }
}
