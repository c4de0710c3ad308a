/** The listeners of one kind of event: each is called in turn, and one that throws keeps the event from none of the others. */
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
        listener(event);
      } catch {
        // A listener that throws does not stop the stream or the other listeners.
      }
    }
  }
}
