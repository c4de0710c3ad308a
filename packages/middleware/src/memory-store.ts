/**
 * The in-process {@link KeyValueStore}, the default where nothing needs to outlive the process:
 * entries expire after their ttl, and the store never holds more than `maxEntries`, dropping the
 * least recently used. It runs no timer: an expired entry is dropped when it is next read, or
 * when eviction reaches it, so a store nobody closes keeps no process alive.
 */
import { ConfigurationError } from '@switchboard/core';
import { StoreUnavailableError } from './errors.js';
import { checkKey, checkWrite, type KeyValueStore } from './key-value-store.js';

/** What a {@link MemoryStore} takes. */
export interface MemoryStoreOptions {
  /**
   * How many entries it keeps at most; a write past that drops the least recently used (read or written) entry.
   * @default `10_000`
   */
  readonly maxEntries?: number;
  /**
   * The clock ttls are measured on, in milliseconds; only differences between its readings count. Tests pass a fake one.
   * @default `performance.now()`: monotonic, so that a change of the system clock neither ends an entry early nor keeps it longer
   */
  readonly now?: () => number;
}

interface Entry {
  readonly value: string;
  /** On the store's clock: the entry is gone from then on. */
  readonly expiresAt: number;
}

/**
 * A {@link KeyValueStore} in this process: fast, bounded, and lost with the process. Entries
 * expire after their ttl; past `maxEntries`, the least recently used entry is dropped.
 */
export class MemoryStore implements KeyValueStore {
  // A Map iterates in insertion order: moving an entry to the end on each use keeps the least recently used first.
  readonly #entries = new Map<string, Entry>();
  readonly #maxEntries: number;
  readonly #now: () => number;
  #closed = false;

  /**
   * Makes an empty store.
   * @param options - its bound and its clock.
   * @throws ConfigurationError (from `@switchboard/core`) when `maxEntries` is not a whole number of at least 1.
   */
  constructor(options: MemoryStoreOptions = {}) {
    const maxEntries = options.maxEntries ?? 10_000;
    if (!Number.isSafeInteger(maxEntries) || maxEntries < 1)
      throw new ConfigurationError('MemoryStore: maxEntries must be a whole number of at least 1');
    this.#maxEntries = maxEntries;
    this.#now = options.now ?? (() => performance.now());
  }

  /**
   * The value under `key`, or `undefined` when there is none or it has expired; a hit counts as a use.
   * @param key - the key to read.
   */
  get(key: string): Promise<string | undefined> {
    return this.#serve(
      () => checkKey(key),
      () => this.#read(key),
    );
  }

  /**
   * Stores `value` under `key` for `ttlMs`, replacing what was there; drops the least recently used entry when the store is full.
   * @param key - the key to write.
   * @param value - the value to keep.
   * @param options - how long to keep it, in milliseconds.
   */
  set(key: string, value: string, options: { readonly ttlMs: number }): Promise<void> {
    return this.#serve(
      () => checkWrite(key, value, options),
      () => this.#write(key, value, options.ttlMs),
    );
  }

  /**
   * Stores `value` under `key` for `ttlMs` when nothing unexpired is there; whether it did.
   * @param key - the key to write.
   * @param value - the value to keep.
   * @param options - how long to keep it, in milliseconds.
   */
  add(key: string, value: string, options: { readonly ttlMs: number }): Promise<boolean> {
    return this.#serve(
      () => checkWrite(key, value, options),
      // In one synchronous step: no other call of this process comes between the look and the write.
      () => {
        if (this.#read(key) !== undefined) return false;
        this.#write(key, value, options.ttlMs);
        return true;
      },
    );
  }

  /**
   * Removes `key`; resolves as well when there was nothing under it.
   * @param key - the key to remove.
   */
  delete(key: string): Promise<void> {
    return this.#serve(
      () => checkKey(key),
      () => void this.#entries.delete(key),
    );
  }

  /** Drops every entry; later calls reject with {@link StoreUnavailableError}. */
  close(): Promise<void> {
    this.#closed = true;
    this.#entries.clear();
    return Promise.resolve();
  }

  /**
   * Runs `work` once `check` passed the arguments and the store is open. A throw becomes the
   * rejection, so that callers see one async contract whichever store they hold.
   */
  /** The unexpired value under `key`, counted as a use (it moves to the most recent end). */
  #read(key: string): string | undefined {
    const entry = this.#entries.get(key);
    if (entry === undefined) return undefined;
    this.#entries.delete(key);
    if (this.#now() >= entry.expiresAt) return undefined;
    this.#entries.set(key, entry);
    return entry.value;
  }

  /** Writes `key` as the most recent entry, and drops the least recently used past the bound. */
  #write(key: string, value: string, ttlMs: number): void {
    this.#entries.delete(key);
    this.#entries.set(key, { value, expiresAt: this.#now() + ttlMs });
    for (const oldest of this.#entries.keys()) {
      if (this.#entries.size <= this.#maxEntries) break;
      this.#entries.delete(oldest);
    }
  }

  #serve<T>(check: () => void, work: () => T): Promise<T> {
    return new Promise<T>((resolve) => {
      check();
      if (this.#closed) throw new StoreUnavailableError('MemoryStore: the store is closed');
      resolve(work());
    });
  }
}
