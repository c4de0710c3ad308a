/**
 * The bottleneck limiter a RedisLimiter keeps its shared state in: clustered through the user's
 * Redis with ioredis, on a connection of its own, with our fixes for bottleneck 2.19.5 applied.
 */
import Bottleneck from 'bottleneck';
import { type Cluster, Redis } from 'ioredis';
import { handleDroppedRejections } from './bottleneck-connection.js';
import { checkBottleneckVersion, fixKeyLoss } from './bottleneck-key-loss.js';
import { bottleneckSettings, type LocalLimiterOptions } from './local-limiter.js';
import { type Connection, isConnection, type RedisSetting } from './redis-connection.js';

/** What the clustered bottleneck is made from: the limit, and the id and Redis it is shared by, with defaults applied. */
export interface ClusteredBottleneckOptions extends LocalLimiterOptions {
  /** Shared by all processes that share the budget. */
  readonly id: string;
  /** The user's Redis: settings, or a connection of theirs that is copied, never used itself. */
  readonly redis: RedisSetting;
  /** bottleneck's `heartbeatInterval`: how often the shared state is refreshed. */
  readonly heartbeatIntervalMs: number;
  /** bottleneck's `timeout`: Redis keys expire after this long without use. */
  readonly keyTtlMs: number;
}

/** The clustered bottleneck, with what the limiter needs to know of it. */
export interface ClusteredBottleneck {
  readonly bottleneck: Bottleneck;
  /** bottleneck's connection (two clients: commands and pub/sub), made by us from the user's Redis: ours to close. */
  readonly connection: Bottleneck.IORedisConnection;
  /** The hash tag every key of the id carries, so that all of them land in one Cluster slot. */
  readonly tag: string;
  /** bottleneck's hash of the id's settings and reservoir. */
  readonly settingsKey: string;
}

/**
 * A connection of our own, made from the user's settings or connection. bottleneck waits for it
 * to be ready without connecting it, so never lazy.
 */
function ownConnection(redis: RedisSetting): Connection {
  if (!isConnection(redis)) return new Redis({ ...redis, lazyConnect: false });
  return redis.isCluster ? (redis as Cluster).duplicate([], { lazyConnect: false }) : (redis as Redis).duplicate({ lazyConnect: false });
}

/**
 * Makes the clustered bottleneck. Throws a `ConfigurationError`, before any connection is opened,
 * on a bottleneck other than the one our fixes were written for or on a limit or interval not
 * above 0; and (closing what it opened) when bottleneck's datastore is not the one they fit.
 */
export function clusteredBottleneck(options: ClusteredBottleneckOptions): ClusteredBottleneck {
  checkBottleneckVersion();
  const settings = bottleneckSettings(options);
  // The ioredis the user installed (an optional peer dependency), not one bottleneck looks up itself.
  const connection = new Bottleneck.IORedisConnection({ Redis, client: ownConnection(options.redis) });
  // A hash tag: every key of the id in one Cluster slot (bottleneck's scripts take several keys).
  const tag = `{switchboard:${options.id}}`;
  const bottleneck = new Bottleneck({
    ...settings,
    id: tag,
    datastore: 'ioredis',
    connection,
    clearDatastore: false,
    timeout: options.keyTtlMs,
    heartbeatInterval: options.heartbeatIntervalMs,
  });
  // ioredis subscribes a subscriber that comes back again, and bottleneck gets its datastore
  // ready, each in a promise nobody holds: one that fails as the limiter closes ("Connection is
  // closed.") would be an unhandled rejection, which ends a Node process by default.
  handleDroppedRejections(bottleneck, connection);
  try {
    fixKeyLoss(bottleneck);
  } catch (error) {
    void connection.disconnect(false);
    throw error;
  }
  return { bottleneck, connection, tag, settingsKey: `b_${tag}_settings` };
}
