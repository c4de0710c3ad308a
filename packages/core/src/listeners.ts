/** The client's event listeners, by event type or `*` for all; a listener's failure is never the call's. */
import type { CallEvent, CallEventListener, CallEventType } from './events.js';
import { ListenerSet } from './listener-set.js';

export class Listeners {
  readonly #byType = new Map<CallEventType | '*', ListenerSet<CallEvent>>();
  #count = 0;

  get size(): number {
    return this.#count;
  }

  on(type: CallEventType | '*', listener: CallEventListener): () => void {
    let set = this.#byType.get(type);
    if (!set) this.#byType.set(type, (set = new ListenerSet()));
    if (set.has(listener)) return () => undefined;
    const remove = set.add(listener);
    this.#count++;
    let subscribed = true;
    return () => {
      if (!subscribed) return;
      subscribed = false;
      remove();
      this.#count--;
    };
  }

  emit(event: CallEvent): void {
    if (this.#count === 0) return;
    this.#byType.get(event.type)?.emit(event);
    this.#byType.get('*')?.emit(event);
  }
}
