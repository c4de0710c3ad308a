/**
 * Whether the Redis a RedisLimiter shares its budget through answers, told as it changes. It runs
 * on a small connection of its own, not bottleneck's: bottleneck's waits for Redis, this one
 * fails at once while Redis does not answer, so an outage shows at once.
 */
import { answeredWithin } from './answered-within.js';
import { type Connection, failFastConnection, type RedisSetting } from './redis-connection.js';

/** How often the id's key is read. */
const CHECK_INTERVAL_MS = 1_000;
/** How long the health check waits for Redis before it calls it an outage. */
const HEALTH_TIMEOUT_MS = 1_000;
/** How long one command of the health connection may go unanswered: an outage shows at once. */
const HEALTH_COMMAND_TIMEOUT_MS = 500;

/** Who is told what the health check finds. */
export interface HealthListener {
  redisAnswered(): void;
  redisLost(): void;
}

/** A connection that says whether Redis answers: ready, closed, and a read of the id's key each second. */
export class RedisHealthCheck {
  /**
   * The health connection. The limiter's own scripts run on it too: they must fail at once
   * rather than wait for a Redis that does not answer.
   */
  readonly connection: Connection;
  /** Resolves once the connection has been ready, the first time. */
  readonly firstReady: Promise<void>;
  readonly #timer: ReturnType<typeof setInterval>;

  /**
   * Connects in the background and starts checking.
   * @param redis - the user's settings or connection (copied, never used itself).
   * @param key - a key of the id, which lives in the id's hash slot.
   * @param listener - told when Redis answers and when it stops answering.
   */
  constructor(redis: RedisSetting, key: string, listener: HealthListener) {
    this.connection = failFastConnection(redis, HEALTH_COMMAND_TIMEOUT_MS);
    let firstReady = (): void => undefined;
    this.firstReady = new Promise((resolve) => (firstReady = resolve));
    this.connection.on('ready', () => {
      firstReady();
      listener.redisAnswered();
    });
    this.connection.on('close', () => listener.redisLost());
    // A Redis that stops answering can keep its sockets open, and in a Cluster the node that holds
    // the id's slot can die while the others answer: a read of the id's own key each second, with
    // a bound of its own, finds either out. (A PING would go to any node of a Cluster.)
    this.#timer = setInterval(() => this.#check(key, listener), CHECK_INTERVAL_MS);
    this.#timer.unref();
  }

  #check(key: string, listener: HealthListener): void {
    // Not ready: the connection's own 'ready' and 'close' say all there is to say.
    if (this.connection.status !== 'ready') return;
    // A read that goes unanswered is read again before it counts as an outage. When this process
    // stalls (a long GC pause, a CPU-bound stretch, a starved machine), Node runs the read's
    // expired timer before it reads the answer waiting in the socket: one unanswered read says as
    // much about this process as about Redis, and calling it an outage would move this process to
    // its fallback share beside the others' shared budget, over the org's limit. A Redis that is
    // really gone fails the second read too, one command timeout later.
    void this.#read(key)
      .then((answered) => answered || this.#read(key))
      .then((answered) => (answered ? listener.redisAnswered() : listener.redisLost()));
  }

  #read(key: string): Promise<boolean> {
    return answeredWithin(HEALTH_TIMEOUT_MS, this.connection.exists(key));
  }

  /** Stops the reads of the key; the connection stays open until {@link RedisHealthCheck.disconnect}. */
  stop(): void {
    clearInterval(this.#timer);
  }

  /** Closes the connection; it does not come back. */
  disconnect(): void {
    this.connection.disconnect();
  }
}
