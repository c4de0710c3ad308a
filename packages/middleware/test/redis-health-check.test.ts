/**
 * The health check that moves a RedisLimiter to its fallback: against a real redis-server, with the
 * check's interval on a fake clock (each check runs when the test says) and everything else real.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { type RedisServer, startRedis } from '../../../test/support/redis.js';
import { sleep } from '../../../test/support/time.js';
import { RedisHealthCheck } from '../src/redis-health-check.js';

let redis: RedisServer;
beforeAll(async () => {
  redis = await startRedis();
});
afterAll(() => redis.stop());

/** This thread does nothing at all for `ms`: no timer, no I/O (what a long GC pause or a starved process looks like to it). */
const stall = (ms: number): void => {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
};

/**
 * Waits, in real time, until the check has told `count` things. (Not `eventually`: vi.waitFor
 * moves a fake clock on while it waits, which would run checks the test did not ask for.)
 */
async function told(heard: string[], count: number): Promise<string[]> {
  for (let waited = 0; heard.length < count; waited += 10) {
    if (waited > 10_000) throw new Error(`told ${JSON.stringify(heard)}, waiting for ${count}`);
    await sleep(10);
  }
  return heard.slice(0, count);
}

let check: RedisHealthCheck | undefined;
afterEach(() => {
  check?.stop();
  check?.disconnect();
  check = undefined;
  vi.useRealTimers();
});

/** A health check on the test's Redis whose reads are counted, and what it told its listener. */
async function started(): Promise<{
  check: RedisHealthCheck;
  heard: string[];
  reads: () => number;
  stallAfterRead: (n: number, ms: number) => void;
}> {
  // Only the check's interval is fake: the connection's own timers (its command timeout) stay real.
  vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval'] });
  const heard: string[] = [];
  const health = new RedisHealthCheck({ host: redis.host, port: redis.port }, 'health-check-key', {
    redisAnswered: () => heard.push('answered'),
    redisLost: () => heard.push('lost'),
  });
  check = health;
  await health.firstReady;
  const exists = health.connection.exists.bind(health.connection);
  let reads = 0;
  const stalls = new Map<number, number>();
  health.connection.exists = ((...args: Parameters<typeof exists>) => {
    const reply = exists(...args);
    const ms = stalls.get(++reads);
    if (ms !== undefined) stall(ms);
    return reply;
  }) as typeof exists;
  heard.length = 0;
  return { check: health, heard, reads: () => reads, stallAfterRead: (n, ms) => stalls.set(n, ms) };
}

describe('RedisHealthCheck', () => {
  it('reads the key each second and says Redis answers', async () => {
    const { heard, reads } = await started();
    await vi.advanceTimersByTimeAsync(1_000);
    expect(await told(heard, 1)).toEqual(['answered']);
    expect(reads()).toBe(1);
  });

  it('calls a read that was answered while this process stalled no outage: it reads again first', async () => {
    const { heard, reads, stallAfterRead } = await started();
    // The read goes out, then this thread stalls past the read's 500 ms timeout: Redis answers
    // meanwhile, but once the thread runs again Node runs the expired timer before it reads the socket.
    stallAfterRead(1, 800);
    await vi.advanceTimersByTimeAsync(1_000);
    expect(await told(heard, 1)).toEqual(['answered']);
    expect(reads()).toBe(2);
  });

  it('says Redis is lost when the second read goes unanswered too', async () => {
    const { heard, reads } = await started();
    redis.freeze();
    try {
      await vi.advanceTimersByTimeAsync(1_000);
      expect(await told(heard, 1)).toEqual(['lost']);
      expect(reads()).toBe(2);
    } finally {
      redis.thaw();
    }
    await vi.advanceTimersByTimeAsync(1_000);
    expect(await told(heard, 2)).toEqual(['lost', 'answered']);
  });
});
