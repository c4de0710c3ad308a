/**
 * The contract of a small async store of strings with an expiry, which lets state outlive one
 * process (a guest session's token and its record, kept so that another process can resume it),
 * and the checks every store makes on its arguments before it touches anything.
 */
import { MAX_TIMER_MS, type ValidationProblem, ValidationError } from '@switchboard/core';

/**
 * Strings under string keys, each kept for a time of its own: in this process
 * ({@link @switchboard/middleware!index.MemoryStore | MemoryStore}) or shared through Redis
 * ({@link @switchboard/middleware!redis.RedisStore | RedisStore}). Every method checks its
 * arguments first and rejects with a `ValidationError` (from `@switchboard/core`) before anything is
 * read or stored; a store that cannot serve (closed, or its backend does not answer in time) rejects
 * with {@link @switchboard/middleware!index.StoreUnavailableError | StoreUnavailableError}.
 * Keys are non-empty strings of at most 512 characters.
 */
export interface KeyValueStore {
  /**
   * The value under `key`, or `undefined` when there is none or it has expired.
   * @param key - the key to read.
   */
  get(key: string): Promise<string | undefined>;
  /**
   * Stores `value` under `key` for `ttlMs` from now, replacing what was there and its expiry.
   * @param key - the key to write.
   * @param value - the value to keep.
   * @param options - how long to keep it: `ttlMs`, above 0 and at most `MAX_TIMER_MS` (from `@switchboard/core`).
   */
  set(key: string, value: string, options: { readonly ttlMs: number }): Promise<void>;
  /**
   * Stores `value` under `key` for `ttlMs` only when nothing (unexpired) is there; whether it did.
   * Of two processes that add the same key at once, one wins: what a record that must be made
   * once (a session's) needs.
   * @param key - the key to write.
   * @param value - the value to keep.
   * @param options - how long to keep it: `ttlMs`, as for `set`.
   */
  add(key: string, value: string, options: { readonly ttlMs: number }): Promise<boolean>;
  /**
   * Removes `key`; resolves as well when there was nothing under it.
   * @param key - the key to remove.
   */
  delete(key: string): Promise<void>;
  /** Releases what the store holds (its entries, or connections it made itself); every later call rejects. Closing again does nothing. */
  close(): Promise<void>;
}

/** The longest key a store takes, in characters: a bound on what one caller can make a store hold. */
export const MAX_KEY_LENGTH = 512;

function keyProblems(key: unknown): ValidationProblem[] {
  // The key itself is never quoted: it can carry a session or user id.
  return typeof key === 'string' && key.length > 0 && key.length <= MAX_KEY_LENGTH
    ? []
    : [{ pointer: '/key', message: `must be a non-empty string of at most ${MAX_KEY_LENGTH} characters` }];
}

/**
 * Rejects a key no store takes; the message names the rule, never the key.
 * @param key - the key a caller passed (unchecked: JavaScript callers are not held to the types).
 * @throws ValidationError (from `@switchboard/core`) when it is not a non-empty string of at most {@link MAX_KEY_LENGTH} characters.
 */
export function checkKey(key: unknown): void {
  const problems = keyProblems(key);
  if (problems.length > 0) throw new ValidationError(problems);
}

/**
 * Rejects a write no store takes, listing every problem at once; the message names the rules, never the key or the value.
 * @param key - the key a caller passed.
 * @param value - the value a caller passed.
 * @param options - the options a caller passed, with `ttlMs`.
 * @throws ValidationError (from `@switchboard/core`) when the key, the value (a string) or `ttlMs` (above 0, at most `MAX_TIMER_MS`) is wrong.
 */
export function checkWrite(key: unknown, value: unknown, options: unknown): void {
  const problems = keyProblems(key);
  if (typeof value !== 'string') problems.push({ pointer: '/value', message: 'must be a string' });
  const ttlMs: unknown = (options as { ttlMs?: unknown } | undefined)?.ttlMs;
  // A ttl longer than a timer can run is refused rather than cut short: the caller meant something else.
  if (typeof ttlMs !== 'number' || !(ttlMs > 0 && ttlMs <= MAX_TIMER_MS))
    problems.push({ pointer: '/ttlMs', message: `must be a number of milliseconds above 0 and at most ${MAX_TIMER_MS}` });
  if (problems.length > 0) throw new ValidationError(problems);
}
