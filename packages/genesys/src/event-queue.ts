/**
 * The events waiting for one iterator of a stream's events (`chat.events()`, a session's
 * `events()`): pushed as the stream delivers them, taken one at a time. It ends when the stream
 * ends (done) or fails (the error is thrown once the events before it are taken); an aborted signal
 * ends the wait at once.
 */
export class EventQueue<E> {
  readonly #events: E[] = [];
  #ended = false;
  #error: Error | undefined;
  #wake: (() => void) | undefined;

  /** Queues an event for the iterator; ignored once the queue has ended. */
  push(event: E): void {
    if (this.#ended) return;
    this.#events.push(event);
    this.#wake?.();
  }

  /** No more events; with an error, the iterator throws it after the ones already queued. */
  end(error?: Error): void {
    if (this.#ended) return;
    this.#ended = true;
    this.#error = error;
    this.#wake?.();
  }

  /** The next event, or undefined once the queue has ended or `signal` aborts. */
  async next(signal: AbortSignal | undefined): Promise<E | undefined> {
    for (;;) {
      // An aborted iterator ends at once, events still queued or not.
      if (signal?.aborted) return undefined;
      if (this.#events.length > 0) return this.#events.shift();
      if (this.#ended) {
        if (this.#error) throw this.#error;
        return undefined;
      }
      await new Promise<void>((resolve) => {
        const onAbort = (): void => resolve();
        signal?.addEventListener('abort', onAbort, { once: true });
        this.#wake = () => {
          signal?.removeEventListener('abort', onAbort);
          resolve();
        };
      });
      this.#wake = undefined;
    }
  }
}
