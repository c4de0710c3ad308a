/**
 * The pause after a 429, for a limiter: nobody starts before it ends. One timer set to the
 * pause's end wakes the queue, re-armed when a longer pause begins; nothing polls.
 */
import { MAX_TIMER_MS } from '@switchboard/core';

export class PauseGate {
  #until = 0;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #stopped = false;
  readonly #onEnd: () => void;

  /** @param onEnd - called when the pause is over, to let the waiting calls go. */
  constructor(onEnd: () => void) {
    this.#onEnd = onEnd;
  }

  /** Epoch ms until which nobody starts; in the past when there is no pause. */
  get until(): number {
    return this.#until;
  }

  /** Whether a pause holds calls right now. */
  get holding(): boolean {
    return Date.now() < this.#until;
  }

  /** Holds everyone until `untilMs` (epoch ms); a pause shorter than the current one changes nothing. */
  pauseUntil(untilMs: number): void {
    if (this.#stopped || !(untilMs > this.#until)) return;
    this.#until = untilMs;
    this.#arm();
  }

  #arm(): void {
    clearTimeout(this.#timer);
    // Not unref'd: calls waiting out the pause keep the process alive, as a queue would. A pause
    // longer than the longest timer is woken in steps.
    this.#timer = setTimeout(
      () => {
        this.#timer = undefined;
        // A timer measures elapsed time and the pause is on the wall clock: a timer that fires a
        // little early (a fractional end, the clock set back) waits again rather than wake nobody.
        if (this.holding) this.#arm();
        else this.#onEnd();
      },
      Math.min(MAX_TIMER_MS, Math.max(0, Math.ceil(this.#until - Date.now()))),
    );
  }

  /** Lets go of the timer and takes no more pauses (the limiter has closed). */
  stop(): void {
    this.#stopped = true;
    clearTimeout(this.#timer);
    this.#timer = undefined;
  }
}
