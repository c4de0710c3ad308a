/**
 * A Limiter shared through Redis by every process that uses the same `id` (one per org or OAuth
 * client), on bottleneck's clustering with ioredis: one budget, one concurrency count, a 429 seen
 * by any of them pauses all of them, and while the server's window runs low all of them take their
 * start slots from one sequence kept in Redis. The reservoir refills on bottleneck's heartbeat,
 * set to 250 ms so that refills come on time.
 *
 * Redis is the user's: connection settings (a single server, or Sentinel's `sentinels` and `name`),
 * or an ioredis `Redis` or `Cluster` they already made, which the limiter copies (`duplicate()`)
 * and never closes. All keys of one id carry one hash tag, `{switchboard:<id>}`, so that in a
 * Cluster they land in one slot, as bottleneck's multi-key scripts need.
 *
 * While Redis cannot be reached (at start or later) calls go to a local limiter with a fraction of
 * the budget, conservative by default, and calls already queued move there too; the limiter says
 * so once per outage, and goes back to the shared budget when Redis answers again.
 */
import type Bottleneck from 'bottleneck';
import type { Cluster, Redis, RedisOptions } from 'ioredis';
import { answeredWithin } from './answered-within.js';
import { BottleneckLimiter } from './bottleneck-limiter.js';
import { clusteredBottleneck } from './clustered-bottleneck.js';
import type { Limiter, ServerWindow } from './limiter.js';
import { ATTR_LIMITER_ID, ATTR_LIMITER_KIND } from './limiter-metrics.js';
import { LocalLimiter, type LocalLimiterOptions } from './local-limiter.js';
import { RedisHealthCheck } from './redis-health-check.js';
import { RedisLimiterStatus } from './redis-limiter-state.js';

/** What a {@link RedisLimiter} takes: the {@link @switchboard/middleware!index.LocalLimiterOptions | LocalLimiterOptions}, and where and how to share them. */
export interface RedisLimiterOptions extends LocalLimiterOptions {
  /** Shared by all processes that share the budget: one per org or OAuth client. */
  readonly id: string;
  /**
   * The Redis to share it through: ioredis connection settings (host, port, password, tls, …;
   * Sentinel's `sentinels` and `name`), or an ioredis `Redis` or `Cluster` of yours. The limiter
   * makes its own connections from yours (`duplicate()`) and leaves yours open on close.
   */
  readonly redis: RedisOptions | Redis | Cluster;
  /**
   * How often the shared state is refreshed (reservoir refills happen then). Default 250 ms.
   * @default `250`
   */
  readonly heartbeatIntervalMs?: number;
  /**
   * Redis keys expire after this long without use. Default 10 minutes: well above any refill interval or queue wait.
   * @default `600_000` (10 minutes)
   */
  readonly keyTtlMs?: number;
  /**
   * Share of the budget this process uses on its own while Redis is unreachable. Default 0.25.
   * @default `0.25`
   */
  readonly fallbackFraction?: number;
  /**
   * Told when the limiter falls back to its local budget (true) and returns to the shared one (false). Default: a process warning when it falls back.
   * @default a process warning (code `SWITCHBOARD_LIMITER_FALLBACK`) when it falls back, nothing when it returns
   */
  readonly onFallback?: (active: boolean) => void;
}

/** Messages between the processes of one id, on bottleneck's channel for it. */
const PAUSE = 'switchboard:pause-until:';
const SPACING = 'switchboard:spacing:';
/** How long stop() and disconnect() may take against a Redis that does not answer. */
const CLOSE_TIMEOUT_MS = 2_000;

/**
 * A start for the id when one is due, on Redis' clock (hosts' clocks differ): 0 and the next is
 * due `ARGV[1]` ms from now; or the ms until the next is due, taking nothing. The key lives as
 * long as the spacing (`ARGV[2]` ms).
 */
const TAKE_START = `
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
local due = tonumber(redis.call('GET', KEYS[1]) or '0')
if now < due then return due - now end
redis.call('SET', KEYS[1], now + tonumber(ARGV[1]), 'PX', math.max(1, math.floor(tonumber(ARGV[2]))))
return 0
`;

/**
 * Gives one unit back to bottleneck's reservoir of the id (`KEYS[1]`, its settings hash) unless it
 * already holds `ARGV[1]`, the limit: 1 when it did, 0 when not (or when the keys are gone).
 */
const GIVE_BACK = `
local reservoir = tonumber(redis.call('HGET', KEYS[1], 'reservoir'))
if reservoir == nil or reservoir >= tonumber(ARGV[1]) then return 0 end
redis.call('HINCRBY', KEYS[1], 'reservoir', 1)
return 1
`;

