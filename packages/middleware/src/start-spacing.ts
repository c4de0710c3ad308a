/**
 * The slow-down before a 429: while the server's window runs low, starts are spread over the time
 * to its reset, at least `spacingMs` apart. A start is taken when it is due, never booked ahead: a
 * call that gives up while it waits leaves no hole in the sequence. RedisLimiter keeps the time of
 * the last start in Redis, so that every process sharing the budget spaces against the same one.
 */
export class StartSpacing {
  #spacingMs = 0;
  /** The spacing holds until the server's window resets, not until a response says it has. */
  #until = 0;
  #nextStartAt = 0;

  /** The time between starts in ms while the spacing holds; 0 when it does not. */
  get spacingMs(): number {
    return this.active ? this.#spacingMs : 0;
  }

  /** Epoch ms until which the spacing holds. */
  get until(): number {
    return this.#until;
  }

  /** Whether starts are spread right now. */
  get active(): boolean {
    return this.#spacingMs > 0 && Date.now() < this.#until;
  }

  /** Spreads starts `spacingMs` apart until `untilMs` (epoch ms); a spacing of 0 ends it. */
  set(spacingMs: number, untilMs: number): void {
    this.#spacingMs = spacingMs;
    this.#until = untilMs;
    if (spacingMs === 0) this.#nextStartAt = 0;
  }

  /** Starts now if the spacing allows (0), or says how many ms until it does (nothing is taken then). */
  take(now = Date.now()): number {
    if (!this.active) return 0;
    if (now < this.#nextStartAt) return this.#nextStartAt - now;
    this.#nextStartAt = now + this.#spacingMs;
    return 0;
  }
}
