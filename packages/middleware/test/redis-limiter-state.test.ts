/** The RedisLimiter's one state: where calls go as Redis answers, goes away and comes back, and what the user is told. */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { RedisLimiterStatus } from '../src/redis-limiter-state.js';

/** A status whose effects are recorded: `told` holds every onFallback, `moves` counts the moves of queued calls. */
function recorded(): { status: RedisLimiterStatus; told: boolean[]; moves: () => number } {
  const told: boolean[] = [];
  let moves = 0;
  const status = new RedisLimiterStatus({ onFallback: (active) => told.push(active), moveQueued: () => void moves++ });
  return { status, told, moves: () => moves };
}

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

describe('a RedisLimiter that has not reached Redis yet', () => {
  it('serves locally and says nothing during the grace period, even when its connection fails', () => {
    const { status, told, moves } = recorded();
    expect(status.state).toBe('connecting');
    expect(status.shared).toBe(false);
    status.redisLost();
    vi.advanceTimersByTime(999);
    expect(status.state).toBe('connecting');
    expect(told).toEqual([]);
    expect(moves()).toBe(0);
  });

  it('goes to the shared budget on the first answer, with nothing to take back', () => {
    const { status, told } = recorded();
    status.redisAnswered();
    expect(status.state).toBe('shared');
    expect(status.shared).toBe(true);
    vi.advanceTimersByTime(5_000);
    expect(status.state).toBe('shared');
    expect(told).toEqual([]);
  });

  it('says once that it falls back when Redis has not answered after the grace period, and takes it back when Redis answers', () => {
    const { status, told } = recorded();
    vi.advanceTimersByTime(1_000);
    expect(status.state).toBe('fallback');
    expect(told).toEqual([true]);
    status.redisLost();
    vi.advanceTimersByTime(5_000);
    expect(told).toEqual([true]);
    status.redisAnswered();
    expect(status.state).toBe('shared');
    expect(told).toEqual([true, false]);
  });

  it('says nothing when it begins to close before Redis has answered', () => {
    const { status, told } = recorded();
    status.closing();
    vi.advanceTimersByTime(5_000);
    expect(status.state).toBe('connecting');
    expect(told).toEqual([]);
  });
});

describe('a RedisLimiter that has reached Redis', () => {
  it('on an outage falls back, says so once, and moves the queued calls once; when Redis answers again it returns and says so', () => {
    const { status, told, moves } = recorded();
    status.redisAnswered();
    status.redisLost();
    expect(status.state).toBe('fallback');
    expect(status.shared).toBe(false);
    expect(told).toEqual([true]);
    expect(moves()).toBe(1);
    status.redisLost();
    expect(told).toEqual([true]);
    expect(moves()).toBe(1);
    status.redisAnswered();
    status.redisAnswered();
    expect(status.state).toBe('shared');
    expect(told).toEqual([true, false]);
  });

  it('says so again for the next outage: once per outage', () => {
    const { status, told, moves } = recorded();
    status.redisAnswered();
    status.redisLost();
    status.redisAnswered();
    status.redisLost();
    expect(told).toEqual([true, false, true]);
    expect(moves()).toBe(2);
  });

  it('still falls back on an outage while it closes, until it closes its own connections', () => {
    const { status, told, moves } = recorded();
    status.redisAnswered();
    status.closing();
    status.redisLost();
    expect(status.state).toBe('fallback');
    expect(told).toEqual([true]);
    expect(moves()).toBe(1);
  });
});

describe('a RedisLimiter closing its own connections', () => {
  it.each(['connecting', 'shared', 'fallback'] as const)(
    'from %s: neither a loss nor an answer changes anything, and it says nothing',
    (from) => {
      const { status, told, moves } = recorded();
      if (from !== 'connecting') status.redisAnswered();
      if (from === 'fallback') status.redisLost();
      const toldBefore = [...told];
      status.disconnecting();
      expect(status.state).toBe('disconnecting');
      expect(status.shared).toBe(false);
      status.redisLost();
      status.redisAnswered();
      vi.advanceTimersByTime(5_000);
      expect(status.state).toBe('disconnecting');
      expect(told).toEqual(toldBefore);
      expect(moves()).toBe(from === 'fallback' ? 1 : 0);
    },
  );
});
