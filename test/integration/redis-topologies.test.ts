/**
 * RedisLimiter on the Redis users already run: their own ioredis client (left open), a Redis
 * Cluster of 3 primaries, and a primary with a replica behind 3 sentinels whose primary the test
 * kills. Real servers on 127.0.0.1, started and stopped by test/support.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createClient } from '@switchboard/core';
import { rateLimit } from '@switchboard/middleware';
import { RedisLimiter } from '@switchboard/middleware/redis';
import { Cluster, Redis } from 'ioredis';
import { json, startLoopback } from '../support/loopback.js';
import { type RedisServer, startRedis } from '../support/redis.js';
import { type RedisClusterServer, type RedisSentinelServer, startRedisCluster, startRedisSentinel } from '../support/redis-topology.js';
import { count, take, tries } from '../support/permits.js';
import { pingById as ping } from '../support/routes.js';
import { eventually, sleep } from '../support/time.js';

/** Twelve requests for a turn, 3 s each, from two limiters of one id allowed 5 a minute: counted, one budget grants 5. */
async function expectOneBudget(a: RedisLimiter, b: RedisLimiter): Promise<void> {
  await Promise.all([a.ready(), b.ready()]);
  const outcomes = await Promise.all([...tries(a, 6, 3_000), ...tries(b, 6, 3_000)]);
  expect(count(outcomes, 'granted')).toBe(5);
  expect(count(outcomes, 'E_TIMEOUT')).toBe(7);
}

/**
 * Calls through a client limited by `limiter` against a loopback server, in 4 loops, while
 * `fault` runs: what the server received per call, and the longest time no call was sent.
 */
async function callsThrough(limiter: RedisLimiter, calls: number, fault: () => Promise<void>) {
  const received = new Map<string, number>();
  const at: number[] = [];
  const server = await startLoopback((req, res) => {
    const id = req.url.split('/').pop() ?? '';
    received.set(id, (received.get(id) ?? 0) + 1);
    at.push(performance.now());
    json(200, {})(req, res);
  });
  const client = createClient({ baseUrl: server.url, middleware: [rateLimit({ limiter })] });
  const outcomes: string[] = [];
  let next = 0;
  const loops = Array.from({ length: 4 }, async () => {
    while (next < calls) {
      const id = String(next++);
      outcomes.push(
        await client.call(ping, { id }, { totalTimeout: 30_000 }).then(
          () => 'ok',
          (e: { code?: string }) => e.code ?? 'error',
        ),
      );
    }
  });
  await Promise.all([...loops, fault()]);
  await client.close();
  await server.close();
  const gaps = at.slice(1).map((t, i) => t - (at[i] as number));
  return { outcomes, received, receivedAt: at, maxGapMs: Math.max(...gaps) };
}

describe('your own ioredis client', () => {
  let redis: RedisServer;
  beforeAll(async () => {
    redis = await startRedis();
  });
  afterAll(() => redis.stop());

  it('shares a budget through it and leaves it open when closed: it is yours', async () => {
    const yours = new Redis({ host: redis.host, port: redis.port, lazyConnect: true });
    await yours.connect();
    const a = new RedisLimiter({ id: 'yours', redis: yours, limit: 5, intervalMs: 60_000 });
    const b = new RedisLimiter({ id: 'yours', redis: yours, limit: 5, intervalMs: 60_000 });
    await expectOneBudget(a, b);
    await Promise.all([a.close(), b.close()]);
    expect(yours.status).toBe('ready');
    expect(await yours.ping()).toBe('PONG');
    // All its keys carry one hash tag.
    expect((await yours.keys('b_*')).every((key) => key.startsWith('b_{switchboard:yours}_'))).toBe(true);
    yours.disconnect();
  });
});

