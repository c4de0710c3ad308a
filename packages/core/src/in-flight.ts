/** The pipelines a client still runs, and what close() waits on when there are some. */
export class InFlight {
  #running = 0;
  #idle: (() => void) | undefined;

  started(): void {
    this.#running++;
  }

  /** One pipeline, and every request it sent, has settled. A property, to be passed as a callback. */
  readonly settled = (): void => {
    if (--this.#running === 0) this.#idle?.();
  };

  /** Resolves once nothing runs (at once when nothing does). */
  idle(): Promise<void> {
    if (this.#running === 0) return Promise.resolve();
    return new Promise<void>((resolve) => (this.#idle = resolve));
  }
}
