/**
 * The client-wide pause after a 429, on a fake clock: every timer the pause, the retry and the
 * limiter wait on is simulated, so each wait is checked to the millisecond, in no real time. The
 * calls go to an in-memory transport, except where the point is that a real server's 429 reaches
 * the pause through each built-in transport.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { AbortError, type Client, createClient, defineRoute, HttpError, type Middleware } from '@switchboard/core';
import { DEFAULT_RETRY_SETTINGS, LocalLimiter, pauseAfter429, RateLimitError, rateLimit, retry } from '@switchboard/middleware';
import { runClockUntilSettled, useFakeClock } from '../../../test/support/fake-clock.js';
import { fakeTransport, respond, settledState, untilTrue } from '../../../test/support/fakes.js';
import { type Loopback, startLoopback } from '../../../test/support/loopback.js';
import { ping } from '../../../test/support/routes.js';

const pingAsUser = defineRoute<Record<string, never>, unknown>({ ...ping, operationId: 'pingAsUser', auth: 'oauth' });

let server: Loopback | undefined;
afterEach(async () => {
  vi.useRealTimers();
  await server?.close();
  server = undefined;
});

/** An in-memory server that answers 429 `Retry-After: retryAfter` to its first `throttled` requests, then 200; it notes when each request came (ms on the fake clock). */
function throttlingTransport(throttled: number, retryAfter = '0') {
  const arrivals: number[] = [];
  const transport = fakeTransport((_request, n) => {
    arrivals.push(performance.now());
    return n <= throttled ? respond(429, { code: 'too.many.requests.retry.after' }, { 'retry-after': retryAfter }) : respond(200);
  });
  return { transport, arrivals };
}

/** A caller that calls again as soon as a call ends, as a polling loop does, until one succeeds (at most 20 calls); the last status. */
async function callUntilOk(client: Client): Promise<number> {
  let outcome = 0;
  for (let call = 0; call < 20 && outcome !== 200; call++)
    outcome = await client.call(ping, {}).then(
      (r) => r.status,
      () => 429,
    );
  return outcome;
}

/** How long after each request the next one came. With an in-memory server a 429 goes back the instant its request comes. */
const gapsBetween = (arrivals: readonly number[]) => arrivals.slice(1).map((at, i) => at - (arrivals[i] ?? 0));

/** A middleware placed right inside the pause: it notes when each request leaves the pause, and when each 429 comes back to it. */
function pauseEdgeProbe(log: { readonly left: number[]; readonly refused: number[] }): Middleware {
  return {
    name: 'pause-edge-probe',
    phase: 'attempt',
    async handle(_ctx, next) {
      log.left.push(performance.now());
      const response = await next();
      if (response.status === 429) log.refused.push(performance.now());
      return response;
    },
  };
}

describe('pauseAfter429', () => {
  it('turns a loop of calls on Retry-After: 0 into one request per 100 ms, to the millisecond', async () => {
    useFakeClock();
    const { transport, arrivals } = throttlingTransport(12);
    const client = createClient({ baseUrl: 'http://127.0.0.1:9', transport, middleware: [retry({ maxAttempts: 2 }), pauseAfter429()] });
    const started = performance.now();
    expect(await runClockUntilSettled(callUntilOk(client), 1_300)).toBe(200);
    // Every request after a 429, whichever call it belonged to, went when the 100 ms floor was
    // over: not sooner (without the pause each call's first request would go at once), nor later.
    expect(arrivals.map((at) => at - started)).toEqual(Array.from({ length: 13 }, (_, i) => i * 100));
    await client.close();
  });

  it('keeps that floor with a rate limiter, whose own pause after Retry-After: 0 is none', async () => {
    // The limiter's turns take a few simulated milliseconds (see useFakeClock): the floor is timed
    // where a request leaves the pause (on its way to the limiter), and checked as a lower bound at the server.
    useFakeClock({ immediates: true });
    const { transport, arrivals } = throttlingTransport(12);
    const limiter = new LocalLimiter({ limit: 1_000, intervalMs: 1_000 });
    const pauseEdge = { left: [] as number[], refused: [] as number[] };
    const middleware = [retry({ maxAttempts: 2 }), pauseAfter429(), pauseEdgeProbe(pauseEdge), rateLimit({ limiter })];
    const client = createClient({ baseUrl: 'http://127.0.0.1:9', transport, middleware });
    expect(await runClockUntilSettled(callUntilOk(client), 2_000)).toBe(200);
    expect(arrivals).toHaveLength(13);
    // Each request after the first left the pause exactly 100 ms after the last 429 came back to it...
    expect(pauseEdge.left.slice(1).map((at, i) => at - (pauseEdge.refused[i] ?? 0))).toEqual(Array<number>(12).fill(100));
    // ...so that the server saw no two requests less than 100 ms apart.
    for (const gap of gapsBetween(arrivals)) expect(gap).toBeGreaterThanOrEqual(100);
    // Closing takes bottleneck turns too.
    await runClockUntilSettled(Promise.all([client.close(), limiter.close()]), 1_000);
  });

  it("holds the client's other calls in the same scope until the server's wait has passed, and no other scope", async () => {
    useFakeClock();
    const { transport, arrivals } = throttlingTransport(1, '1');
    const client = createClient({ baseUrl: 'http://127.0.0.1:9', transport, middleware: [pauseAfter429()] });
    await expect(client.call(ping, {})).rejects.toMatchObject({ status: 429 });
    const held = settledState(client.call(ping, {}));
    const other = settledState(client.call(pingAsUser, {}));
    await vi.advanceTimersByTimeAsync(999);
    // The call in another scope went at once, without waiting; the one in the 429's scope is still held.
    expect(other.current).toMatchObject({ resolved: { status: 200, waitedMs: 0 } });
    expect(held.current).toBe('pending');
    expect(arrivals).toEqual([0, 0]);
    await vi.advanceTimersByTimeAsync(1);
    // ...until the server's second has passed, to the millisecond.
    await untilTrue(() => held.current !== 'pending', 'the held call to go once the pause is over');
    expect(held.current).toMatchObject({ resolved: { status: 200, waitedMs: 1_000 } });
    expect(arrivals).toEqual([0, 0, 1_000]);
    await client.close();
  });

  it('fails a call whose deadline comes before the pause ends at once, sending nothing; an aborted one likewise', async () => {
    useFakeClock();
    const { transport } = throttlingTransport(1, '30');
    const client = createClient({ baseUrl: 'http://127.0.0.1:9', transport, middleware: [pauseAfter429()] });
    await client.call(ping, {}).catch(() => undefined);
    // The clock stands still from here: a call that waited for the pause to end would never settle.
    await expect(client.call(ping, {}, { totalTimeout: 5_000 })).rejects.toBeInstanceOf(RateLimitError);
    const controller = new AbortController();
    const aborted = client.call(ping, {}, { signal: controller.signal });
    controller.abort();
    await expect(aborted).rejects.toBeInstanceOf(AbortError);
    expect(transport.sent).toBe(1);
    await client.close();
  });
});

