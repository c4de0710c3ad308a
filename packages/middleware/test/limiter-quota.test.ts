/**
 * No quota lost to a call that gives up: whether it leaves while queued, while a pause holds it,
 * or after bottleneck took a reservoir unit for it, the unit stays for the calls that remain.
 * On simulated time, so that windows of 10 s cost nothing.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { LocalLimiter } from '@switchboard/middleware';

beforeEach(() => {
  vi.useFakeTimers();
});

/** Closes a limiter on simulated time: bottleneck's stop() yields to the event loop (setImmediate, simulated too). */
async function close(limiter: LocalLimiter): Promise<void> {
  const closed = limiter.close();
  await vi.advanceTimersByTimeAsync(1_000);
  await closed;
}
afterEach(() => {
  vi.useRealTimers();
});

/** Asks for a turn and gives it back at once; resolves with the simulated ms it was granted at, or the error's code. */
function take(limiter: LocalLimiter, t0: number, signal?: AbortSignal): Promise<number | string> {
  return limiter.acquire({ operationId: 'op', timeoutMs: 60_000, signal }).then(
    (permit) => {
      permit.release();
      return Date.now() - t0;
    },
    (error: { code?: string }) => error.code ?? 'error',
  );
}

describe('a call that gives up spends no quota', () => {
  it('1 per 10 s, five calls, three aborted while queued: the fifth runs in the next window, not three windows later', async () => {
    const limiter = new LocalLimiter({ limit: 1, intervalMs: 10_000 });
    const t0 = Date.now();
    const aborts = [new AbortController(), new AbortController(), new AbortController()];
    const calls = [take(limiter, t0), ...aborts.map((a) => take(limiter, t0, a.signal)), take(limiter, t0)];
    await vi.advanceTimersByTimeAsync(100);
    for (const a of aborts) a.abort();
    await vi.advanceTimersByTimeAsync(45_000);
    const [first, ...rest] = await Promise.all(calls);
    expect(first).toBeLessThan(100);
    expect(rest.slice(0, 3)).toEqual(['E_ABORTED', 'E_ABORTED', 'E_ABORTED']);
    const fifth = rest[3] as number;
    expect(fifth).toBeGreaterThanOrEqual(10_000);
    expect(fifth).toBeLessThan(11_000);
    await close(limiter);
  });

  it('the same when the callers give up by their deadline', async () => {
    const limiter = new LocalLimiter({ limit: 1, intervalMs: 10_000 });
    const t0 = Date.now();
    const first = take(limiter, t0);
    const timedOut = Array.from({ length: 3 }, () =>
      limiter.acquire({ operationId: 'op', timeoutMs: 100 }).catch((e: { code: string }) => e.code),
    );
    const calls = [first, ...timedOut, take(limiter, t0)];
    await vi.advanceTimersByTimeAsync(45_000);
    const results = await Promise.all(calls);
    expect(results.slice(1, 4)).toEqual(['E_TIMEOUT', 'E_TIMEOUT', 'E_TIMEOUT']);
    expect(results[4]).toBeGreaterThanOrEqual(10_000);
    expect(results[4]).toBeLessThan(11_000);
    await close(limiter);
  });

  it('calls that give up while a pause holds them leave the window for those that stay', async () => {
    const limiter = new LocalLimiter({ limit: 2, intervalMs: 60_000 });
    limiter.pauseUntil(Date.now() + 5_000);
    const t0 = Date.now();
    const aborts = Array.from({ length: 6 }, () => new AbortController());
    const leaving = aborts.map((a) => take(limiter, t0, a.signal));
    const staying = [take(limiter, t0), take(limiter, t0)];
    await vi.advanceTimersByTimeAsync(1_000);
    for (const a of aborts) a.abort();
    await vi.advanceTimersByTimeAsync(5_000);
    expect(await Promise.all(leaving)).toEqual(Array(6).fill('E_ABORTED'));
    // Both run when the pause ends, in the first window: the six spent none of its two units.
    for (const at of await Promise.all(staying)) {
      expect(at).toBeGreaterThanOrEqual(5_000);
      expect(at).toBeLessThan(5_100);
    }
    await close(limiter);
  });

  it('a call whose turn comes during a pause that began after it was handed over gives its unit back and waits', async () => {
    const limiter = new LocalLimiter({ limit: 1, intervalMs: 10_000 });
    const t0 = Date.now();
    const first = take(limiter, t0);
    const second = take(limiter, t0); // with bottleneck, waiting for the refill at 10 s
    await vi.advanceTimersByTimeAsync(9_000);
    limiter.pauseUntil(Date.now() + 3_000); // until 12 s: past the refill
    const third = take(limiter, t0);
    await vi.advanceTimersByTimeAsync(30_000);
    expect(await first).toBeLessThan(100);
    const secondAt = (await second) as number;
    expect(secondAt).toBeGreaterThanOrEqual(12_000); // not during the pause
    expect(secondAt).toBeLessThan(13_000); // and with the unit of the 10 s window, given back and taken again
    expect(await third).toBeGreaterThanOrEqual(20_000); // one per window still
    await close(limiter);
  });

  it('units given back never make a window hold more than its limit', async () => {
    const limiter = new LocalLimiter({ limit: 3, intervalMs: 1_000 });
    const t0 = Date.now();
    const aborts = Array.from({ length: 4 }, () => new AbortController());
    const calls = [take(limiter, t0), take(limiter, t0), take(limiter, t0), ...aborts.map((a) => take(limiter, t0, a.signal))];
    await vi.advanceTimersByTimeAsync(10);
    for (const a of aborts) a.abort(); // the three first spent the window; the four leave its refill whole
    await vi.advanceTimersByTimeAsync(1_500);
    await Promise.all(calls);
    const burst = Promise.all(Array.from({ length: 5 }, () => take(limiter, t0)));
    await vi.advanceTimersByTimeAsync(5_000);
    // Three of the five in the window after the refill, as a full reservoir allows; never four.
    const granted = await burst;
    const inFirst = granted.filter((at) => (at as number) < 2_000).length;
    expect(inFirst).toBe(3);
    await close(limiter);
  });
});

