/**
 * The reorder window of a resilient stream (a guest chat's events, a Web Messaging session's):
 * live events are held for up to `windowMs`, so that a message sent earlier (by its server
 * timestamp) that arrives a little later is released first.
 *
 * - Each held item sorts by a key: its timestamp (epoch ms) when it has one. An item without one (a
 *   typing indicator, a member change, a message whose timestamp does not parse) takes the key of
 *   the last item held when it arrives, so that it keeps its arrival place: after everything held
 *   before it. Equal keys keep arrival order.
 * - That key comes from what is held, not from the latest timestamp ever seen: a timestamp is the
 *   upstream's word, and one far in the future (year 9999) would otherwise be the key of every later
 *   item without one, for good, putting each typing indicator and member change behind every
 *   message that arrives after it. So such a timestamp weighs only while its own item is held
 *   (its window, or a pause). Nothing here reads the local clock, so a server clock that differs
 *   from ours changes nothing either (clamping timestamps to our arrival time would).
 * - When an item's window ends it is released, together with every held item that sorts before it,
 *   in key order. So each item waits at most `windowMs` (that is the window's cost: every live
 *   item waits that long, since nothing tells it that no earlier one is on its way), and one that
 *   arrives more than `windowMs` after a later-sorting one has been released is released in
 *   arrival order, out of timestamp order.
 * - While paused (the stream is down or filling its gap) nothing is released by its window: ends
 *   that pass are remembered and acted on at `resume()`. What the gap fill recovers goes through
 *   `releaseBefore()`: held items that sort before it are released first.
 * - `flush()` releases everything held, in order, at once; `clear()` drops it.
 * - It bounds nothing itself: its user watches `size` and `bytes` (the stream drops its connection
 *   and clears the window past 1,000 items). Inserting and releasing are O(n) in what is held (a
 *   scan and a splice, a shift): with that bound, at most a few thousand steps, and most items
 *   arrive in order, so the scan from the end stops at once.
 *
 * A window of 0 holds nothing while running: each item is released as it comes.
 */
import { type Clock, systemClock, type TimerHandle } from './clock.js';

interface Entry<T> {
  readonly item: T;
  readonly key: number;
  /** Arrival order: ties between keys keep it. */
  readonly seq: number;
  /** What its user counts it as (the stream: its frame's bytes). */
  readonly bytes: number;
  /** Its window has ended (it waits only for a pause to end). */
  due: boolean;
  timer: TimerHandle | undefined;
}

/** Holds live items for up to a window so that they are released in timestamp order (see the module's description). */
export class ReorderWindow<T> {
  readonly #windowMs: number;
  readonly #release: (item: T) => void;
  /** Held items, sorted by key, then arrival. */
  readonly #entries: Entry<T>[] = [];
  #seq = 0;
  #bytes = 0;
  #paused: boolean;
  readonly #clock: Clock;

  /**
   * @param windowMs - how long a live item may be held; 0 for not at all.
   * @param release - called with each item as it is released, in order; it must not throw.
   * @param paused - whether it starts paused (a stream is down until its first gap fill).
   * @param clock - the timers it sets; the system's by default.
   */
  constructor(windowMs: number, release: (item: T) => void, paused = false, clock: Clock = systemClock) {
    this.#windowMs = Math.max(0, windowMs);
    this.#release = release;
    this.#paused = paused;
    this.#clock = clock;
  }

  /** Items held now. */
  get size(): number {
    return this.#entries.length;
  }

  /** The bytes of the items held now, as given to `hold()`. */
  get bytes(): number {
    return this.#bytes;
  }

  /** An item's key: its timestamp, or when it has none the key of the last item held (the largest, as they are sorted); with nothing held, before anything. */
  #key(timestamp: number | undefined): number {
    if (timestamp !== undefined && Number.isFinite(timestamp)) return timestamp;
    return this.#entries.at(-1)?.key ?? Number.NEGATIVE_INFINITY;
  }

  /** Holds a live item with its timestamp (epoch ms; undefined or NaN when it has none) until its window ends; `bytes` is added to `bytes` while it is held. */
  hold(item: T, timestamp: number | undefined, bytes = 0): void {
    const entry: Entry<T> = { item, key: this.#key(timestamp), seq: this.#seq++, bytes, due: this.#windowMs === 0, timer: undefined };
    let at = this.#entries.length;
    // Most items arrive in order: the scan from the end stops at once.
    while (at > 0 && (this.#entries[at - 1]?.key ?? Number.NEGATIVE_INFINITY) > entry.key) at--;
    this.#entries.splice(at, 0, entry);
    this.#bytes += bytes;
    if (entry.due) return this.#releaseDue();
    entry.timer = this.#clock.setTimeout(() => {
      entry.timer = undefined;
      entry.due = true;
      this.#releaseDue();
    }, this.#windowMs);
  }

  /** Releases the held items that sort before `timestamp` (an item delivered now, from elsewhere, in order: a recovered message). */
  releaseBefore(timestamp: number | undefined): void {
    const key = this.#key(timestamp);
    let count = 0;
    while (count < this.#entries.length && (this.#entries[count]?.key ?? key) < key) count++;
    this.#releaseFirst(count);
  }

  /** Stops releasing by window (ends that pass wait for `resume()`). */
  pause(): void {
    this.#paused = true;
  }

  /** Releases by window again, at once for the items whose window ended meanwhile. */
  resume(): void {
    this.#paused = false;
    this.#releaseDue();
  }

  /** Releases everything held, in order, now; no timer is left. */
  flush(): void {
    this.#releaseFirst(this.#entries.length);
  }

  /** Drops everything held, unreleased; no timer is left. */
  clear(): void {
    for (const entry of this.#entries.splice(0)) this.#clock.clearTimeout(entry.timer);
    this.#bytes = 0;
  }

  /** Releases every item up to the last one whose window has ended (those before it sort earlier). */
  #releaseDue(): void {
    if (this.#paused) return;
    let last = this.#entries.length - 1;
    while (last >= 0 && !this.#entries[last]?.due) last--;
    this.#releaseFirst(last + 1);
  }

  /** Releases the first `count` items, one at a time: a release that flushes (the stream closing) finds the rest in place and in order. */
  #releaseFirst(count: number): void {
    for (let n = 0; n < count; n++) {
      const entry = this.#entries.shift();
      if (!entry) return;
      this.#clock.clearTimeout(entry.timer);
      this.#bytes -= entry.bytes;
      this.#release(entry.item);
    }
  }
}
