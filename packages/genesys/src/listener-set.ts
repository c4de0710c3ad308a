/**
 * The listeners of one kind of event: each is called in turn, and one that throws (or, when it is
 * async, rejects) keeps the event from none of the others. Events are emitted from inside a
 * websocket's event handlers, where a throw is an uncaught exception and a rejection an unhandled
 * one: either would end the process.
 */
export class ListenerSet<E> {
  readonly #listeners = new Set<(event: E) => void>();

  /** Adds a listener; returns the function that removes it. */
  add(listener: (event: E) => void): () => void {
    this.#listeners.add(listener);
    return () => void this.#listeners.delete(listener);
  }

  /** Calls every listener with `event`; one added or removed meanwhile waits for the next event. */
  emit(event: E): void {
    for (const listener of [...this.#listeners]) {
      try {
        // Typed as returning nothing, yet an async function fits that type too.
        const result: unknown = listener(event);
        if (result instanceof Promise) result.catch(() => undefined);
      } catch {
        // A listener that throws does not stop the stream or the other listeners.
      }
    }
  }
}
