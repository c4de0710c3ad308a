/** The client's event listeners, by event type or `*` for all; a listener's failure is never the call's. */
import type { CallEvent, CallEventListener, CallEventType } from './events.js';

type AnyListener = (event: CallEvent) => void;

export class Listeners {
  readonly #byType = new Map<CallEventType | '*', Set<AnyListener>>();
  #count = 0;

  get size(): number {
    return this.#count;
  }

  on(type: CallEventType | '*', listener: CallEventListener): () => void {
    const wrapped = listener;
    let set = this.#byType.get(type);
    if (!set) this.#byType.set(type, (set = new Set()));
    if (set.has(wrapped)) return () => undefined;
    set.add(wrapped);
    this.#count++;
    let subscribed = true;
    return () => {
      if (!subscribed) return;
      subscribed = false;
      set.delete(wrapped);
      this.#count--;
    };
  }

  emit(event: CallEvent): void {
    if (this.#count === 0) return;
    notify(this.#byType.get(event.type), event);
    notify(this.#byType.get('*'), event);
  }
}

function notify(listeners: Set<AnyListener> | undefined, event: CallEvent): void {
  if (!listeners) return;
  for (const listener of listeners) {
    try {
      listener(event);
    } catch {
      // Someone else's bug: it must not fail, or change the outcome of, the call it watched.
    }
  }
}