/**
 * Moves the next refill of bottleneck's reservoir of the id (`KEYS[1]`, its settings hash) to the
 * server's reset, `ARGV[1]` (epoch ms), when the refill is due before it by less than one interval:
 * 1 when it moved, 0 when not (or when the keys are gone). Never earlier: a refill inside the
 * server's window lets every call that waited for it go at once, in every process, into a window
 * with little left. The times are on the hosts' clocks, as bottleneck's own: its scripts take
 * `now` from the calling process (`Date.now()`, refs.lua), not from Redis.
 */
const REFILL_AT_RESET = `
local settings = redis.call('HMGET', KEYS[1], 'lastReservoirRefresh', 'reservoirRefreshInterval')
local last = tonumber(settings[1])
local interval = tonumber(settings[2])
if last == nil or interval == nil then return 0 end
local resetAt = tonumber(ARGV[1])
local due = last + interval
if due >= resetAt or resetAt - due >= interval then return 0 end
redis.call('HSET', KEYS[1], 'lastReservoirRefresh', resetAt - interval, 'switchboardIntervalPlaced', resetAt - interval)
return 1
`;

/**
 * Begins the reservoir's interval of the id (`KEYS[1]`, its settings hash) now, `ARGV[1]` (epoch
 * ms), unless a call already began it: 1 when it did, 0 when not (or when the keys are gone). A
 * server's window begins at a request; the reservoir's interval began when it was made, or at its
 * last refill, however long before its first call that was. Never earlier than it began.
 */
const INTERVAL_AT_FIRST_USE = `
local settings = redis.call('HMGET', KEYS[1], 'lastReservoirRefresh', 'switchboardIntervalPlaced')
local last = tonumber(settings[1])
local now = tonumber(ARGV[1])
if last == nil or settings[2] == settings[1] or now <= last then return 0 end
redis.call('HSET', KEYS[1], 'lastReservoirRefresh', now, 'switchboardIntervalPlaced', now)
return 1
`;

/** `fallbackFraction` of `count`, at least 1: what one process uses on its own while Redis is unreachable. */
const fallbackShare = (count: number, options: RedisLimiterOptions): number =>
  Math.max(1, Math.floor(count * (options.fallbackFraction ?? 0.25)));

/** The local limiter that serves while Redis is unreachable: `fallbackFraction` of the budget, told apart in the metrics. */
function localFallback(options: RedisLimiterOptions): LocalLimiter {
  const { metrics } = options;
  return new LocalLimiter({
    ...options,
    limit: fallbackShare(options.limit, options),
    // Each process on its fallback runs this many at once; calls granted by the shared budget before the outage are not counted.
    ...(options.maxConcurrent === undefined ? {} : { maxConcurrent: fallbackShare(options.maxConcurrent, options) }),
    metrics:
      metrics === false
        ? false
        : { ...metrics, attributes: { ...metrics?.attributes, [ATTR_LIMITER_KIND]: 'fallback', [ATTR_LIMITER_ID]: options.id } },
  });
}

/** The default `onFallback`: a process warning when the limiter falls back, nothing when it returns. */
function warnOnFallback(options: RedisLimiterOptions): (active: boolean) => void {
  const limitText = `${fallbackShare(options.limit, options)} per ${options.intervalMs} ms`;
  return (active) => {
    if (active)
      process.emitWarning(`rate limiter ${options.id}: Redis is unreachable; using a local limit of ${limitText} until it answers`, {
        code: 'SWITCHBOARD_LIMITER_FALLBACK',
      });
  };
}

/**
 * A Limiter shared through Redis by every process that uses the same `id` (one per org or OAuth
 * client), on bottleneck's clustering with ioredis: one budget, one concurrency count, a 429 seen by
 * any of them pauses all of them, and a window running low spaces the starts of all of them. While
 * Redis cannot be reached, calls (queued ones included) go to a local limiter with
 * `fallbackFraction` of the budget, until Redis answers again.
 */
export class RedisLimiter extends BottleneckLimiter {
  readonly #local: LocalLimiter;
  /** bottleneck's connection (two clients: commands and pub/sub), made by us from the user's Redis: ours to close. */
  readonly #connection: Bottleneck.IORedisConnection;
  /** The key of the time the next start is due; in the id's hash slot, like bottleneck's keys. */
  readonly #startKey: string;
  /** bottleneck's hash of the id's settings and reservoir. */
  readonly #settingsKey: string;
  /** The server's reset (epoch ms) the reservoir's refill was last moved to, by this process. */
  #refillAlignedTo = 0;
  /** When this process last granted a call (epoch ms). */
  #lastGrantAt = Number.NEGATIVE_INFINITY;
  readonly #intervalMs: number;
  /** Where calls go (the shared budget or the local fallback) and what the user has been told. */
  readonly #status: RedisLimiterStatus;
  readonly #health: RedisHealthCheck;

