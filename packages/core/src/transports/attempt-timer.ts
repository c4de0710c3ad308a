/** The per-attempt timer the transports share, and setTimeout's ceiling. */
import type { TransportOptions } from '../http.js';

/** setTimeout's ceiling: Node runs a longer timer after 1 ms, so anything longer means "none". */
export const MAX_TIMER_MS = 2_147_483_647;

/** Whether `timeout` ms can be set as a timer (a longer one means no timeout at all). */
export function hasTimer(timeout: number): boolean {
  return timeout <= MAX_TIMER_MS;
}

/**
 * The per-attempt timer: calls `onFire` when `timeout` ms pass or the caller's signal aborts
 * (at once, on the next microtask, if it already has), remembering whether time ran out.
 * It does not create an AbortSignal of its own: on Node 20 an AbortSignal passed to undici
 * costs about 30 % of its throughput, and one passed to ky makes ky combine it with its own
 * through AbortSignal.any, about 10 %. Transports turn `onFire` into whatever their library
 * aborts with most cheaply.
 */
export class AttemptTimer {
  timedOut = false;
  readonly #timer: ReturnType<typeof setTimeout> | undefined;
  readonly #outer: AbortSignal | undefined;
  readonly #onAbort: (() => void) | undefined;

  constructor(options: TransportOptions, onFire: () => void, watchSignal = true) {
    if (hasTimer(options.timeout)) {
      this.#timer = setTimeout(
        () => {
          this.timedOut = true;
          onFire();
        },
        Math.max(0, options.timeout),
      );
    }
    if (watchSignal && options.signal) {
      if (options.signal.aborted) {
        queueMicrotask(onFire);
      } else {
        this.#outer = options.signal;
        this.#onAbort = onFire;
        this.#outer.addEventListener('abort', this.#onAbort, { once: true });
      }
    }
  }

  dispose(): void {
    clearTimeout(this.#timer);
    if (this.#onAbort) this.#outer?.removeEventListener('abort', this.#onAbort);
  }
}
