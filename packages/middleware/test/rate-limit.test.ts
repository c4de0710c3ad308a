/**
 * The local rate limiter through a real client: pacing, concurrency, 429 pauses, header-driven
 * slow-down, back-pressure, close. On a fake clock with an in-memory server: every timer the
 * limiter and the calls wait on is simulated, so a test takes no real time and a slow machine
 * cannot move any time it checks.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { ConfigurationError, createClient } from '@switchboard/core';
import {
  DEFAULT_RETRY_SETTINGS,
  type Limiter,
  LimiterClosedError,
  LocalLimiter,
  QueueFullError,
  rateLimit,
  retry,
  type ServerWindow,
} from '@switchboard/middleware';
import { runClockUntil, runClockUntilSettled, useFakeClock } from '../../../test/support/fake-clock.js';
import { fakeTransport, respond, settledState, untilTrue } from '../../../test/support/fakes.js';
import { pingById as ping } from '../../../test/support/routes.js';

afterEach(() => {
  vi.useRealTimers();
});

/** The URL the in-memory server answers at (nothing listens there). */
const baseUrl = 'http://127.0.0.1:9';

/**
 * An in-memory server that logs START and END (ms since the clock's origin) for each request and
 * answers after `holdMs`: simulated milliseconds, on a fake clock (see {@link useFakeClock}).
 */
function loggingServer(
  holdMs: number,
  answer: (n: number) => { status: number; headers?: Record<string, string> } = () => ({ status: 200 }),
) {
  const log: { at: number; what: 'START' | 'END'; id: string }[] = [];
  let n = 0;
  const transport = fakeTransport(async (request) => {
    const id = request.url.split('/').pop() ?? '';
    const a = answer(n++);
    log.push({ at: performance.now(), what: 'START', id });
    await new Promise((resolve) => setTimeout(resolve, holdMs));
    log.push({ at: performance.now(), what: 'END', id });
    return respond(a.status, { ok: a.status === 200 }, a.headers ?? {});
  });
  return { log, transport };
}

function maxInFlight(log: { what: 'START' | 'END' }[]): number {
  let now = 0;
  let max = 0;
  for (const entry of log) {
    now += entry.what === 'START' ? 1 : -1;
    max = Math.max(max, now);
  }
  return max;
}

