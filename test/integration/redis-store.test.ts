/**
 * RedisStore on real Redis: a single redis-server, a Cluster of 3 primaries, and a primary with a
 * replica behind 3 sentinels whose primary the test kills. Entries shared between stores (two
 * processes, as far as Redis can tell), their expiry in Redis, the user's own client left open,
 * and a Redis that does not answer, which fails calls in time instead of hanging them. Real
 * servers on 127.0.0.1, started and stopped by test/support.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { ValidationError } from '@switchboard/core';
import { StoreUnavailableError } from '@switchboard/middleware';
import { RedisStore } from '@switchboard/middleware/redis';
import { Cluster, Redis } from 'ioredis';
import { closedPort } from '../support/loopback.js';
import { startRedis } from '../support/redis.js';
import { startRedisCluster, startRedisSentinel } from '../support/redis-topology.js';
import { sleep } from '../support/time.js';

const MINUTE = 60_000;

/** Polls `probe` every 50 ms until it resolves, for `timeoutMs` at most: Redis' own clock, not the test's, decides when. */
async function eventually<T>(what: string, timeoutMs: number, probe: () => Promise<T>): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await probe();
    } catch (error) {
      if (Date.now() >= deadline) throw new Error(`${what}: still failing after ${timeoutMs} ms`, { cause: error });
    }
    await sleep(50);
  }
}

/**
 * Starts servers before the tests of the describe block it is called in (a minute at most: a
 * Cluster or Sentinel set-up takes seconds), and stops them after; the tests get them from the getter.
 */
function serversFor<T extends { stop(): Promise<void> }>(start: () => Promise<T>): () => T {
  let servers: T | undefined;
  beforeAll(async () => {
    servers = await start();
  }, 60_000);
  afterAll(() => servers?.stop());
  return () => servers ?? expect.fail('the servers did not start');
}

/** What a call rejected with; fails the test when it resolved. */
async function rejection(call: Promise<unknown>): Promise<Error> {
  return call.then(
    () => expect.fail('expected the call to reject'),
    (error: Error) => error,
  );
}

/** Writes through `writer` and reads through `reader`, and the other way round: two processes sharing one Redis. */
async function expectShared(writer: RedisStore, reader: RedisStore, keys: readonly string[]): Promise<void> {
  for (const key of keys) await writer.set(key, `record of ${key}`, { ttlMs: MINUTE });
  for (const key of keys) expect(await reader.get(key)).toBe(`record of ${key}`);
  for (const key of keys) await reader.delete(key);
  for (const key of keys) expect(await writer.get(key)).toBeUndefined();
}

