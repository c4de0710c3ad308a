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
import type { Limiter } from './limiter.js';
import { BottleneckLimiter, bottleneckSettings, LocalLimiter, type LocalLimiterOptions } from './local-limiter.js';

export interface RedisLimiterOptions extends LocalLimiterOptions {
  /** Shared by all processes that share the budget: one per org or OAuth client. */
  readonly id: string;
  /** ioredis connection settings (host, port, password, tls, …). */
  readonly redis: RedisOptions;
  /** How often the shared state is refreshed (reservoir refills happen then). Default 250 ms. */
  readonly heartbeatIntervalMs?: number;
  /** Redis keys expire after this long without use. Default 10 minutes: well above any refill interval or queue wait. */
  readonly keyTtlMs?: number;
  /** Share of the budget this process uses on its own while Redis is unreachable. Default 0.25. */
  readonly fallbackFraction?: number;
  /** Told when the limiter falls back to its local budget (true) and returns to the shared one (false). Default: a process warning when it falls back. */
  readonly onFallback?: (active: boolean) => void;
}

const PAUSE = 'switchboard:pause-until:';
/** How long stop() and disconnect() may take against a Redis that does not answer. */
const CLOSE_TIMEOUT_MS = 2_000;

const within = (ms: number, work: Promise<unknown>): Promise<unknown> => Promise.race([work.catch(() => undefined), new Promise((resolve) => setTimeout(resolve, ms).unref())]);

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

  constructor(options: RedisLimiterOptions) {
    const settings = {
      ...bottleneckSettings(options),
      id: `switchboard:${options.id}`,
      datastore: 'ioredis',
      clearDatastore: false,
      clientOptions: options.redis,
      timeout: options.keyTtlMs ?? 600_000,
      heartbeatInterval: options.heartbeatIntervalMs ?? 250,
    } as Bottleneck.ConstructorOptions;
    super(new Bottleneck(settings), options);
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

  /** Resolves once Redis has answered and the shared state is reachable, or after `timeoutMs` (then the local fallback serves). */
  async ready(timeoutMs = 5_000): Promise<void> {
    await within(timeoutMs, this.#everConnected.then(() => this.bottleneck.ready()));
  }

  override pauseUntil(untilMs: number): void {
    if (untilMs <= this.pausedUntil) return;
    super.pauseUntil(untilMs);
    this.#local.pauseUntil(untilMs);
    if (this.#connected) this.bottleneck.publish(`${PAUSE}${untilMs}`).catch(() => undefined);
  }

  override observe(window: Parameters<BottleneckLimiter['observe']>[0]): void {
    super.observe(window);
    this.#local.observe(window);
  }

  override async close(options: Parameters<BottleneckLimiter['close']>[0] = {}): Promise<void> {
    // From here on an outage moves nothing, and our own disconnect is not one.
    this.#closing = true;
    clearTimeout(this.#graceTimer);
    clearInterval(this.#pingTimer);
    await super.close(options);
    await this.#local.close(options);
    this.#health.disconnect();
  }

  protected override async stopBottleneck(): Promise<void> {
    await within(CLOSE_TIMEOUT_MS, super.stopBottleneck());
  }

  protected override async disconnectBottleneck(): Promise<void> {
    // Without Redis, flushing would wait for it: drop the connection instead.
    await within(CLOSE_TIMEOUT_MS, this.#connected ? super.disconnectBottleneck() : this.bottleneck.disconnect(false));
  }
}
