/**
 * A Limiter shared through Redis by every process that uses the same `id` (one per org or OAuth
 * client), on bottleneck's clustering with ioredis: one budget, one concurrency count, and a 429
 * seen by any of them pauses all of them. The reservoir refills on bottleneck's heartbeat, set to
 * 250 ms so that refills come on time.
 *
 * While Redis cannot be reached (at start or later) calls go to a local limiter with a fraction of
 * the budget, conservative by default, and calls already queued move there too; the limiter says
 * so once per outage, and goes back to the shared budget when Redis answers again.
 */
import Bottleneck from 'bottleneck';
import { Redis, type RedisOptions } from 'ioredis';
import { checkBottleneckVersion, fixKeyLoss } from './bottleneck-key-loss.js';
import type { Limiter } from './limiter.js';
import { BottleneckLimiter } from './bottleneck-limiter.js';
import { bottleneckSettings, LocalLimiter, type LocalLimiterOptions } from './local-limiter.js';

/** What a {@link RedisLimiter} takes: the {@link @switchboard/middleware!index.LocalLimiterOptions | LocalLimiterOptions}, and where and how to share them. */
export interface RedisLimiterOptions extends LocalLimiterOptions {
  /** Shared by all processes that share the budget: one per org or OAuth client. */
  readonly id: string;
  /** ioredis connection settings (host, port, password, tls, …). */
  readonly redis: RedisOptions;
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

const PAUSE = 'switchboard:pause-until:';
/** How long stop() and disconnect() may take against a Redis that does not answer. */
const CLOSE_TIMEOUT_MS = 2_000;

const within = (ms: number, work: Promise<unknown>): Promise<unknown> => Promise.race([work.catch(() => undefined), new Promise((resolve) => setTimeout(resolve, ms).unref())]);

/**
 * A Limiter shared through Redis by every process that uses the same `id` (one per org or OAuth
 * client), on bottleneck's clustering with ioredis: one budget, one concurrency count, and a 429
 * seen by any of them pauses all of them. While Redis cannot be reached, calls (queued ones
 * included) go to a local limiter with `fallbackFraction` of the budget, until Redis answers again.
 */
export class RedisLimiter extends BottleneckLimiter {
  readonly #local: LocalLimiter;
  readonly #health: Redis;
  readonly #onFallback: (active: boolean) => void;
  #connected = false;
  #closing = false;
  /** Whether the fallback has been announced for the outage under way: once per outage. */
  #announced = false;
  #everConnected: Promise<void>;
  readonly #graceTimer: ReturnType<typeof setTimeout>;
  readonly #pingTimer: ReturnType<typeof setInterval>;