/**
 * The middleware is transport-blind; what each built-in transport must do is hand a real server's
 * 429 and its Retry-After to the pipeline as an answer, and not try again by itself. A real server
 * on the fake clock: its socket traffic takes no simulated time, so the wait is still exact.
 */
describe.each(['ky', 'undici'] as const)('pauseAfter429 on %s', (transportName) => {
  it('holds the next call for the 100 ms floor after a real server’s 429 Retry-After: 0', async () => {
    const arrivals: number[] = [];
    server = await startLoopback((_request, res) => {
      arrivals.push(performance.now());
      if (arrivals.length === 1) res.writeHead(429, { 'content-type': 'application/json', 'retry-after': '0' }).end('{}');
      else res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
    useFakeClock();
    const client = createClient({ baseUrl: server.url, transport: transportName, middleware: [pauseAfter429()] });
    const started = performance.now();
    // The 429 stands (there is no retry here, and the transport adds none of its own).
    await expect(client.call(ping, {})).rejects.toBeInstanceOf(HttpError);
    const held = settledState(client.call(ping, {}));
    await vi.advanceTimersByTimeAsync(DEFAULT_RETRY_SETTINGS.minWaitMs);
    await untilTrue(() => held.current !== 'pending', 'the held call to go once the pause is over, and its answer');
    // Sent only now (the fake clock stands still while the request travels): Retry-After: 0 was read,
    // and raised to the floor; a 429 without a usable wait would have held it for 1 s.
    expect(held.current).toMatchObject({ resolved: { status: 200, waitedMs: DEFAULT_RETRY_SETTINGS.minWaitMs } });
    expect(arrivals.map((at) => at - started)).toEqual([0, DEFAULT_RETRY_SETTINGS.minWaitMs]);
    await client.close();
  });
});

describe('pauseAfter429’s defaults', () => {
  it.each([
    ['Retry-After: 0: the floor, the retry’s minWaitMs', { 'retry-after': '0' }, DEFAULT_RETRY_SETTINGS.minWaitMs],
    ['no usable wait: 1 s', { 'retry-after': 'soon' }, 1_000],
    ['a daily limit: the cap, the retry’s maxServerWaitMs', { 'retry-after': '86400' }, DEFAULT_RETRY_SETTINGS.maxServerWaitMs],
  ])('%s', async (_name, headers, pauseMs) => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date', 'performance'] });
    const transport = fakeTransport([() => respond(429, {}, headers), () => respond(200)]);
    const client = createClient({ baseUrl: 'http://127.0.0.1:9', transport, middleware: [pauseAfter429()] });
    await client.call(ping, {}).catch(() => undefined);
    const held = settledState(client.call(ping, {}));
    await vi.advanceTimersByTimeAsync(pauseMs - 1);
    expect(transport.sent).toBe(1);
    await vi.advanceTimersByTimeAsync(1);
    await untilTrue(() => held.current !== 'pending', 'the held call to go once the pause is over');
    expect(held.current).toMatchObject({ resolved: { status: 200, waitedMs: pauseMs } });
    expect(transport.sent).toBe(2);
    await client.close();
  });
});

describe('the retry budget and 429s', () => {
  it('retrying 429s does not spend the budget: after forty 429s a later 429 with Retry-After: 1 is still retried', async () => {
    useFakeClock();
    // Forty 429s with Retry-After: 0, then one with Retry-After: 1, then 200s.
    const transport = fakeTransport((_request, n) => (n <= 41 ? respond(429, {}, { 'retry-after': n <= 40 ? '0' : '1' }) : respond(200)));
    const client = createClient({
      baseUrl: 'http://127.0.0.1:9',
      transport,
      middleware: [retry({ maxAttempts: 2, minWaitMs: 0 }), pauseAfter429({ minPauseMs: 0 })],
    });
    // Twenty calls of two 429s each, every wait 0 ms: they settle with the clock standing still.
    for (let call = 0; call < 20; call++) {
      const refused = client.call(ping, {}).catch(() => undefined);
      await runClockUntilSettled(refused, 0);
    }
    expect(transport.sent).toBe(40);
    const result = await runClockUntilSettled(client.call(ping, {}), 1_000);
    expect(result).toMatchObject({ status: 200, attempts: 2, waitedMs: 1_000 });
    await client.close();
  });
});
