/**
 * A guest session's pace on a fake clock: a turn that is due is taken at once, later ones wait
 * for the spacing, the window of `perSecond` starts in any second and a 4029's pause; callers get
 * their turns in call order, one whose signal aborts leaves its place, and closing refuses the rest.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { AbortError } from '@switchboard/core';
import { LimiterClosedError } from '@switchboard/middleware';
import { SessionPace } from '../src/session-pace.js';

beforeEach(() => {
  vi.useFakeTimers({ now: 1_000_000 });
});
afterEach(() => {
  vi.useRealTimers();
});

/** The fake clock's time, relative to the start, at which each of `turns` resolved. */
function startTimes(turns: readonly Promise<void>[]): number[] {
  const times: number[] = [];
  for (const turn of turns) void turn.then(() => times.push(Date.now() - 1_000_000));
  return times;
}

describe('the session pace', () => {
  it('takes a turn that is due at once, without a timer', async () => {
    const pace = new SessionPace(1_000_000_000, 0);
    for (let i = 0; i < 1_000; i++) await pace.acquire('onMessage');
    expect(vi.getTimerCount()).toBe(0);
  });

  it('spaces starts minSpacingMs apart, in call order', async () => {
    const pace = new SessionPace(2, 510);
    const times = startTimes([pace.acquire('onMessage'), pace.acquire('onMessage'), pace.acquire('onMessage')]);
    await vi.advanceTimersByTimeAsync(2_000);
    expect(times).toEqual([0, 510, 1_020]);
  });

  it('allows at most perSecond starts in any second (a sliding window)', async () => {
    const pace = new SessionPace(3, 0);
    const times = startTimes(Array.from({ length: 7 }, () => pace.acquire('onMessage')));
    await vi.advanceTimersByTimeAsync(3_000);
    expect(times).toEqual([0, 0, 0, 1_000, 1_000, 1_000, 2_000]);
  });

  it('holds every start until a pause ends; a shorter pause changes nothing', async () => {
    const pace = new SessionPace(100, 0);
    pace.pauseUntil(Date.now() + 1_000);
    pace.pauseUntil(Date.now() + 500);
    const times = startTimes([pace.acquire('onMessage'), pace.acquire('onMessage')]);
    await vi.advanceTimersByTimeAsync(999);
    expect(times).toEqual([]);
    await vi.advanceTimersByTimeAsync(1);
    expect(times).toEqual([1_000, 1_000]);
  });

  it('lets a caller whose signal aborts leave its place, and the next goes in its turn', async () => {
    const pace = new SessionPace(10, 100);
    await pace.acquire('onMessage');
    const gives = new AbortController();
    const leaving = pace.acquire('onMessage', gives.signal);
    const next = startTimes([pace.acquire('onMessage')]);
    gives.abort();
    await expect(leaving).rejects.toBeInstanceOf(AbortError);
    await vi.advanceTimersByTimeAsync(100);
    expect(next).toEqual([100]);
    await expect(pace.acquire('onMessage', AbortSignal.abort())).rejects.toBeInstanceOf(AbortError);
  });

  it('refuses the callers waiting and every later one once closed, and leaves no timer', async () => {
    const pace = new SessionPace(1, 0);
    await pace.acquire('onMessage');
    const waiting = pace.acquire('onMessage');
    pace.close();
    await expect(waiting).rejects.toBeInstanceOf(LimiterClosedError);
    await expect(pace.acquire('onMessage')).rejects.toBeInstanceOf(LimiterClosedError);
    expect(vi.getTimerCount()).toBe(0);
  });
});