  /**
   * Connects to Redis in the background; {@link RedisLimiter.ready} waits for it.
   * @param options - the shared limit, the Redis to share it through and the fallback settings.
   * @throws ConfigurationError when `limit` or `intervalMs` is not above 0.
   */
  constructor(options: RedisLimiterOptions) {
    const shared = clusteredBottleneck({
      ...options,
      heartbeatIntervalMs: options.heartbeatIntervalMs ?? 250,
      keyTtlMs: options.keyTtlMs ?? 600_000,
    });
    super(shared.bottleneck, options, { [ATTR_LIMITER_KIND]: 'redis', [ATTR_LIMITER_ID]: options.id });
    this.#connection = shared.connection;
    this.#startKey = `b_${shared.tag}_next_start`;
    this.#settingsKey = shared.settingsKey;
    this.#intervalMs = options.intervalMs;
    this.#local = localFallback(options);
    this.#listenToBottleneck();
    this.#status = new RedisLimiterStatus({
      onFallback: options.onFallback ?? warnOnFallback(options),
      moveQueued: () => this.moveQueued(this.#local),
    });
    this.#health = new RedisHealthCheck(options.redis, this.#settingsKey, this.#status);
  }

  #listenToBottleneck(): void {
    this.bottleneck.on('message', (message: string) => this.#heard(message));
    // The datastore's errors (Redis down, keys lost) show up as the health check's findings.
    this.bottleneck.on('error', () => undefined);
  }

  /** A message from another process of the id: a pause after its 429, or the spacing its window calls for. */
  #heard(message: string): void {
    if (message.startsWith(PAUSE)) {
      const until = Number(message.slice(PAUSE.length));
      super.pauseUntil(until);
      this.#local.pauseUntil(until);
    } else if (message.startsWith(SPACING)) {
      const [spacingMs, untilMs] = message.slice(SPACING.length).split(':').map(Number) as [number, number];
      // The longer spacing wins until its window resets: each process may have seen a slightly
      // older window. (Only the shared budget: messages come while Redis answers, when the local
      // one serves nobody.)
      this.spaceStarts(spacingMs, untilMs);
    }
  }

  protected override fallback(): Limiter | undefined {
    return this.#status.shared ? undefined : this.#local;
  }

  /**
   * A call whose turn the store failed goes to the local limit, even while the health check has
   * not called it an outage yet (it reads twice before it does): the failure is news of one, and
   * the call was not sent, so it cannot run twice.
   */
  protected override afterStoreFailure(): Limiter {
    return this.#local;
  }

  protected override usesFallback(): boolean {
    return !this.#status.shared;
  }

  /** Gives a unit back in one step in Redis, unless the reservoir is full (a refill came in between), then lets bottleneck run what waits for it in every process. */
  protected override async giveBack(): Promise<void> {
    if (!this.#status.shared) return super.giveBack();
    const given = await this.#health.connection.eval(GIVE_BACK, 1, this.#settingsKey, this.limit);
    // An increment of 0 refreshes the reservoir and tells every process of the id there is capacity.
    if (Number(given) === 1) await this.bottleneck.incrementReservoir(0);
  }

  /** Spaces against the last start of every process of the id; against this process's own when Redis does not answer. */
  protected override takeStart(): Promise<number> {
    const { spacingMs, untilMs } = this.startSpacing;
    if (!this.#status.shared || spacingMs === 0) return super.takeStart();
    return this.#health.connection.eval(TAKE_START, 1, this.#startKey, spacingMs, untilMs - Date.now() + spacingMs).then(
      (waitMs) => Math.max(0, Number(waitMs)),
      () => super.takeStart(),
    );
  }

  /**
   * Resolves once Redis has answered and the shared state is reachable, or after `timeoutMs` (then the local fallback serves).
   * @param timeoutMs - how long to wait at most, in milliseconds; 5 000 by default.
   */
  async ready(timeoutMs = 5_000): Promise<void> {
    await answeredWithin(
      timeoutMs,
      this.#health.firstReady.then(() => this.bottleneck.ready()),
    );
  }

  /** Holds every call until `untilMs` (epoch ms), in every process that shares the limiter. */
  override pauseUntil(untilMs: number): void {
    if (untilMs <= this.pausedUntil) return;
    super.pauseUntil(untilMs);
    this.#local.pauseUntil(untilMs);
    if (this.#status.shared) this.bottleneck.publish(`${PAUSE}${untilMs}`).catch(() => undefined);
  }

  /** Slows down on the server's window, as LocalLimiter does, for the shared and the local budget; a spacing that begins or grows is told to every process of the id. */
  override reportWindow(window: ServerWindow): void {
    const before = this.startSpacing.spacingMs;
    super.reportWindow(window);
    this.#local.reportWindow(window);
    this.#refillAtReset(window);
    const { spacingMs, untilMs: until } = this.startSpacing;
    // Told when it begins or grows by a fifth or more, not on every response: enough for the processes whose view is older.
    if (this.#status.shared && spacingMs > 0 && spacingMs >= before * 1.2)
      this.bottleneck.publish(`${SPACING}${spacingMs}:${until}`).catch(() => undefined);
  }

  /**
   * A process's first call, or its first after a whole interval without one, begins the
   * reservoir's interval, unless a call of the interval already did: the reservoir was made, or
   * last refilled, when the processes started, and its refill would otherwise come inside the
   * server's first window, before any answer of it could move the refill ({@link RedisLimiter.reportWindow}).
   * Later calls cost nothing: the processes' traffic keeps the intervals placed.
   */
  protected override granting(): void {
    const now = Date.now();
    const quiet = now - this.#lastGrantAt >= this.#intervalMs;
    this.#lastGrantAt = now;
    if (quiet && this.#status.shared) this.#health.connection.eval(INTERVAL_AT_FIRST_USE, 1, this.#settingsKey, now).catch(() => undefined);
  }

  /**
   * Keeps the shared reservoir's refills with the server's windows: the reservoir refills
   * `intervalMs` after it was made, then after each refill, while the server's window begins when
   * the server says (the emulator's, at the first request after the last one ended), so a refill
   * can come inside a server window. Once per server window, on the first answer of it
   * that this process sees: its reset is then known best, since the server rounds it up to whole
   * seconds, and a later answer's rounding would move the refill further than it needs.
   */
  #refillAtReset({ allowed, resetMs }: ServerWindow): void {
    if (!this.#status.shared || !(allowed > 0) || !(resetMs > 0)) return;
    const resetAt = Date.now() + resetMs;
    // The same window, as far as whole seconds tell.
    if (Math.abs(resetAt - this.#refillAlignedTo) < 1_000) return;
    this.#refillAlignedTo = resetAt;
    this.#health.connection.eval(REFILL_AT_RESET, 1, this.#settingsKey, resetAt).catch(() => undefined);
  }

  /** Closes the shared limiter, then the local fallback, then the connections it made; a Redis or Cluster passed in stays open. */
  override async close(options: Parameters<BottleneckLimiter['close']>[0] = {}): Promise<void> {
    this.#status.closing();
    await super.close(options);
    // From here on our own disconnect is no outage.
    this.#status.disconnecting();
    this.#health.stop();
    await this.#local.close(options);
    this.#health.disconnect();
  }

  /** Stops bottleneck, giving up after 2 s against a Redis that does not answer. */
  protected override async stopBottleneck(): Promise<void> {
    await answeredWithin(CLOSE_TIMEOUT_MS, super.stopBottleneck());
  }

  /** Disconnects from Redis, without flushing when Redis is unreachable; gives up after 2 s. */
  protected override async disconnectBottleneck(): Promise<void> {
    // bottleneck 2.19.5 unsubscribes a limiter from a connection it was given in a forEach of async
    // functions (IORedisConnection.__removeLimiter__), whose promises it drops: an UNSUBSCRIBE that
    // fails, as a command queued on a connection closed under it does ("Connection is closed."),
    // is an unhandled rejection, which ends a Node process by default. The connection is ours and
    // is closed next, so there is nothing to unsubscribe from: marked terminated (what its own
    // disconnect() does), it sends none.
    (this.#connection as unknown as { terminated: boolean }).terminated = true;
    // Without Redis, flushing would wait for it: drop the connection instead.
    const flush = this.#status.shared;
    await answeredWithin(CLOSE_TIMEOUT_MS, this.bottleneck.disconnect(flush));
    // A connection passed to bottleneck is not closed by it: it is ours (made from the user's), so we close it.
    await answeredWithin(CLOSE_TIMEOUT_MS, this.#connection.disconnect(flush));
    // A flush that did not finish in time (Redis went away meanwhile) must not leave a client reconnecting.
    if (flush) await this.#connection.disconnect(false);
  }
}
