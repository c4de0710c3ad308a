/**
 * The pause after a 429, for a limiter: nobody starts before it ends. One timer set to the
 * pause's end wakes the queue, re-armed when a longer pause begins; nothing polls.
 */
export class PauseGate {
  #until = 0;
  #timer: ReturnType<typeof setTimeout> | undefined;
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
    if (!(untilMs > this.#until)) return;
    this.#until = untilMs;
    clearTimeout(this.#timer);
    // Not unref'd: calls waiting out the pause keep the process alive, as a queue would.
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      this.#onEnd();
    }, Math.max(0, untilMs - Date.now()));
  }

  /** Lets go of the timer (the limiter has closed). */
  stop(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
  }
}