describe('local rate limiting', () => {
  it('paces calls to the limit per interval', async () => {
    useFakeClock({ immediates: true });
    const { log, transport } = loggingServer(0);
    // The reservoir is made with the client: its refills come 500 ms and 1 000 ms after this.
    const made = performance.now();
    const client = createClient({ baseUrl, transport, middleware: [rateLimit({ local: { limit: 4, intervalMs: 500 } })] });
    await runClockUntilSettled(Promise.all(Array.from({ length: 10 }, (_, i) => client.call(ping, { id: String(i) }))), 1_500);
    const starts = log
      .filter((e) => e.what === 'START')
      .map((e) => e.at - made)
      .sort((a, b) => a - b);
    expect(starts).toHaveLength(10);
    // 4 on the first reservoir, 4 more after one refill, the last 2 after another, and none of
    // them waits for a refill more than it needs: each group goes before the next refill.
    expect(starts[3]).toBeLessThan(500);
    expect(starts[4]).toBeGreaterThanOrEqual(500);
    expect(starts[7]).toBeLessThan(1_000);
    expect(starts[8]).toBeGreaterThanOrEqual(1_000);
    await runClockUntilSettled(client.close(), 1_000);
  });

  it('keeps at most maxConcurrent in flight', async () => {
    useFakeClock({ immediates: true });
    const { log, transport } = loggingServer(40);
    const client = createClient({
      baseUrl,
      transport,
      middleware: [rateLimit({ local: { limit: 1_000, intervalMs: 1_000, maxConcurrent: 2 } })],
    });
    await runClockUntilSettled(Promise.all(Array.from({ length: 8 }, (_, i) => client.call(ping, { id: String(i) }))), 1_000);
    expect(maxInFlight(log)).toBe(2);
    await runClockUntilSettled(client.close(), 1_000);
  });

  it('holds every queued call while a 429 says to wait, so a retry does not rush into a second 429', async () => {
    useFakeClock({ immediates: true });
    const { log, transport } = loggingServer(5, (n) => (n === 0 ? { status: 429, headers: { 'retry-after': '1' } } : { status: 200 }));
    const client = createClient({
      baseUrl,
      transport,
      middleware: [retry({ minWaitMs: 1 }), rateLimit({ local: { limit: 1_000, intervalMs: 1_000, maxConcurrent: 1 } })],
    });
    const results = await runClockUntilSettled(
      Promise.all(Array.from({ length: 4 }, (_, i) => client.call(ping, { id: String(i) }))),
      2_000,
    );
    expect(results.every((r) => r.status === 200)).toBe(true);
    const starts = log.filter((e) => e.what === 'START').map((e) => e.at);
    expect(starts).toHaveLength(5); // one 429, then four successes
    // The 429 went back when its request ENDed: nothing started within the second after it.
    const refusedAt = log.find((e) => e.what === 'END')?.at ?? Infinity;
    for (const at of starts.slice(1)) expect(at).toBeGreaterThanOrEqual(refusedAt + 1_000);
    await runClockUntilSettled(client.close(), 1_000);
  });

  it('slows down when the server’s window runs low, before it answers 429', async () => {
    useFakeClock({ immediates: true });
    const { transport } = loggingServer(0, () => ({
      status: 200,
      headers: { 'inin-ratelimit-allowed': '100', 'inin-ratelimit-count': '95', 'inin-ratelimit-reset': '1' },
    }));
    const limiter = new LocalLimiter({ limit: 1_000, intervalMs: 1_000, maxConcurrent: 1 });
    const windows: ServerWindow[] = [];
    const report = limiter.reportWindow.bind(limiter);
    limiter.reportWindow = (window) => {
      windows.push(window);
      report(window);
    };
    const client = createClient({ baseUrl, transport, middleware: [rateLimit({ limiter })] });
    const handedOver: number[] = [];
    client.on('attempt.start', () => handedOver.push(performance.now()));
    await runClockUntilSettled(client.call(ping, { id: 'first' }), 100);
    // The middleware hands the limiter the window the server's headers describe...
    expect(windows).toEqual([{ allowed: 100, count: 95, resetMs: 1_000 }]);
    // ...and the limiter spreads what is left: 5 of 100 with 1 s to go, one turn per 200 ms. Three
    // calls asked for from here: the third cannot start before two spacings have passed.
    const asked = performance.now();
    await runClockUntilSettled(Promise.all(Array.from({ length: 3 }, (_, i) => client.call(ping, { id: String(i) }))), 1_000);
    expect(handedOver).toHaveLength(4);
    expect((handedOver[3] ?? 0) - asked).toBeGreaterThanOrEqual(400);
    await runClockUntilSettled(Promise.all([client.close(), limiter.close()]), 1_000);
  });

  it('keeps refilling its reservoir after slowing down (bottleneck 2.19.5’s updateSettings would stop the refill)', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'Date', 'performance'] });
    const limiter = new LocalLimiter({ limit: 3, intervalMs: 300 });
    for (let i = 0; i < 3; i++) (await limiter.acquire({ operationId: 'x', timeoutMs: 5_000 })).release();
    limiter.reportWindow({ allowed: 10, count: 9, resetMs: 100 });
    limiter.reportWindow({ allowed: 10, count: 1, resetMs: 1_000 });
    const fourth = settledState(limiter.acquire({ operationId: 'x', timeoutMs: 5_000 }));
    // The reservoir is empty until the next refill, 300 ms after the first: then the fourth goes.
    await vi.advanceTimersByTimeAsync(600);
    await untilTrue(() => fourth.current !== 'pending', 'the fourth turn, after the refill');
    expect(fourth.current).toHaveProperty('resolved');
    if (typeof fourth.current === 'object' && 'resolved' in fourth.current) (fourth.current.resolved as { release(): void }).release();
    await limiter.close();
  });

  it('refuses a call it cannot queue, with a typed error and nothing sent', async () => {
    useFakeClock({ immediates: true });
    const { log, transport } = loggingServer(100);
    const client = createClient({
      baseUrl,
      transport,
      middleware: [rateLimit({ local: { limit: 1_000, intervalMs: 1_000, maxConcurrent: 1, maxQueued: 2 } })],
    });
    const calls = Promise.allSettled(Array.from({ length: 5 }, (_, i) => client.call(ping, { id: String(i) })));
    const results = await runClockUntilSettled(calls, 1_000);
    const refused = results.filter((r) => r.status === 'rejected').map((r) => r.reason as unknown);
    expect(refused.length).toBeGreaterThan(0);
    for (const error of refused) expect(error).toBeInstanceOf(QueueFullError);
    expect(log.filter((e) => e.what === 'START')).toHaveLength(5 - refused.length);
    await runClockUntilSettled(client.close(), 1_000);
  });

  it('takes a queued call out when its deadline passes or its signal aborts, sending nothing for it', async () => {
    useFakeClock({ immediates: true });
    const { log, transport } = loggingServer(300);
    const client = createClient({
      baseUrl,
      transport,
      middleware: [rateLimit({ local: { limit: 1_000, intervalMs: 1_000, maxConcurrent: 1 } })],
    });
    const first = client.call(ping, { id: 'first' });
    await runClockUntil(() => log.length > 0, 'the first request to arrive', 100);
    const late = client.call(ping, { id: 'late' }, { totalTimeout: 50 }).catch((e: unknown) => e);
    const controller = new AbortController();
    const aborted = client.call(ping, { id: 'aborted' }, { signal: controller.signal }).catch((e: unknown) => e);
    controller.abort(new Error('no longer needed'));
    // Both leave the queue while the first still holds the only turn (it ends 300 ms after it began).
    expect(await runClockUntilSettled(late, 100)).toMatchObject({ code: 'E_TIMEOUT', kind: 'deadline' });
    expect(await runClockUntilSettled(aborted, 0)).toMatchObject({ code: 'E_ABORTED' });
    expect(log.filter((e) => e.what === 'END')).toEqual([]);
    await runClockUntilSettled(first, 1_000);
    // One at a time, first in first out: a call taken out but still queued would go before this one.
    await runClockUntilSettled(client.call(ping, { id: 'after' }), 1_000);
    expect(log.filter((e) => e.what === 'START').map((e) => e.id)).toEqual(['first', 'after']);
    await runClockUntilSettled(client.close(), 1_000);
  });

  it('closes gracefully: no new calls, queued ones finish; or, when asked, queued ones are rejected', async () => {
    useFakeClock({ immediates: true });
    const { log, transport } = loggingServer(50);
    // The limiter it made from `local` is the middleware's own: client.close() closes it.
    const limiting = rateLimit({ local: { limit: 1_000, intervalMs: 1_000, maxConcurrent: 1 } });
    const client = createClient({ baseUrl, transport, middleware: [limiting] });
    const calls = Array.from({ length: 3 }, (_, i) => client.call(ping, { id: String(i) }));
    await runClockUntil(() => log.length > 0, 'the first request to arrive', 100); // one sent, two queued
    await runClockUntilSettled(client.close(), 1_000);
    expect((await Promise.all(calls)).map((r) => r.status)).toEqual([200, 200, 200]);
    await expect(limiting.limiter.acquire({ operationId: 'x', timeoutMs: 1_000 })).rejects.toBeInstanceOf(LimiterClosedError);
  });

  it('closes with rejectQueued: the queued calls are rejected, the one holding a turn keeps it', async () => {
    vi.useFakeTimers();
    const rejecting = new LocalLimiter({ limit: 1_000, intervalMs: 1_000, maxConcurrent: 1 });
    const held = rejecting.acquire({ operationId: 'a', timeoutMs: 1_000 });
    await vi.advanceTimersByTimeAsync(10);
    const queued = settledState(rejecting.acquire({ operationId: 'b', timeoutMs: 1_000 }));
    await vi.advanceTimersByTimeAsync(10);
    expect(queued.current).toBe('pending'); // queued behind the turn held
    const closing = rejecting.close({ rejectQueued: true });
    await vi.advanceTimersByTimeAsync(10);
    expect((queued.current as { rejected?: unknown }).rejected).toBeInstanceOf(LimiterClosedError);
    (await held).release();
    await vi.advanceTimersByTimeAsync(1_000);
    await closing;
  });
});

