/**
 * The slow-down before a 429: while the server's window runs low, starts are spread over the time
 * to its reset, `spacingMs` apart, each start taking the next free slot. RedisLimiter keeps the
 * slots in Redis, so that every process sharing the budget takes them from one sequence.
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

  /** Takes the next start slot in this process: the ms to wait before starting (0: now). */
  reserve(now = Date.now()): number {
    if (!this.active) return 0;
    const start = Math.max(now, this.#nextStartAt);
    this.#nextStartAt = start + this.#spacingMs;
    return start - now;
  }
}
