/**
 * The {@link KeyValueStore} in Redis: every process that reaches the same Redis with the same
 * prefix sees the same entries, so that state (a guest session's token) outlives the process that
 * wrote it. One key per command (`SET key value PX ttl`, `GET`, `DEL`), so a Cluster needs no
 * hash tags.
 *
 * Redis is the user's, as for the Redis limiter: connection settings (a single server, or
 * Sentinel's `sentinels` and `name`), or an ioredis `Redis` or `Cluster` they already made, which
 * the store copies (`duplicate()`) and never closes. A call never waits on Redis for longer than
 * the store's `timeoutMs`, however long the connection takes or stays away: it rejects with
 * {@link StoreUnavailableError} instead, and nothing of it is left queued.
 */
import { ConfigurationError, MAX_TIMER_MS } from '@switchboard/core';
import type { Cluster, Redis, RedisOptions } from 'ioredis';
import { StoreUnavailableError } from './errors.js';
import { checkKey, checkWrite, type KeyValueStore } from './key-value-store.js';
import { type Connection, failFastConnection } from './redis-connection.js';

/** What a {@link RedisStore} takes: the Redis to keep entries in, under which prefix, and how long a call may take. */
export interface RedisStoreOptions {
  /**
   * The Redis to keep entries in: ioredis connection settings (host, port, password, tls, …;
   * Sentinel's `sentinels` and `name`), or an ioredis `Redis` or `Cluster` of yours. The store
   * makes its own connection from yours (`duplicate()`) and leaves yours open on close.
   */
  readonly redis: RedisOptions | Redis | Cluster;
  /**
   * Put before every key in Redis, to keep the store's keys apart from other data there. A hash
   * tag in it (`{…}`) would put every key in one Cluster slot: leave it out unless that is wanted.
   * @default `'switchboard:'`
   */
  readonly prefix?: string;
  /**
   * How long one call may take at most, waiting for a connection included, in milliseconds;
   * past it the call rejects with {@link StoreUnavailableError}.
   * @default `2_000`
   */
  readonly timeoutMs?: number;
}

/**
 * Resolves once `connection` is ready, or rejects when `signal` aborts first; leaves no listener
 * behind. A connection that is not ready refuses commands (it has no offline queue), so each call
 * waits here, within its timeout, rather than failing while the connection is still being made.
 */
function untilReady(connection: Connection, signal: AbortSignal): Promise<void> {
  if (connection.status === 'ready') return Promise.resolve();
  return new Promise((resolve, reject) => {
    const ready = (): void => {
      signal.removeEventListener('abort', abort);
      resolve();
    };
    const abort = (): void => {
      connection.off('ready', ready);
      reject(new Error('not ready in time'));
    };
    connection.once('ready', ready);
    signal.addEventListener('abort', abort, { once: true });
  });
}

/**
 * Why a command failed, in words that cannot carry a key or a value: the error code Redis answered
 * with (`READONLY`, `NOAUTH`, `OOM`, …), or the state of the connection. Never the library's
 * message or error as such: ioredis attaches the command's arguments to its errors.
 */
function failureOf(error: unknown): string {
  if (!(error instanceof Error)) return 'the connection is down';
  // By name: ioredis types its ReplyError class as `any`.
  if (error.name === 'ReplyError') return `Redis answered ${/^[A-Z][A-Z_-]*/.exec(error.message)?.[0] ?? 'with an error'}`;
  if (error.message === 'Command timed out') return 'no answer in time';
  return 'the connection is down';
}

/**
 * A {@link KeyValueStore} in Redis, shared by every process that uses the same Redis and prefix.
 * A call that Redis does not answer within `timeoutMs` (connecting included) rejects with
 * {@link StoreUnavailableError}; the store never leaves a rejection or an 'error' event unhandled.
 */
export class RedisStore implements KeyValueStore {
  /** Made by the store from the user's settings or connection: ours to close. */
  readonly #connection: Connection;
  readonly #prefix: string;
  readonly #timeoutMs: number;
  /** Calls under way: close() lets them finish (each within its timeout) before it disconnects. */
  readonly #pending = new Set<Promise<unknown>>();
  #closed = false;
  #closing: Promise<void> | undefined;

