/**
 * A Limiter shared through Redis by every process that uses the same `id` (one per org or OAuth
 * client), on bottleneck's clustering with ioredis: one budget, one concurrency count, and a 429
 * seen by any of them pauses all of them. The reservoir refills on bottleneck's heartbeat, set to
 * 250 ms so that refills come on time.
 */
import Bottleneck from 'bottleneck';
import type { RedisOptions } from 'ioredis';
import { BottleneckLimiter, bottleneckSettings, type LocalLimiterOptions } from './local-limiter.js';

export interface RedisLimiterOptions extends LocalLimiterOptions {
  /** Shared by all processes that share the budget: one per org or OAuth client. */
  readonly id: string;
  /** ioredis connection settings (host, port, password, tls, …). */
  readonly redis: RedisOptions;
  /** How often the shared state is refreshed (reservoir refills happen then). Default 250 ms. */
  readonly heartbeatIntervalMs?: number;
  /** Redis keys expire after this long without use. Default 10 minutes: well above any refill interval or queue wait. */
  readonly keyTtlMs?: number;
}

const PAUSE = 'switchboard:pause-until:';

export class RedisLimiter extends BottleneckLimiter {
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
    // A pause published by any process holds this one too.
    this.bottleneck.on('message', (message: string) => {
      if (message.startsWith(PAUSE)) super.pauseUntil(Number(message.slice(PAUSE.length)));
    });
    // Errors are the datastore's (Redis down, keys lost): the limiter's callers see them as rejections.
    this.bottleneck.on('error', () => undefined);
  }

  /** Resolves once the shared state is reachable. */
  ready(): Promise<void> {
    return this.bottleneck.ready().then(() => undefined);
  }

  override pauseUntil(untilMs: number): void {
    if (untilMs <= this.pausedUntil) return;
    super.pauseUntil(untilMs);
    this.bottleneck.publish(`${PAUSE}${untilMs}`).catch(() => undefined);
  }
}