describe('a shared limiter', () => {
  it('stays open when one of the clients sharing it closes, and closes when its maker closes it', async () => {
    // No clock to fake: nothing here waits, and the limiter's turns take well under a millisecond.
    const { log, transport } = loggingServer(0);
    const limiter = new LocalLimiter({ limit: 1_000, intervalMs: 1_000 });
    const first = createClient({ baseUrl, transport, middleware: [rateLimit({ limiter })] });
    const second = createClient({ baseUrl, transport, middleware: [rateLimit({ limiter })] });
    await first.call(ping, { id: 'a' });
    await first.close();
    expect((await second.call(ping, { id: 'b' })).status).toBe(200);
    await second.close();
    expect(log.filter((e) => e.what === 'START').map((e) => e.id)).toEqual(['a', 'b']);
    await limiter.close();
    await expect(limiter.acquire({ operationId: 'x', timeoutMs: 1_000 })).rejects.toBeInstanceOf(LimiterClosedError);
  });

  it('refuses close options for a limiter passed in, which client.close() does not close', async () => {
    const limiter = new LocalLimiter({ limit: 10, intervalMs: 1_000 });
    expect(() => rateLimit({ limiter, close: { rejectQueued: true } })).toThrow(ConfigurationError);
    await limiter.close();
  });
});

