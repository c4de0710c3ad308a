/**
 * A typed place where middleware leave state for each other within one call
 * (an auth middleware's token for a tracing middleware, a retry's wait for a logger).
 * Keys are objects, so two middleware that both pick the name "token" never collide.
 */

export interface StateKey<T> {
  readonly name: string;
  /** Type-only. */
  readonly __type?: T;
}

export function createStateKey<T>(name: string): StateKey<T> {
  return Object.freeze({ name });
}

/** A value to put into a call's state before any middleware runs: how callers tune middleware per call. */
export interface StateEntry<T = unknown> {
  readonly key: StateKey<T>;
  readonly value: T;
}

export function stateEntry<T>(key: StateKey<T>, value: T): StateEntry<T> {
  return { key, value };
}

export class CallState {
  // Created on first write: most calls never use it.
  #values: Map<StateKey<unknown>, unknown> | undefined;

  get<T>(key: StateKey<T>): T | undefined {
    return this.#values?.get(key) as T | undefined;
  }

  set<T>(key: StateKey<T>, value: T): void {
    (this.#values ??= new Map()).set(key, value);
  }

  has(key: StateKey<unknown>): boolean {
    return this.#values?.has(key) ?? false;
  }

  delete(key: StateKey<unknown>): boolean {
    return this.#values?.delete(key) ?? false;
  }
}
