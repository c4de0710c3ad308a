/** The limiters' own metrics through a real OpenTelemetry SDK: queue length, turn waits, and the Redis fallback state to alert on. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LocalLimiter } from '@switchboard/middleware';
import { RedisLimiter } from '@switchboard/middleware/redis';
import { closedPort } from '../support/loopback.js';
import { currentTelemetry } from '../support/otel.js';
import { type RedisServer, startRedis } from '../support/redis.js';
import { sleep } from '../support/time.js';

let redis: RedisServer;
beforeAll(async () => {
  redis = await startRedis();
});
afterAll(() => redis.stop());

/** The value of a gauge's point with these attributes, or undefined when there is none. */
async function gauge(name: string, attributes: Record<string, string>): Promise<unknown> {
  const points = await currentTelemetry().points(name);
  return points.find((p) => Object.entries(attributes).every(([k, v]) => p.attributes[k] === v))?.value;
}

describe('limiter metrics', () => {
  it('a LocalLimiter reports the calls waiting and how long each waited, with your attributes', async () => {
    const limiter = new LocalLimiter({ limit: 1, intervalMs: 300, metrics: { attributes: { 'switchboard.limiter.name': 'queue-test' } } });
    const mine = { 'switchboard.limiter.kind': 'local', 'switchboard.limiter.name': 'queue-test' };
    const turns = Array.from({ length: 3 }, () =>
      limiter.acquire({ operationId: 'op', timeoutMs: 5_000 }).then((permit) => permit.release()),
    );
    await sleep(50);
    expect(await gauge('switchboard.limiter.queued', mine)).toBe(2);
    await Promise.all(turns);
    expect(await gauge('switchboard.limiter.queued', mine)).toBe(0);
    const waits = (await currentTelemetry().points('switchboard.limiter.wait.duration')).filter(
      (p) => p.attributes['switchboard.limiter.name'] === 'queue-test',
    );
    const histogram = waits[0]?.value as { count: number; max: number };
    expect(histogram.count).toBe(3);
    expect(histogram.max).toBeGreaterThanOrEqual(0.5); // the third waited for two refills
    await limiter.close();
  });

  it('a RedisLimiter reports 1 on switchboard.limiter.fallback while Redis cannot be reached, 0 when it is', async () => {
    const unreachable = new RedisLimiter({
      id: 'metrics-down',
      redis: { host: '127.0.0.1', port: await closedPort() },
      limit: 5,
      intervalMs: 1_000,
      onFallback: () => undefined,
    });
    const reachable = new RedisLimiter({ id: 'metrics-up', redis: { host: redis.host, port: redis.port }, limit: 5, intervalMs: 1_000 });
    await reachable.ready();
    expect(await gauge('switchboard.limiter.fallback', { 'switchboard.limiter.id': 'metrics-down' })).toBe(1);
    expect(await gauge('switchboard.limiter.fallback', { 'switchboard.limiter.id': 'metrics-up' })).toBe(0);
    await Promise.all([unreachable.close(), reachable.close()]);
  });

  it('records nothing with metrics: false', async () => {
    const limiter = new LocalLimiter({ limit: 5, intervalMs: 1_000, metrics: false });
    (await limiter.acquire({ operationId: 'op', timeoutMs: 1_000 })).release();
    const points = await currentTelemetry().points('switchboard.limiter.queued');
    expect(
      points.filter((p) => p.attributes['switchboard.limiter.kind'] === 'local' && p.attributes['switchboard.limiter.name'] === undefined),
    ).toEqual([]);
    await limiter.close();
  });
});