describe('the pause a 429 sets', () => {
  it('is capped at maxPauseMs (60 s by default): a daily limit does not hold every process sharing the limiter for a day', async () => {
    // The clock stands still: each pause is read to the millisecond.
    vi.useFakeTimers({ toFake: ['Date'] });
    const { transport } = loggingServer(0, () => ({ status: 429, headers: { 'retry-after': '86400' } }));
    const limiter = new LocalLimiter({ limit: 100, intervalMs: 1_000 });
    const pauses: number[] = [];
    const recording: Limiter = {
      acquire: (options) => limiter.acquire(options),
      pauseUntil: (until) => void pauses.push(until - Date.now()),
      reportWindow: (window) => limiter.reportWindow(window),
      close: () => limiter.close(),
      queued: 0,
    };
    for (const options of [{}, { maxPauseMs: 5_000 }]) {
      const client = createClient({ baseUrl, transport, middleware: [rateLimit({ limiter: recording, ...options })] });
      await client.call(ping, { id: 'x' }).catch(() => undefined);
      await client.close();
    }
    expect(pauses).toEqual([60_000, 5_000]);
    await limiter.close();
  });
});

describe('the pause a 429 sets, by default', () => {
  it.each([
    ['the server’s wait', { 'retry-after': '3' }, 3_000],
    ['no usable wait: 1 s', { 'retry-after': 'soon' }, 1_000],
    ['Retry-After: 0: none, no floor here', { 'retry-after': '0' }, 0],
    ['a daily limit: the cap, the retry’s maxServerWaitMs', { 'retry-after': '86400' }, DEFAULT_RETRY_SETTINGS.maxServerWaitMs],
  ])('%s', async (_name, headers, pauseMs) => {
    // The clock stands still: each pause is read to the millisecond.
    vi.useFakeTimers({ toFake: ['Date'] });
    const pauses: number[] = [];
    const recording: Limiter = {
      acquire: () => Promise.resolve({ release: () => undefined }),
      pauseUntil: (until) => void pauses.push(until - Date.now()),
      reportWindow: () => undefined,
      close: () => Promise.resolve(),
      queued: 0,
    };
    const transport = fakeTransport(() => respond(429, {}, headers));
    const client = createClient({ baseUrl: 'http://127.0.0.1:9', transport, middleware: [rateLimit({ limiter: recording })] });
    await client.call(ping, { id: 'x' }).catch(() => undefined);
    await client.close();
    expect(pauses).toEqual([pauseMs]);
  });
});

