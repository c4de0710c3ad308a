/**
 * The one way Switchboard calls code it does not own with an event (a user's listener, an
 * observer's hook): each is called in turn, and one that throws, or, being async, rejects, keeps
 * the event from none of the others and changes nothing for whoever emitted it. Events are emitted
 * from inside calls and from a websocket's event handlers, where a throw would fail the call or be
 * an uncaught exception, and a rejection an unhandled one: either may end the process.
 */

/**
 * Calls `fn` (with `self` as `this` and `arg`, when given); what it throws or rejects with is
 * dropped. Method and receiver are passed apart, so that a hot loop makes no closure.
 */
export function isolated(fn: () => unknown): void;
export function isolated<T, A>(fn: (this: T, arg: A) => unknown, self: T, arg: A): void;
export function isolated<T, A>(fn: (this: T | undefined, arg?: A) => unknown, self?: T, arg?: A): void {
  try {
    // Typed as returning nothing, yet an async function fits that type too.
    const result = fn.call(self, arg);
    if (result instanceof Promise) result.catch(ignore);
  } catch {
    // Someone else's bug: it must not stop the others, or change the outcome of what it watched.
  }
}

function ignore(): void {}

/** The listeners of one kind of event, each called through {@link isolated}. */
export class ListenerSet<E> {
  readonly #listeners = new Set<(event: E) => void>();

  /** How many listeners there are. */
  get size(): number {
    return this.#listeners.size;
  }

  /** Whether `listener` is one of them. */
  has(listener: (event: E) => void): boolean {
    return this.#listeners.has(listener);
  }

  /** Adds a listener; returns the function that removes it. */
  add(listener: (event: E) => void): () => void {
    this.#listeners.add(listener);
    return () => void this.#listeners.delete(listener);
  }

  /** Calls every listener with `event`; one added or removed meanwhile waits for the next event. */
  emit(event: E): void {
    if (this.#listeners.size === 0) return;
    for (const listener of [...this.#listeners]) isolated(listener, undefined, event);
  }
}
