/**
 * A guest session's record in the client's store (`WebMessagingAPI`'s `sessionStore`): its token
 * (the session's identity) and the last message handed to the application, under a key of the
 * application's own (a customer id, say). Another process of the fleet, or this one after a
 * restart, resumes the conversation from it: the same session, and only the messages after that
 * one, so that none is lost and none delivered twice across the hand-over.
 *
 * The store's key is the deployment and a digest of the application's key: neither a customer id
 * nor a token is ever a key in the store. The record holds the token: a store shared by the fleet
 * (Redis) must be one the application trusts with its guests' sessions.
 */
import type { KeyValueStore } from '@switchboard/middleware';
import { digest } from './digest.js';

/** What the store keeps of a session. */
export interface SessionRecord {
  /** The session's token. */
  readonly token: string;
  /** The last message handed to the application, by id. */
  readonly after?: string;
}

/** How long a record is kept after its last change, unless the options say otherwise: 3 days, past a Genesys session's longest life. */
export const DEFAULT_RECORD_TTL_MS = 3 * 24 * 60 * 60 * 1_000;

/** The store's key of the session the application calls `key`, in `deploymentId`. */
export function recordKey(deploymentId: string, key: string): string {
  return `webmessaging:${deploymentId}:${digest(key)}`;
}

/** The record under `storeKey`, or undefined (none, or one that is not a record: it is then replaced). */
export async function readRecord(store: KeyValueStore, storeKey: string): Promise<SessionRecord | undefined> {
  const text = await store.get(storeKey);
  if (text === undefined) return undefined;
  try {
    const { token, after } = JSON.parse(text) as Partial<Record<keyof SessionRecord, unknown>>;
    if (typeof token !== 'string' || token.length === 0) return undefined;
    return typeof after === 'string' ? { token, after } : { token };
  } catch {
    return undefined;
  }
}

/**
 * The record of one running session: created once (of two processes starting the same key at
 * once, one creates it and both use it), then moved on as messages are handed to the
 * application. Writes go one at a time, the latest winning; a write that fails is tried again
 * with the next message, and `failed` is told (the session goes on: the store is for the next
 * process, not this one).
 */
export class SessionCursor {
  readonly #store: KeyValueStore;
  readonly #storeKey: string;
  readonly #ttlMs: number;
  readonly #failed: (error: unknown) => void;
  #record: SessionRecord;
  #written: string | undefined;
  #writing: Promise<void> | undefined;

  private constructor(store: KeyValueStore, storeKey: string, record: SessionRecord, ttlMs: number, failed: (error: unknown) => void) {
    this.#store = store;
    this.#storeKey = storeKey;
    this.#record = record;
    this.#written = record.after;
    this.#ttlMs = ttlMs;
    this.#failed = failed;
  }

  /**
   * The record of `key`: the one stored, or a new one with `token` (made by the caller) when there is none.
   * @param failed - told when a later write fails.
   */
  static async open(
    store: KeyValueStore,
    storeKey: string,
    token: () => string,
    ttlMs: number,
    failed: (error: unknown) => void,
  ): Promise<SessionCursor> {
    for (let attempt = 0; attempt < 3; attempt++) {
      const stored = await readRecord(store, storeKey);
      if (stored) return new SessionCursor(store, storeKey, stored, ttlMs, failed);
      const fresh: SessionRecord = { token: token() };
      // Added, not set: another process starting the same key now makes the same session, not a second one.
      if (await store.add(storeKey, JSON.stringify(fresh), { ttlMs })) return new SessionCursor(store, storeKey, fresh, ttlMs, failed);
    }
    // Added by another and gone again three times (deleted or expired at once): this one is written over it.
    const fresh: SessionRecord = { token: token() };
    await store.set(storeKey, JSON.stringify(fresh), { ttlMs });
    return new SessionCursor(store, storeKey, fresh, ttlMs, failed);
  }

  /** The session's token. */
  get token(): string {
    return this.#record.token;
  }

  /** The last message handed to the application before this process (or since), by id. */
  get after(): string | undefined {
    return this.#record.after;
  }

  /** A message was handed to the application: the record moves on to it. */
  advance(messageId: string): void {
    this.#record = { token: this.#record.token, after: messageId };
    this.#writing ??= this.#write();
  }

  /** Resolves once the record holds the last message handed over (or its write failed). */
  async flush(): Promise<void> {
    while (this.#writing) await this.#writing;
  }

  /** Writes until the record stored is the latest: one write at a time, each of the latest record. */
  async #write(): Promise<void> {
    try {
      while (this.#written !== this.#record.after) {
        const record = this.#record;
        await this.#store.set(this.#storeKey, JSON.stringify(record), { ttlMs: this.#ttlMs });
        this.#written = record.after;
      }
    } catch (error) {
      this.#failed(error);
    } finally {
      this.#writing = undefined;
    }
  }
}
