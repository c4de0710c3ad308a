/** The rate limiter shared through a real redis-server: one budget across limiters and processes, and a 429 that pauses them all. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RedisLimiter } from '@switchboard/middleware';
import { type RedisServer, startRedis } from '../support/redis.js';

let redis: RedisServer;
beforeAll(async () => {
  redis = await startRedis();
});
afterAll(() => redis.stop());

const limiter = (id: string, extra: Partial<ConstructorParameters<typeof RedisLimiter>[0]> = {}) =>
  new RedisLimiter({ id, redis: { host: redis.host, port: redis.port }, limit: 5, intervalMs: 1_000, ...extra });

/** Takes a permit and gives it back at once; resolves with the time it was granted. */
async function take(l: RedisLimiter, t0: number): Promise<number> {
  const permit = await l.acquire({ operationId: 'op', timeoutMs: 10_000 });
  permit.release();
  return performance.now() - t0;
}

describe('RedisLimiter', () => {
  it('shares one budget between limiters with the same id', async () => {
    const a = limiter('shared-budget');
    const b = limiter('shared-budget');
    await Promise.all([a.ready(), b.ready()]);
    const t0 = performance.now();
    const granted = await Promise.all([...Array.from({ length: 6 }, () => take(a, t0)), ...Array.from({ length: 6 }, () => take(b, t0))]);
    const first = granted.filter((at) => at < 800);
    expect(first).toHaveLength(5); // one reservoir of 5 for both
    expect(granted.filter((at) => at < 1_800)).toHaveLength(10);
    await Promise.all([a.close(), b.close()]);
  });

  it('keeps budgets with different ids apart', async () => {
    const a = limiter('apart-a');
    const b = limiter('apart-b');
    const t0 = performance.now();
    const granted = await Promise.all([...Array.from({ length: 5 }, () => take(a, t0)), ...Array.from({ length: 5 }, () => take(b, t0))]);
    expect(granted.every((at) => at < 800)).toBe(true);
    await Promise.all([a.close(), b.close()]);
  });

  it('pauses every limiter of the id when one of them sees a 429', async () => {
    const a = limiter('shared-pause', { limit: 100 });
    const b = limiter('shared-pause', { limit: 100 });
    await Promise.all([a.ready(), b.ready()]);
    await new Promise((resolve) => setTimeout(resolve, 100)); // both subscribed
    const t0 = performance.now();
    a.pauseUntil(Date.now() + 700);
    await new Promise((resolve) => setTimeout(resolve, 50));
    const grantedAt = await take(b, t0);
    expect(grantedAt).toBeGreaterThanOrEqual(600);
    await Promise.all([a.close(), b.close()]);
  });
});