describe('timers a limiter keeps', () => {
  it('a pause whose timer fires before the wall clock says it is over (the clock set back) still ends, and the call runs', async () => {
    const limiter = new LocalLimiter({ limit: 5, intervalMs: 60_000 });
    limiter.pauseUntil(Date.now() + 1_000);
    let grantedAt: number | undefined;
    void limiter.acquire({ operationId: 'op', timeoutMs: Infinity }).then((permit) => {
      grantedAt = Date.now();
      permit.release();
    });
    await vi.advanceTimersByTimeAsync(600);
    vi.setSystemTime(Date.now() - 500); // the pause now ends 900 ms from here on the wall clock
    await vi.advanceTimersByTimeAsync(400); // its timer fires: the wall clock says 500 ms to go
    expect(grantedAt).toBeUndefined();
    await vi.advanceTimersByTimeAsync(600);
    expect(grantedAt).toBeDefined();
    await close(limiter);
  });

  it('after close, a late 429 (a call that was in flight) sets no timer, and calls spaced out leave none', async () => {
    const limiter = new LocalLimiter({ limit: 100, intervalMs: 60_000 });
    limiter.reportWindow({ allowed: 100, count: 95, resetMs: 50_000 }); // 5 left for 50 s: 10 s apart
    const calls = Array.from({ length: 3 }, () =>
      limiter.acquire({ operationId: 'op', timeoutMs: 60_000 }).then(
        (p) => p.release(),
        (e: { code: string }) => e.code,
      ),
    );
    await vi.advanceTimersByTimeAsync(10);
    const closed = limiter.close({ rejectQueued: true });
    await vi.advanceTimersByTimeAsync(1_000);
    await closed;
    expect(await Promise.all(calls)).toEqual([undefined, 'E_LIMITER_CLOSED', 'E_LIMITER_CLOSED']);
    limiter.pauseUntil(Date.now() + 60_000);
    expect(vi.getTimerCount()).toBe(0);
  });
});

describe('a pace (minSpacingMs)', () => {
  it('2 per second spaced 510 ms: never 3 starts within any second, where the budget alone lets 4 go within milliseconds across a refill', async () => {
    const measure = async (options: { minSpacingMs?: number }): Promise<number[]> => {
      const limiter = new LocalLimiter({ limit: 2, intervalMs: 1_000, ...options });
      const t0 = Date.now();
      // Two spent just before the refill at 1 s, then four more asked for.
      await vi.advanceTimersByTimeAsync(990);
      const calls = Array.from({ length: 6 }, () => take(limiter, t0));
      await vi.advanceTimersByTimeAsync(5_000);
      const starts = (await Promise.all(calls)) as number[];
      await close(limiter);
      return starts;
    };
    const within = (starts: number[]) => Math.max(...starts.map((s) => starts.filter((t) => t >= s && t < s + 1_000).length));
    const budget = await measure({});
    expect(within(budget)).toBeGreaterThan(2);
    const paced = await measure({ minSpacingMs: 510 });
    expect(within(paced)).toBeLessThanOrEqual(2);
    // bottleneck's minTime, to the millisecond.
    for (let i = 1; i < paced.length; i++) expect((paced[i] as number) - (paced[i - 1] as number)).toBeGreaterThanOrEqual(509);
  });

  it('refuses a spacing that is no number of milliseconds', () => {
    expect(() => new LocalLimiter({ limit: 2, intervalMs: 1_000, minSpacingMs: -1 })).toThrow(/minSpacingMs/);
    expect(() => new LocalLimiter({ limit: 2, intervalMs: 1_000, minSpacingMs: Number.NaN })).toThrow(/minSpacingMs/);
  });
});
