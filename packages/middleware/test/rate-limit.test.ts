/** The local rate limiter through a real client and a loopback server: pacing, concurrency, 429 pauses, header-driven slow-down, back-pressure, close. */
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
import { fakeTransport, respond, settledState, untilTrue } from '../../../test/support/fakes.js';
import { json, type Loopback, startLoopback } from '../../../test/support/loopback.js';
import { pingById as ping } from '../../../test/support/routes.js';
import { sleep } from '../../../test/support/time.js';

let server: Loopback | undefined;
afterEach(async () => {
  vi.useRealTimers();
  await server?.close();
  server = undefined;
});

/** A server that logs START and END (ms since t0) for each request and answers after `holdMs`. */
async function loggingServer(
  holdMs: number,
  answer: (n: number) => { status: number; headers?: Record<string, string> } = () => ({ status: 200 }),
) {
  const log: { at: number; what: 'START' | 'END'; id: string }[] = [];
  const t0 = performance.now();
  let n = 0;
  server = await startLoopback(async (req, res) => {
    const id = req.url.split('/').pop() ?? '';
    const a = answer(n++);
    log.push({ at: performance.now() - t0, what: 'START', id });
    await sleep(holdMs);
    log.push({ at: performance.now() - t0, what: 'END', id });
    json(a.status, { ok: a.status === 200 }, a.headers ?? {})(req, res);
  });
  return { log, url: server.url, t0 };
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
    const { log, url, t0 } = await loggingServer(0);
    // The reservoir is made with the client: its refills come 500 ms and 1 000 ms after this.
    const made = performance.now() - t0;
    const client = createClient({ baseUrl: url, middleware: [rateLimit({ local: { limit: 4, intervalMs: 500 } })] });
    await Promise.all(Array.from({ length: 10 }, (_, i) => client.call(ping, { id: String(i) })));
    const starts = log
      .filter((e) => e.what === 'START')
      .map((e) => e.at - made)
      .sort((a, b) => a - b);
    expect(starts).toHaveLength(10);
    // 4 on the first reservoir, 4 more after one refill, the last 2 after another: lower bounds,
    // which a slow machine cannot break (it only makes calls later), and all ten done.
    expect(starts[4]).toBeGreaterThanOrEqual(500);
    expect(starts[8]).toBeGreaterThanOrEqual(1_000);
    await client.close();
  });

  it('keeps at most maxConcurrent in flight', async () => {
    const { log, url } = await loggingServer(40);
    const client = createClient({
      baseUrl: url,
      middleware: [rateLimit({ local: { limit: 1_000, intervalMs: 1_000, maxConcurrent: 2 } })],
    });
    await Promise.all(Array.from({ length: 8 }, (_, i) => client.call(ping, { id: String(i) })));
    expect(maxInFlight(log)).toBe(2);
    await client.close();
  });

  it('holds every queued call while a 429 says to wait, so a retry does not rush into a second 429', async () => {
    const { log, url } = await loggingServer(5, (n) => (n === 0 ? { status: 429, headers: { 'retry-after': '1' } } : { status: 200 }));
    const client = createClient({
      baseUrl: url,
      middleware: [retry({ minWaitMs: 1 }), rateLimit({ local: { limit: 1_000, intervalMs: 1_000, maxConcurrent: 1 } })],
    });
    const results = await Promise.all(Array.from({ length: 4 }, (_, i) => client.call(ping, { id: String(i) })));
    expect(results.every((r) => r.status === 200)).toBe(true);
    const starts = log.filter((e) => e.what === 'START').map((e) => e.at);
    expect(starts).toHaveLength(5); // one 429, then four successes
    expect(starts.slice(1).every((at) => at >= (starts[0] ?? 0) + 950)).toBe(true);
    await client.close();
  });

  it('slows down when the server’s window runs low, before it answers 429', async () => {
    const { url } = await loggingServer(0, () => ({
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
    const client = createClient({ baseUrl: url, middleware: [rateLimit({ limiter })] });
    const handedOver: number[] = [];
    client.on('attempt.start', () => handedOver.push(performance.now()));
    await client.call(ping, { id: 'first' });
    // The middleware hands the limiter the window the server's headers describe...
    expect(windows).toEqual([{ allowed: 100, count: 95, resetMs: 1_000 }]);
    // ...and the limiter spreads what is left: 5 of 100 with 1 s to go, one turn per 200 ms. Three
    // calls asked for from here: the third cannot start before two spacings have passed. A lower
    // bound from a moment before the first of them (a gap between two starts would shrink when a
    // loaded machine delays the earlier one, as it did by 15 ms with two CPU hogs).
    const asked = performance.now();
    await Promise.all(Array.from({ length: 3 }, (_, i) => client.call(ping, { id: String(i) })));
    expect(handedOver).toHaveLength(4);
    expect((handedOver[3] ?? 0) - asked).toBeGreaterThanOrEqual(400);
    await client.close();
    await limiter.close();
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
    const { log, url } = await loggingServer(100);
    const client = createClient({
      baseUrl: url,
      middleware: [rateLimit({ local: { limit: 1_000, intervalMs: 1_000, maxConcurrent: 1, maxQueued: 2 } })],
    });
    const results = await Promise.allSettled(Array.from({ length: 5 }, (_, i) => client.call(ping, { id: String(i) })));
    const refused = results.filter((r) => r.status === 'rejected').map((r) => r.reason as unknown);
    expect(refused.length).toBeGreaterThan(0);
    for (const error of refused) expect(error).toBeInstanceOf(QueueFullError);
    expect(log.filter((e) => e.what === 'START')).toHaveLength(5 - refused.length);
    await client.close();
  });

  it('takes a queued call out when its deadline passes or its signal aborts, sending nothing for it', async () => {
    const { log, url } = await loggingServer(300);
    const client = createClient({
      baseUrl: url,
      middleware: [rateLimit({ local: { limit: 1_000, intervalMs: 1_000, maxConcurrent: 1 } })],
    });
    const first = client.call(ping, { id: 'first' });
    await untilTrue(() => log.length > 0, 'the first request to arrive');
    const late = client.call(ping, { id: 'late' }, { totalTimeout: 50 }).catch((e: unknown) => e);
    const controller = new AbortController();
    const aborted = client.call(ping, { id: 'aborted' }, { signal: controller.signal }).catch((e: unknown) => e);
    controller.abort(new Error('no longer needed'));
    expect(await late).toMatchObject({ code: 'E_TIMEOUT', kind: 'deadline' });
    expect(await aborted).toMatchObject({ code: 'E_ABORTED' });
    await first;
    // One at a time, first in first out: a call taken out but still queued would go before this one.
    await client.call(ping, { id: 'after' });
    expect(log.filter((e) => e.what === 'START').map((e) => e.id)).toEqual(['first', 'after']);
    await client.close();
  });

  it('closes gracefully: no new calls, queued ones finish; or, when asked, queued ones are rejected', async () => {
    const { log, url } = await loggingServer(50);
    // The limiter it made from `local` is the middleware's own: client.close() closes it.
    const limiting = rateLimit({ local: { limit: 1_000, intervalMs: 1_000, maxConcurrent: 1 } });
    const client = createClient({ baseUrl: url, middleware: [limiting] });
    const calls = Array.from({ length: 3 }, (_, i) => client.call(ping, { id: String(i) }));
    await untilTrue(() => log.length > 0, 'the first request to arrive'); // one sent, two queued
    await client.close();
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
    const { log, url } = await loggingServer(0);
    const limiter = new LocalLimiter({ limit: 1_000, intervalMs: 1_000 });
    const first = createClient({ baseUrl: url, middleware: [rateLimit({ limiter })] });
    const second = createClient({ baseUrl: url, middleware: [rateLimit({ limiter })] });
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
    const { url } = await loggingServer(0, () => ({ status: 429, headers: { 'retry-after': '86400' } }));
    const limiter = new LocalLimiter({ limit: 100, intervalMs: 1_000 });
    const pauses: number[] = [];
    const recording: Limiter = {
      acquire: (options) => limiter.acquire(options),
      pauseUntil: (until) => void pauses.push(until - Date.now()),
      reportWindow: (window) => limiter.reportWindow(window),
      close: () => limiter.close(),
      queued: 0,
    };
    for (const [options, cap] of [
      [{}, 60_000],
      [{ maxPauseMs: 5_000 }, 5_000],
    ] as const) {
      const client = createClient({ baseUrl: url, middleware: [rateLimit({ limiter: recording, ...options })] });
      await client.call(ping, { id: 'x' }).catch(() => undefined);
      await client.close();
      expect(pauses.at(-1)).toBeGreaterThan(cap - 1_000);
      expect(pauses.at(-1)).toBeLessThanOrEqual(cap);
    }
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
    const limiter = new LocalLimiter({ limit: 3, intervalMs: 60_000, maxConcurrent: 1, maxQueued: 2 });
    const running = await limiter.acquire({ operationId: 'a', timeoutMs: 5_000 });
    const gaveUp = await Promise.all([
      limiter.acquire({ operationId: 'b', timeoutMs: 50 }).catch((e: unknown) => e),
      limiter.acquire({ operationId: 'c', timeoutMs: 50 }).catch((e: unknown) => e),
    ]);
    expect(gaveUp.map((e) => (e as { code: string }).code)).toEqual(['E_TIMEOUT', 'E_TIMEOUT']);
    // Their places are free again...
    const next = [limiter.acquire({ operationId: 'd', timeoutMs: 2_000 }), limiter.acquire({ operationId: 'e', timeoutMs: 2_000 })];
    running.release();
    // ...and so is their quota: 3 per minute covers a, d and e.
    await Promise.all(next.map((granted) => granted.then((permit) => permit.release())));
    await limiter.close();
  });

  it('returns the same promise from a second close', async () => {
    const limiter = new LocalLimiter({ limit: 1, intervalMs: 1_000 });
    expect(limiter.close()).toBe(limiter.close());
    await limiter.close();
  });
});
