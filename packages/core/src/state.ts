/**
 * A typed place where middleware leave state for each other within one call
 * (an auth middleware's token for a tracing middleware, a retry's wait for a logger).
 * Keys are objects, so two middleware that both pick the name "token" never collide.
 */

/** A typed key into a call's {@link CallState}; made by {@link createStateKey}, compared by identity. */
export interface StateKey<T> {
  /** A name for debugging; two keys with the same name are still different keys. */
  readonly name: string;
  /** Type-only. */
  readonly __type?: T;
}

/** A new state key for values of type `T`; `name` is for debugging only. */
export function createStateKey<T>(name: string): StateKey<T> {
  return Object.freeze({ name });
}

/** A value to put into a call's state before any middleware runs: how callers tune middleware per call. */
export interface StateEntry<T = unknown> {
  /** The key to set. */
  readonly key: StateKey<T>;
  /** The value to set it to. */
  readonly value: T;
}

/** A {@link StateEntry} for `CallOptions.state`, with its value checked against the key's type. */
export function stateEntry<T>(key: StateKey<T>, value: T): StateEntry<T> {
  return { key, value };
}

/** Typed state that the middleware of one call share, by {@link StateKey}. */
export class CallState {
  // Created on first write: most calls never use it.
  #values: Map<StateKey<unknown>, unknown> | undefined;

  /** The value under `key`; undefined when none was set. */
  get<T>(key: StateKey<T>): T | undefined {
    return this.#values?.get(key) as T | undefined;
  }

  /** Sets the value under `key`. */
  set<T>(key: StateKey<T>, value: T): void {
    (this.#values ??= new Map()).set(key, value);
  }

  /** Whether a value was set under `key`. */
  has(key: StateKey<unknown>): boolean {
    return this.#values?.has(key) ?? false;
  }

  /** Removes the value under `key`; whether there was one. */
  delete(key: StateKey<unknown>): boolean {
    return this.#values?.delete(key) ?? false;
  }
}