describe('RedisStore on a redis-server', () => {
  const redis = serversFor(startRedis);
  const settings = () => ({ host: redis().host, port: redis().port });
  let admin: Redis;
  beforeAll(() => {
    admin = new Redis(settings());
  });
  // After hooks run last to first: this one before the server stops.
  afterAll(() => admin.disconnect());

  it('writes, reads back and deletes under its prefix, from the first call on (it waits for its connection)', async () => {
    const store = new RedisStore({ redis: settings() });
    await store.set('guest:1', '{"token":"t-1"}', { ttlMs: MINUTE });
    expect(await admin.get('switchboard:guest:1')).toBe('{"token":"t-1"}');
    expect(await store.get('guest:1')).toBe('{"token":"t-1"}');
    await store.delete('guest:1');
    expect(await admin.exists('switchboard:guest:1')).toBe(0);
    expect(await store.get('guest:1')).toBeUndefined();
    await expect(store.delete('guest:1')).resolves.toBeUndefined();

    const prefixed = new RedisStore({ redis: settings(), prefix: 'app-a:' });
    await prefixed.set('guest:1', 'a', { ttlMs: MINUTE });
    expect(await admin.get('app-a:guest:1')).toBe('a');
    expect(await store.get('guest:1')).toBeUndefined();
    await Promise.all([store.close(), prefixed.close()]);
  });

  it('keeps an entry for its ttl with PX, a write sets the expiry again, and an expired entry reads as absent', async () => {
    const store = new RedisStore({ redis: settings() });
    await store.set('expiring', 'v', { ttlMs: MINUTE });
    const first = await admin.pttl('switchboard:expiring');
    expect(first).toBeGreaterThan(0);
    expect(first).toBeLessThanOrEqual(MINUTE);
    await store.set('expiring', 'v', { ttlMs: 10 * MINUTE });
    expect(await admin.pttl('switchboard:expiring')).toBeGreaterThan(MINUTE);

    // A fraction of a millisecond is rounded up, not refused by Redis.
    await store.set('expiring', 'v', { ttlMs: 150.5 });
    expect(await admin.pttl('switchboard:expiring')).toBeLessThanOrEqual(151);
    await eventually('the key to expire in Redis', 10_000, async () => {
      expect(await admin.pttl('switchboard:expiring')).toBe(-2);
    });
    expect(await store.get('expiring')).toBeUndefined();
    await store.close();
  });

  it('two stores, as two processes would, see each other’s writes and deletes', async () => {
    const [a, b] = [new RedisStore({ redis: settings() }), new RedisStore({ redis: settings() })];
    await expectShared(a, b, ['shared:1', 'shared:2']);
    await expectShared(b, a, ['shared:3']);
    await Promise.all([a.close(), b.close()]);
  });

  it('adds a key only when it is absent (SET NX): of two stores adding at once, one wins, with its ttl', async () => {
    const [a, b] = [new RedisStore({ redis: settings() }), new RedisStore({ redis: settings() })];
    const won = await Promise.all([a.add('claimed', 'a', { ttlMs: 60_000 }), b.add('claimed', 'b', { ttlMs: 60_000 })]);
    expect(won.filter(Boolean)).toHaveLength(1);
    expect(await a.get('claimed')).toBe(won[0] ? 'a' : 'b');
    expect(await admin.pttl('switchboard:claimed')).toBeGreaterThan(0);
    await a.delete('claimed');
    expect(await b.add('claimed', 'b', { ttlMs: 60_000 })).toBe(true);
    await Promise.all([a.close(), b.close()]);
  });

  it('checks its arguments before anything is sent', async () => {
    const store = new RedisStore({ redis: settings() });
    await expect(store.set('checked', 'v', { ttlMs: 0 })).rejects.toBeInstanceOf(ValidationError);
    await expect(store.set('', 'v', { ttlMs: MINUTE })).rejects.toBeInstanceOf(ValidationError);
    await expect(store.get('k'.repeat(513))).rejects.toBeInstanceOf(ValidationError);
    expect(await admin.exists('switchboard:checked', 'switchboard:')).toBe(0);
    await store.close();
  });

  it('leaves your own Redis open when it closes, and rejects later calls', async () => {
    const yours = new Redis({ ...settings(), lazyConnect: true });
    await yours.connect();
    const store = new RedisStore({ redis: yours, timeoutMs: 500 });
    await store.set('yours', 'v', { ttlMs: MINUTE });
    expect(await yours.get('switchboard:yours')).toBe('v');
    await store.close();
    expect(yours.status).toBe('ready');
    expect(await yours.ping()).toBe('PONG');
    const error = await rejection(store.get('yours'));
    expect(error).toBeInstanceOf(StoreUnavailableError);
    await expect(store.close()).resolves.toBeUndefined();
    yours.disconnect();
  });

  it('fails a call that a frozen Redis does not answer, within its timeout, and serves again once it answers', async () => {
    const store = new RedisStore({ redis: settings(), timeoutMs: 300 });
    await store.set('frozen', 'v', { ttlMs: MINUTE });
    redis().freeze();
    try {
      const error = await rejection(store.get('frozen'));
      expect(error).toBeInstanceOf(StoreUnavailableError);
      expect(error.message).toMatch(/no answer/);
    } finally {
      redis().thaw();
    }
    await eventually('the store to serve again', 5_000, async () => expect(await store.get('frozen')).toBe('v'));
    await store.close();
  }, 10_000);
});

