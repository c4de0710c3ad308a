/**
 * Connections of our own to the user's Redis, for the parts of the middleware that use it (the
 * Redis limiter, the Redis store). The user gives connection settings or an ioredis `Redis` or
 * `Cluster` of theirs; we make our own connection from either, which is ours to close, and never
 * close theirs.
 */
import { type Cluster, Redis, type RedisOptions } from 'ioredis';

/** What a user gives to reach Redis: ioredis connection settings (Sentinel's included), or a `Redis` or `Cluster` of theirs. */
export type RedisSetting = RedisOptions | Redis | Cluster;

/** An ioredis connection: to one server (directly or through Sentinel), or to a Cluster. */
export type Connection = Redis | Cluster;

/**
 * Whether the user gave a connection of theirs rather than settings.
 * @param redis - what the user gave.
 */
export function isConnection(redis: RedisSetting): redis is Connection {
  return typeof (redis as Partial<Connection>).duplicate === 'function';
}

/** Reconnects soon after a loss, and at least once a second while Redis stays away. */
const retryStrategy = (times: number): number => Math.min(times * 100, 1_000);

/**
 * A connection of the caller's own, made from the user's settings or connection, on which a
 * command fails while Redis does not answer instead of waiting for it: it is not retried, it has
 * `commandTimeoutMs` to be answered, and (for a single server) it is refused at once while the
 * connection is down rather than queued. The connection connects at once and reconnects on its own.
 *
 * It has an 'error' listener: connection failures show as commands that fail, and without one
 * ioredis prints each failure to the console.
 * @param redis - the user's settings or connection.
 * @param commandTimeoutMs - how long a command may go unanswered before it fails.
 */
export function failFastConnection(redis: RedisSetting, commandTimeoutMs: number): Connection {
  const perCommand = { maxRetriesPerRequest: 0, commandTimeout: commandTimeoutMs };
  const failFast = { ...perCommand, enableOfflineQueue: false, lazyConnect: false };
  let connection: Connection;
  if (!isConnection(redis)) connection = new Redis({ ...redis, ...failFast, retryStrategy });
  else if (!redis.isCluster) connection = (redis as Redis).duplicate({ ...failFast, retryStrategy });
  else {
    const cluster = redis as Cluster;
    connection = cluster.duplicate([], {
      enableOfflineQueue: false,
      lazyConnect: false,
      clusterRetryStrategy: retryStrategy,
      // A Cluster takes the offline queue setting for itself, and the per-command ones for its nodes.
      redisOptions: { ...cluster.options.redisOptions, ...perCommand },
    });
  }
  connection.on('error', () => undefined);
  return connection;
}
