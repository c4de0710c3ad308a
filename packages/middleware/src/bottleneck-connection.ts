/**
 * No rejection left unhandled on the Redis connection a clustered bottleneck limiter uses.
 *
 * A rejection nobody handles ends a Node process by default (and fails a test run). Two promises on
 * that connection can fail with nobody to handle them, both with ioredis' "Connection is closed."
 * when the limiter closes at the wrong moment:
 *
 * - ioredis 5 subscribes a connection that comes back after a loss to its channels again, and drops
 *   the promise of that SUBSCRIBE (lib/redis/event_handler.js, `readyHandler`). bottleneck's
 *   subscriber comes back after every outage of Redis, a restart say. Closed while the answer to
 *   its ready check (INFO) is on its way, it still becomes ready on that answer, queues the
 *   SUBSCRIBE on a socket no longer writable, and its close fails it. The close comes a moment
 *   after the limiter's close() has resolved: nothing of the limiter is left to see it.
 * - bottleneck 2.19.5 chains its datastore's setup (its first scripts, `init` and
 *   `register_client`) into the datastore's `ready` (lib/RedisDatastore.js, constructor), which only
 *   a caller of `ready()` waits for. A limiter closed while that setup runs fails it.
 *
 * Each such promise gets a handler that does nothing: whoever else waits for it still sees it fail.
 * Like the other fixes, this changes one limiter's own objects, never a prototype.
 */
import type Bottleneck from 'bottleneck';

/**
 * The commands ioredis sends on its own, dropping their promises, when a connection comes back:
 * the subscriptions it had, and its database (lib/redis/event_handler.js, `readyHandler`).
 */
const SENT_AGAIN_ON_RECONNECT = ['subscribe', 'psubscribe', 'ssubscribe', 'select'] as const;

const ignore = (): void => undefined;

/** Gives every promise that `client`'s {@link SENT_AGAIN_ON_RECONNECT} commands return a handler. */
function handleResent(client: unknown): void {
  if (typeof client !== 'object' || client === null) return;
  const commands = client as Record<string, unknown>;
  for (const name of SENT_AGAIN_ON_RECONNECT) {
    const send = commands[name];
    if (typeof send !== 'function') continue;
    commands[name] = function (this: unknown, ...args: unknown[]): unknown {
      const sent: unknown = Reflect.apply(send, this, args);
      // The same promise goes back to the caller: one that holds it still sees it fail.
      if (typeof (sent as Partial<Promise<unknown>> | null)?.catch === 'function') (sent as Promise<unknown>).catch(ignore);
      return sent;
    };
  }
}

/**
 * Makes sure no promise of `limiter`'s datastore or of its `connection`'s clients (which must be
 * ours: they are changed) fails with nobody to handle it. Call it before either can connect.
 * @param limiter - a clustered bottleneck limiter on `connection`.
 * @param connection - the connection `limiter` was made with.
 */
export function handleDroppedRejections(limiter: Bottleneck, connection: Bottleneck.IORedisConnection): void {
  limiter.ready().catch(ignore);
  const { client, subscriber } = connection as unknown as { readonly client?: unknown; readonly subscriber?: unknown };
  handleResent(client);
  handleResent(subscriber);
}