describe('limiter edge cases', () => {
  it('rejects calls waiting out a pause when closed with rejectQueued, at once', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'Date', 'performance'] });
    const limiter = new LocalLimiter({ limit: 100, intervalMs: 1_000 });
    limiter.pauseUntil(Date.now() + 2_000);
    const waiting = settledState(limiter.acquire({ operationId: 'x', timeoutMs: 10_000 }));
    await vi.advanceTimersByTimeAsync(50);
    expect(waiting.current).toBe('pending');
    // No time passes on the clock from here: rejected at once, not when the pause ends.
    await limiter.close({ rejectQueued: true });
    await untilTrue(() => waiting.current !== 'pending', 'the queued call to be refused');
    expect(waiting.current).toMatchObject({ rejected: expect.any(LimiterClosedError) as unknown });
  });

  it('stops spacing calls once the server’s window has reset, even without new headers', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'Date', 'performance'] });
    const limiter = new LocalLimiter({ limit: 100, intervalMs: 1_000 });
    limiter.reportWindow({ allowed: 10, count: 9, resetMs: 200 }); // 1 left for 200 ms: 200 ms apart
    (await limiter.acquire({ operationId: 'x', timeoutMs: 5_000 })).release();
    await vi.advanceTimersByTimeAsync(250);
    // The window has reset: three turns go with the clock standing still, none spaced.
    const started = Date.now();
    for (let i = 0; i < 3; i++) (await limiter.acquire({ operationId: 'x', timeoutMs: 5_000 })).release();
    expect(Date.now()).toBe(started);
    await limiter.close();
  });

  it('frees the queue place and the quota of a call that gave up while queued', async () => {
    useFakeClock({ immediates: true });
    const limiter = new LocalLimiter({ limit: 3, intervalMs: 60_000, maxConcurrent: 1, maxQueued: 2 });
    const running = await runClockUntilSettled(limiter.acquire({ operationId: 'a', timeoutMs: 5_000 }), 100);
    const giveUp = Promise.all([
      limiter.acquire({ operationId: 'b', timeoutMs: 50 }).catch((e: unknown) => e),
      limiter.acquire({ operationId: 'c', timeoutMs: 50 }).catch((e: unknown) => e),
    ]);
    const gaveUp = await runClockUntilSettled(giveUp, 100);
    expect(gaveUp.map((e) => (e as { code: string }).code)).toEqual(['E_TIMEOUT', 'E_TIMEOUT']);
    // Their places are free again...
    const next = [limiter.acquire({ operationId: 'd', timeoutMs: 2_000 }), limiter.acquire({ operationId: 'e', timeoutMs: 2_000 })];
    running.release();
    // ...and so is their quota: 3 per minute covers a, d and e (the clock stays far from the refill a minute on).
    await runClockUntilSettled(Promise.all(next.map((granted) => granted.then((permit) => permit.release()))), 1_000);
    await runClockUntilSettled(limiter.close(), 1_000);
  });

  it('returns the same promise from a second close', async () => {
    const limiter = new LocalLimiter({ limit: 1, intervalMs: 1_000 });
    expect(limiter.close()).toBe(limiter.close());
    await limiter.close();
  });
});
