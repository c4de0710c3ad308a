/**
 * A fix, shipped in our own code, for bottleneck 2.19.5 losing its Redis keys on Redis 7.
 *
 * bottleneck's Lua scripts raise `SETTINGS_KEY_NOT_FOUND` (keys expired, flushed, or lost in a
 * restart or failover), `UNKNOWN_CLIENT` and `OVERWEIGHT`. Redis 7 delivers them prefixed,
 * `ERR SETTINGS_KEY_NOT_FOUND`, and `RedisDatastore.runScript` compares the whole message, so it
 * never re-creates its keys: every later `schedule()` fails (within 2 ms, measured with ioredis
 * 5.11 and Redis 7.0.15), and jobs already queued wait forever. Even with the prefix accepted
 * they would: the heartbeat swallows the same error instead of re-creating the keys, so the
 * `capacity` message they wait for never comes. (Keys expire after bottleneck's `timeout` without
 * a call, however long its heartbeat has gone on: the heartbeat does not refresh their TTL.)
 *
 * The fix replaces `runScript` on one limiter's datastore, never on bottleneck's prototype, which
 * other code in the user's process may rely on. It is written against 2.19.5's internals, so it
 * refuses any other version loudly: a silent no-op would bring the hang back. bottleneck has been
 * unmaintained since 2019; a new version is not expected, but a user's `overrides` can force one.
 */
import { ConfigurationError } from '@switchboard/core';
import Bottleneck from 'bottleneck';

/** The only bottleneck version whose internals this fix was written for and tested against. */
export const FIXED_BOTTLENECK_VERSION = '2.19.5';

type ScriptCallback = (error: unknown, replies: unknown) => void;

/** The parts of bottleneck 2.19.5's `RedisDatastore` the fix uses (lib/RedisDatastore.js). */
interface RedisDatastore {
  readonly ready: Promise<unknown>;
  readonly clientId: string;
  readonly originalId: string;
  readonly connection: {
    __scriptArgs__(name: string, id: string, args: readonly unknown[], callback: ScriptCallback): unknown[];
    __scriptFn__(name: string): (...args: unknown[]) => unknown;
  };
  readonly instance: {
    queued(): number;
    _drainAll(): Promise<unknown>;
    readonly Events: { trigger(event: string, ...args: unknown[]): unknown };
  };
  prepareInitSettings(clear: boolean): string[];
  runScript(name: string, args: readonly unknown[]): Promise<unknown>;
}

function isRedisDatastore(store: unknown): store is RedisDatastore {
  const candidate = store as Partial<RedisDatastore> | undefined;
  return (
    typeof candidate?.runScript === 'function' &&
    typeof candidate.prepareInitSettings === 'function' &&
    typeof candidate.connection?.__scriptArgs__ === 'function' &&
    typeof candidate.connection.__scriptFn__ === 'function' &&
    typeof candidate.instance?.queued === 'function' &&
    typeof candidate.instance._drainAll === 'function'
  );
}

/** The code a bottleneck script raised, whether Redis prefixed it with `ERR ` (Redis 7) or not (Redis 6). */
function scriptErrorCode(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return message.startsWith('ERR ') ? message.slice(4) : message;
}

/** One call of a bottleneck Lua script, as `RedisDatastore` makes it. */
function callScript(store: RedisDatastore, name: string, args: readonly unknown[]): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const all = [Date.now(), store.clientId, ...args];
    store.instance.Events.trigger('debug', `Calling Redis script: ${name}.lua`, all);
    const call = store.connection.__scriptArgs__(name, store.originalId, all, (error, replies) => {
      // ioredis hands a script's failure over as a ReplyError, an Error.
      if (error === null || error === undefined) resolve(replies);
      else reject(error instanceof Error ? error : new Error(`bottleneck script ${name} failed`));
    });
    store.connection.__scriptFn__(name)(...call);
  });
}

/** Keys lost: re-create them with this limiter's settings and register it again. */
async function recreateKeys(store: RedisDatastore): Promise<void> {
  await store.runScript('init', store.prepareInitSettings(false));
  await store.runScript('register_client', [store.instance.queued()]);
}

async function runScript(store: RedisDatastore, name: string, args: readonly unknown[]): Promise<unknown> {
  // `init` and `register_client` are how the datastore gets ready: they cannot wait for it.
  if (name !== 'init' && name !== 'register_client') await store.ready;
  try {
    return await callScript(store, name, args);
  } catch (error) {
    const code = scriptErrorCode(error);
    if (code === 'SETTINGS_KEY_NOT_FOUND') {
      if (name === 'heartbeat') {
        // Nothing queued: the next call's own script re-creates the keys. Jobs queued: no capacity
        // message will ever come for them, so re-create the keys now and let them run.
        if (store.instance.queued() > 0) {
          await recreateKeys(store);
          await store.instance._drainAll();
        }
        return undefined;
      }
      await store.runScript('init', store.prepareInitSettings(false));
      return store.runScript(name, args);
    }
    if (code === 'UNKNOWN_CLIENT') {
      await store.runScript('register_client', [store.instance.queued()]);
      return store.runScript(name, args);
    }
    // `__submit__` recognises OVERWEIGHT at the start of the message: give it the unprefixed code.
    if (code.startsWith('OVERWEIGHT') && error instanceof Error) error.message = code;
    throw error;
  }
}

/** Throws a `ConfigurationError` unless `version` is the bottleneck the fix was written for. Checked before any connection is opened. */
export function checkBottleneckVersion(version: string = (Bottleneck as unknown as { version: string }).version): void {
  if (version === FIXED_BOTTLENECK_VERSION) return;
  throw new ConfigurationError(
    `RedisLimiter needs bottleneck ${FIXED_BOTTLENECK_VERSION}, found ${version}: it carries a fix for ${FIXED_BOTTLENECK_VERSION}'s loss of its Redis keys on Redis 7 that cannot be vouched for on another version. Remove any override of bottleneck's version.`,
  );
}

/**
 * Makes a clustered (ioredis) bottleneck limiter recover from lost keys. Throws a
 * `ConfigurationError` (and disconnects the limiter) when its datastore is not shaped as 2.19.5's.
 */
export function fixKeyLoss(limiter: Bottleneck): void {
  const store: unknown = (limiter as unknown as { _store?: unknown })._store;
  if (!isRedisDatastore(store)) {
    limiter.disconnect(false).catch(() => undefined);
    throw new ConfigurationError('RedisLimiter: bottleneck has no Redis datastore of the shape its key-loss fix was written for');
  }
  store.runScript = (name, args) => runScript(store, name, args);
}
