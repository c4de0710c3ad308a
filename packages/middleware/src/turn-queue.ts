/**
 * The calls waiting for their turn, first come first served. A call that gives up leaves at once
 * (its place is not held until its turn would have come), and a call sent back, because a pause
 * began after it had left the queue, goes before everyone who came after it.
 */
import type { Waiter } from './waiter.js';

export class TurnQueue {
  /** Sent back: they had left the queue before the calls still in it, so they go first. */
  readonly #returned: Waiter[] = [];
  /** A Set keeps insertion order, and lets a call that gives up leave in O(1). */
  readonly #waiting = new Set<Waiter>();

  /** Adds a call at the end. */
  push(waiter: Waiter): void {
    this.#waiting.add(waiter);
  }

  /** Puts a call that had left back, ahead of those still waiting. */
  putBack(waiter: Waiter): void {
    this.#returned.push(waiter);
  }

  /** Takes a call out wherever it is (it gave up, or moved to another limiter). */
  remove(waiter: Waiter): void {
    if (this.#waiting.delete(waiter)) return;
    const at = this.#returned.indexOf(waiter);
    if (at >= 0) this.#returned.splice(at, 1);
  }

  /** The next call to go, taken out of the queue. */
  shift(): Waiter | undefined {
    const returned = this.#returned.shift();
    if (returned) return returned;
    const first = this.#waiting.values().next();
    if (first.done) return undefined;
    this.#waiting.delete(first.value);
    return first.value;
  }
}