describe('RedisStore on a Redis that is not there', () => {
  afterEach(() => {
    vi.restoreAllMocks();
  });

  it('rejects every call with StoreUnavailableError within its timeout, leaving no rejection or error event unhandled', async () => {
    // ioredis prints an 'error' event nobody listens to instead of throwing it: that print is what would show a missing listener.
    const printed = vi.spyOn(console, 'error');
    const store = new RedisStore({ redis: { host: '127.0.0.1', port: await closedPort() }, timeoutMs: 300 });
    const calls = [store.get('nowhere'), store.set('nowhere', 'secret-token', { ttlMs: MINUTE }), store.delete('nowhere')];
    for (const call of calls) {
      const error = await rejection(call);
      expect(error).toBeInstanceOf(StoreUnavailableError);
      expect((error as StoreUnavailableError).code).toBe('E_STORE_UNAVAILABLE');
      expect(error.message).not.toContain('secret-token');
    }
    // A few reconnect attempts have failed by now (they come every 100 to 1 000 ms).
    await store.close();
    expect(printed.mock.calls.flat().join(' ')).not.toContain('ioredis');
  }, 5_000);
});

describe('RedisStore on a Redis Cluster of 3 primaries', () => {
  const cluster = serversFor(startRedisCluster);
  const nodes = () => cluster().nodes.map(({ host, port }) => ({ host, port }));

  it('shares entries across slots through your Cluster clients, and leaves them open when it closes', async () => {
    const [yours, another] = [new Cluster(nodes()), new Cluster(nodes())];
    const [a, b] = [new RedisStore({ redis: yours }), new RedisStore({ redis: another })];
    const keys = Array.from({ length: 12 }, (_, i) => `cluster:${i}`);
    // One key per command: keys in different slots need no hash tag.
    const slots = new Set(await Promise.all(keys.map(async (key) => Number(await yours.cluster('KEYSLOT', `switchboard:${key}`)))));
    expect(slots.size).toBeGreaterThan(1);
    await expectShared(a, b, keys);
    await a.set('cluster:ttl', 'v', { ttlMs: MINUTE });
    expect(await yours.pttl('switchboard:cluster:ttl')).toBeGreaterThan(0);
    await Promise.all([a.close(), b.close()]);
    expect(yours.status).toBe('ready');
    expect(await yours.ping()).toBe('PONG');
    expect(await another.get('switchboard:cluster:ttl')).toBe('v');
    yours.disconnect();
    another.disconnect();
  }, 30_000);
});

describe('RedisStore through Sentinel: a primary and a replica behind 3 sentinels', () => {
  const sentinel = serversFor(startRedisSentinel);

  it('shares entries, and serves again through the promoted replica once the primary has died', async () => {
    const settings = () => ({ sentinels: [...sentinel().sentinels], name: sentinel().masterName });
    const [a, b] = [new RedisStore({ redis: settings(), timeoutMs: 500 }), new RedisStore({ redis: settings(), timeoutMs: 500 })];
    await expectShared(a, b, ['sentinel:1', 'sentinel:2']);
    await sentinel().killPrimary();
    // Calls fail while the store reconnects, each with StoreUnavailableError, then the new primary serves.
    const failures = new Set<string>();
    await eventually('a write through the promoted replica', 30_000, () =>
      a.set('sentinel:after', 'v', { ttlMs: MINUTE }).catch((error: Error) => {
        failures.add(error.name);
        throw error;
      }),
    );
    expect([...failures].filter((name) => name !== 'StoreUnavailableError')).toEqual([]);
    expect(await eventually('the other store to read it', 30_000, () => b.get('sentinel:after'))).toBe('v');
    await Promise.all([a.close(), b.close()]);
  }, 90_000);
});