  /**
   * Connects to Redis in the background; the first calls wait for it, within their timeout.
   * @param options - the Redis, the prefix and the timeout.
   * @throws ConfigurationError (from `@switchboard/core`) when `prefix` is not a string or `timeoutMs` is not above 0 and at most `MAX_TIMER_MS`.
   */
  constructor(options: RedisStoreOptions) {
    const prefix: unknown = options.prefix ?? 'switchboard:';
    const timeoutMs: unknown = options.timeoutMs ?? 2_000;
    if (typeof prefix !== 'string') throw new ConfigurationError('RedisStore: prefix must be a string');
    if (typeof timeoutMs !== 'number' || !(timeoutMs > 0 && timeoutMs <= MAX_TIMER_MS))
      throw new ConfigurationError(`RedisStore: timeoutMs must be a number of milliseconds above 0 and at most ${MAX_TIMER_MS}`);
    this.#prefix = prefix;
    this.#timeoutMs = timeoutMs;
    // Each command is bounded by ioredis too, so that one the store gave up on does not linger in the connection.
    this.#connection = failFastConnection(options.redis, timeoutMs);
  }

  /**
   * The value under `key`, or `undefined` when there is none or it has expired (`GET`).
   * @param key - the key to read, without the prefix.
   */
  get(key: string): Promise<string | undefined> {
    return this.#serve(
      () => checkKey(key),
      'GET',
      async (redis) => (await redis.get(this.#prefix + key)) ?? undefined,
    );
  }

  /**
   * Stores `value` under `key` for `ttlMs`, replacing what was there and its expiry (`SET … PX`, the ttl rounded up to a whole millisecond).
   * @param key - the key to write, without the prefix.
   * @param value - the value to keep.
   * @param options - how long to keep it, in milliseconds.
   */
  set(key: string, value: string, options: { readonly ttlMs: number }): Promise<void> {
    return this.#serve(
      () => checkWrite(key, value, options),
      'SET',
      async (redis) => void (await redis.set(this.#prefix + key, value, 'PX', Math.ceil(options.ttlMs))),
    );
  }

  /**
   * Stores `value` under `key` for `ttlMs` when nothing is there (`SET … PX … NX`, atomic in Redis); whether it did.
   * @param key - the key to write, without the prefix.
   * @param value - the value to keep.
   * @param options - how long to keep it, in milliseconds.
   */
  add(key: string, value: string, options: { readonly ttlMs: number }): Promise<boolean> {
    return this.#serve(
      () => checkWrite(key, value, options),
      'SET',
      async (redis) => (await redis.set(this.#prefix + key, value, 'PX', Math.ceil(options.ttlMs), 'NX')) === 'OK',
    );
  }

  /**
   * Removes `key` (`DEL`); resolves as well when there was nothing under it.
   * @param key - the key to remove, without the prefix.
   */
  delete(key: string): Promise<void> {
    return this.#serve(
      () => checkKey(key),
      'DEL',
      async (redis) => void (await redis.del(this.#prefix + key)),
    );
  }

  /**
   * Lets the calls under way finish (each within its timeout), then closes the store's own
   * connection; a `Redis` or `Cluster` passed in stays open. Later calls reject with {@link StoreUnavailableError}.
   */
  close(): Promise<void> {
    this.#closing ??= this.#shutDown();
    return this.#closing;
  }

  async #shutDown(): Promise<void> {
    this.#closed = true;
    await Promise.allSettled(this.#pending);
    this.#connection.disconnect();
  }

  /** Checks the arguments, then runs the command within the timeout and keeps it among the calls under way until it settles. */
  #serve<T>(check: () => void, command: string, work: (redis: Connection) => Promise<T>): Promise<T> {
    // A throw in the executor is the rejection: bad arguments and a closed store reject, as every failure of a call does.
    const call = new Promise<void>((checked) => {
      check();
      if (this.#closed) throw new StoreUnavailableError('RedisStore: the store is closed');
      checked();
    }).then(() => this.#withinTimeout(command, work));
    this.#pending.add(call);
    const settled = (): void => void this.#pending.delete(call);
    void call.then(settled, settled);
    return call;
  }

  /** `work` on a ready connection, within the timeout; any failure becomes a {@link StoreUnavailableError} that says why. */
  async #withinTimeout<T>(command: string, work: (redis: Connection) => Promise<T>): Promise<T> {
    const expiry = new AbortController();
    const timedOut = new Promise<never>((_, reject) => {
      expiry.signal.addEventListener('abort', () => reject(new Error('Command timed out')), { once: true });
    });
    const timer = setTimeout(() => expiry.abort(), this.#timeoutMs);
    try {
      const answered = untilReady(this.#connection, expiry.signal).then(() => work(this.#connection));
      return await Promise.race([answered, timedOut]);
    } catch (error) {
      // Once the time is up, whatever failed first, the call failed for want of an answer.
      const why = expiry.signal.aborted ? `no answer within ${this.#timeoutMs} ms` : failureOf(error);
      throw new StoreUnavailableError(`RedisStore: ${command} failed: ${why}`);
    } finally {
      clearTimeout(timer);
    }
  }
}