describe('a Redis Cluster of 3 primaries', () => {
  let cluster: RedisClusterServer;
  beforeAll(async () => {
    cluster = await startRedisCluster();
  }, 60_000);
  afterAll(() => cluster.stop());

  it('shares one budget and one pause through a Cluster client: every key of the id in one slot', async () => {
    const yours = new Cluster(cluster.nodes.map(({ host, port }) => ({ host, port })));
    const a = new RedisLimiter({ id: 'cluster', redis: yours, limit: 5, intervalMs: 60_000 });
    const b = new RedisLimiter({ id: 'cluster', redis: yours, limit: 5, intervalMs: 60_000 });
    await expectOneBudget(a, b);
    // The pause on a budget of its own, which has turns to give.
    const c = new RedisLimiter({ id: 'cluster-pause', redis: yours, limit: 5, intervalMs: 1_000 });
    const d = new RedisLimiter({ id: 'cluster-pause', redis: yours, limit: 5, intervalMs: 1_000 });
    await Promise.all([c.ready(), d.ready()]);
    await sleep(100); // both subscribed
    const t0 = performance.now();
    c.pauseUntil(Date.now() + 700);
    await sleep(50);
    // A lower bound, which a slow machine cannot break: d waited out c's pause.
    expect(await take(d, t0)).toBeGreaterThanOrEqual(600);
    const slots = new Set<number>();
    for (const node of yours.nodes('master')) {
      for (const key of await node.keys('b_{switchboard:cluster}_*')) slots.add(Number(await node.cluster('KEYSLOT', key)));
    }
    expect(slots.size).toBe(1);
    await Promise.all([a.close(), b.close(), c.close(), d.close()]);
    expect(await yours.ping()).toBe('PONG');
    yours.disconnect();
  }, 30_000);

  it('when the primary holding its slot dies, calls move to the local limit: none lost, none sent twice', async () => {
    const yours = new Cluster(cluster.nodes.map(({ host, port }) => ({ host, port })));
    const notices: boolean[] = [];
    const limiter = new RedisLimiter({
      id: 'cluster-fault',
      redis: yours,
      limit: 40,
      intervalMs: 1_000,
      fallbackFraction: 0.5,
      onFallback: (active) => notices.push(active),
    });
    await limiter.ready();
    const slot = Number(await yours.cluster('KEYSLOT', 'b_{switchboard:cluster-fault}_settings'));
    const ranges = await yours.cluster('SLOTS');
    const owner = ranges.find(([from, to]) => slot >= from && slot <= to)?.[2]?.[1] as number;
    const run = await callsThrough(limiter, 120, async () => {
      await sleep(500);
      await cluster.killNode(owner);
    });
    console.log(JSON.stringify({ topology: 'cluster', calls: 120, maxGapMs: Math.round(run.maxGapMs), notices }));
    expect(run.outcomes.filter((o) => o === 'ok')).toHaveLength(120);
    expect(run.received.size).toBe(120);
    expect([...run.received.values()].every((n) => n === 1)).toBe(true);
    expect(notices[0]).toBe(true);
    await limiter.close();
    yours.disconnect();
  }, 60_000);
});

describe('Sentinel: a primary and a replica behind 3 sentinels', () => {
  let sentinel: RedisSentinelServer;
  beforeAll(async () => {
    sentinel = await startRedisSentinel();
  }, 60_000);
  afterAll(() => sentinel.stop());

  it('keeps calls flowing when the primary dies: none lost, none sent twice, served locally before the promotion, and reported', async () => {
    const notices: boolean[] = [];
    const limiter = new RedisLimiter({
      id: 'failover',
      redis: { sentinels: [...sentinel.sentinels], name: sentinel.masterName },
      limit: 40,
      intervalMs: 1_000,
      fallbackFraction: 0.5,
      onFallback: (active) => {
        notices.push(active);
        if (active) fellBackAt ??= performance.now();
      },
    });
    await limiter.ready();
    let failoverMs = 0;
    let fellBackAt: number | undefined;
    let killedAt = 0;
    let promotedAt = 0;
    const run = await callsThrough(limiter, 240, async () => {
      await sleep(500);
      killedAt = performance.now();
      failoverMs = (await sentinel.killPrimary()).failoverMs;
      promotedAt = performance.now();
    });
    try {
      // Back on the shared budget once the sentinels have promoted the replica.
      await eventually(() => expect(notices.at(-1)).toBe(false), { timeoutMs: 15_000, intervalMs: 100 });
    } finally {
      console.log(JSON.stringify({ topology: 'sentinel', calls: 240, failoverMs, maxGapMs: Math.round(run.maxGapMs), notices }));
    }
    expect(run.outcomes.filter((o) => o === 'ok')).toHaveLength(240);
    expect(run.received.size).toBe(240);
    expect([...run.received.values()].every((n) => n === 1)).toBe(true);
    expect(notices).toEqual([true, false]);
    // The local limit took over at once, with no wait for the failover itself: in order of events,
    // not by a duration, the fallback came before the promotion and calls were served in between.
    expect(fellBackAt).toBeGreaterThan(killedAt);
    expect(fellBackAt).toBeLessThan(promotedAt);
    expect(run.receivedAt.some((at) => at > killedAt && at < promotedAt)).toBe(true);
    await take(limiter, performance.now()); // the shared budget serves again (take rejects after 10 s)
    await limiter.close();
  }, 90_000);
});