  /**
   * Connects to Redis in the background; {@link RedisLimiter.ready} waits for it.
   * @param options - the shared limit, the Redis connection and the fallback settings.
   * @throws TypeError when `limit` or `intervalMs` is not above 0.
   */
  constructor(options: RedisLimiterOptions) {
    checkBottleneckVersion();
    const settings = {
      ...bottleneckSettings(options),
      id: `switchboard:${options.id}`,
      datastore: 'ioredis',
      clearDatastore: false,
      // The ioredis the user installed (an optional peer dependency), not one bottleneck looks up itself.
      Redis,
      clientOptions: options.redis,
      timeout: options.keyTtlMs ?? 600_000,
      heartbeatInterval: options.heartbeatIntervalMs ?? 250,
    } as Bottleneck.ConstructorOptions;
    const bottleneck = new Bottleneck(settings);
    fixKeyLoss(bottleneck);
    super(bottleneck, options);
    const fraction = options.fallbackFraction ?? 0.25;
    this.#local = new LocalLimiter({ ...options, limit: Math.max(1, Math.floor(options.limit * fraction)) });
    const limitText = `${Math.max(1, Math.floor(options.limit * fraction))} per ${options.intervalMs} ms`;
    this.#onFallback =
      options.onFallback ??
      ((active) => {
        if (active) process.emitWarning(`rate limiter ${options.id}: Redis is unreachable; using a local limit of ${limitText} until it answers`, { code: 'SWITCHBOARD_LIMITER_FALLBACK' });
      });
    // A pause published by any process holds this one too.
    this.bottleneck.on('message', (message: string) => {
      if (!message.startsWith(PAUSE)) return;
      const until = Number(message.slice(PAUSE.length));
      super.pauseUntil(until);
      this.#local.pauseUntil(until);
    });
    // The datastore's errors (Redis down, keys lost) show up as the health connection's state.
    this.bottleneck.on('error', () => undefined);

    // Our own small connection says whether Redis answers; commands fail at once while it does not.
    this.#health = new Redis({
      ...options.redis,
      enableOfflineQueue: false,
      maxRetriesPerRequest: 0,
      commandTimeout: 500,
      retryStrategy: (times) => Math.min(times * 100, 1_000),
    });
    this.#health.on('error', () => undefined);
    let firstConnect = (): void => undefined;
    this.#everConnected = new Promise((resolve) => (firstConnect = resolve));
    this.#health.on('ready', () => {
      firstConnect();
      this.#regained();
    });
    this.#health.on('close', () => this.#lost());
    // A Redis that stops answering can keep its sockets open: a ping each second finds it out.
    this.#pingTimer = setInterval(() => {
      if (this.#health.status !== 'ready') return;
      this.#health.ping().then(
        () => {
          if (!this.#closing) this.#regained();
        },
        () => this.#lost(),
      );
    }, 1_000);
    this.#pingTimer.unref();
    // Never reached at start: say so once, after a short grace period.
    this.#graceTimer = setTimeout(() => {
      if (!this.#connected && !this.#closing) this.#announce();
    }, 1_000);
    this.#graceTimer.unref();
  }

  /** Redis answers again: calls go back to the shared budget, and a fallback announced is taken back. */
  #regained(): void {
    if (this.#connected) return;
    this.#connected = true;
    if (this.#announced) {
      this.#announced = false;
      this.#onFallback(false);
    }
  }

  /** Redis stopped answering: new and queued calls go to the local limit. */
  #lost(): void {
    // While closing, queued calls stay with bottleneck: the local limiter is closing too.
    if (!this.#connected || this.#closing) return;
    this.#connected = false;
    this.#announce();
    this.moveQueued(this.#local);
  }

  #announce(): void {
    if (this.#announced) return;
    this.#announced = true;
    this.#onFallback(true);
  }

  protected override fallback(): Limiter | undefined {
    return this.#connected ? undefined : this.#local;
  }

  /**
   * Resolves once Redis has answered and the shared state is reachable, or after `timeoutMs` (then the local fallback serves).
   * @param timeoutMs - how long to wait at most, in milliseconds; 5 000 by default.
   */
  async ready(timeoutMs = 5_000): Promise<void> {
    await within(timeoutMs, this.#everConnected.then(() => this.bottleneck.ready()));
  }

  /** Holds every call until `untilMs` (epoch ms), in every process that shares the limiter. */
  override pauseUntil(untilMs: number): void {
    if (untilMs <= this.pausedUntil) return;
    super.pauseUntil(untilMs);
    this.#local.pauseUntil(untilMs);
    if (this.#connected) this.bottleneck.publish(`${PAUSE}${untilMs}`).catch(() => undefined);
  }

  /** Slows this process down on the server's window, as {@link BottleneckLimiter.observe} does, for the shared and the local budget. */
  override observe(window: Parameters<BottleneckLimiter['observe']>[0]): void {
    super.observe(window);
    this.#local.observe(window);
  }

  /** Closes the shared limiter, then the local fallback, then the health connection to Redis. */
  override async close(options: Parameters<BottleneckLimiter['close']>[0] = {}): Promise<void> {
    // From here on an outage moves nothing, and our own disconnect is not one.
    this.#closing = true;
    clearTimeout(this.#graceTimer);
    clearInterval(this.#pingTimer);
    await super.close(options);
    await this.#local.close(options);
    this.#health.disconnect();
  }

  /** Stops bottleneck, giving up after 2 s against a Redis that does not answer. */
  protected override async stopBottleneck(): Promise<void> {
    await within(CLOSE_TIMEOUT_MS, super.stopBottleneck());
  }

  /** Disconnects from Redis, without flushing when Redis is unreachable; gives up after 2 s. */
  protected override async disconnectBottleneck(): Promise<void> {
    // Without Redis, flushing would wait for it: drop the connection instead.
    await within(CLOSE_TIMEOUT_MS, this.#connected ? super.disconnectBottleneck() : this.bottleneck.disconnect(false));
  }
}
