/** The retry loop over HTTP (nock); a test that times a wait runs it on a fake clock. */
import nock from 'nock';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { AbortError, type CallEvent, createClient, defineRoute, HttpError, type Middleware, type RetryEvent } from '@switchboard/core';
import { OutcomeUnknownError, RateLimitError, retry, type RetryOptions, retryPerCall } from '@switchboard/middleware';
import { againOn, settledState, untilTrue } from '../../../test/support/fakes.js';
import { startLoopback } from '../../../test/support/loopback.js';

const baseUrl = 'https://api.retry.test';
const getThing = defineRoute<{ id: string }, { ok: boolean }>({
  operationId: 'getThing',
  method: 'GET',
  path: '/things/{id}',
  pathParams: [{ name: 'id', type: 'string', required: true }],
  queryParams: [],
  auth: 'none',
  idempotent: true,
  deprecated: false,
  successStatus: 200,
});
const postThing = defineRoute<{ body: { text: string } }, { ok: boolean }>({
  operationId: 'postThing',
  method: 'POST',
  path: '/things',
  pathParams: [],
  queryParams: [],
  body: { required: true },
  auth: 'none',
  idempotent: false,
  deprecated: false,
  successStatus: 200,
});

beforeAll(() => nock.disableNetConnect());
afterEach(() => {
  vi.useRealTimers();
  nock.cleanAll();
  // A test that let loopback traffic through must not leave it let through for the next.
  nock.disableNetConnect();
});
afterAll(() => nock.enableNetConnect());

/** Fakes the clock the retry loop waits on (timers, Date, performance); nock's own I/O stays real. */
function useFakeClock(options: { now?: Date } = {}): void {
  vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date', 'performance'], ...options });
}

function client(options: RetryOptions = {}) {
  const events: RetryEvent[] = [];
  const middleware = retry({ random: () => 0.5, onRetry: (e) => events.push(e), ...options });
  return { client: createClient({ baseUrl, middleware: [middleware] }), events, budget: middleware.budget };
}

function counted(status: number, headers: Record<string, string> = {}, times = 1) {
  const seen = { count: 0 };
  nock(baseUrl)
    .get('/things/1')
    .times(times)
    .reply(() => {
      seen.count++;
      return [status, { code: 'x', status }, headers];
    });
  return seen;
}

describe('429', () => {
  it('waits as long as Retry-After says, then succeeds; the result reports attempts and the wait', async () => {
    counted(429, { 'retry-after': '1' });
    nock(baseUrl).get('/things/1').reply(200, { ok: true });
    useFakeClock();
    const { client: c, events } = client();
    const outcome = c.call(getThing, { id: '1' });
    await untilTrue(() => events.length === 1, 'the 429 and the retry it plans');
    await vi.advanceTimersByTimeAsync(999);
    expect(nock.pendingMocks()).toHaveLength(1); // still waiting: the second request has not gone
    await vi.advanceTimersByTimeAsync(1);
    const result = await outcome;
    expect(result).toMatchObject({ status: 200, attempts: 2, waitedMs: 1_000 });
    expect(events).toEqual([
      {
        type: 'retry',
        operationId: 'getThing',
        time: expect.any(Number) as unknown,
        attempt: 1,
        waitMs: 1_000,
        reason: 'retry-after',
        status: 429,
        errorType: '429',
      },
    ]);
  });

  it('reads the HTTP-date form', async () => {
    useFakeClock({ now: new Date('2026-03-01T12:00:00.000Z') });
    counted(429, { 'retry-after': 'Sun, 01 Mar 2026 12:00:02 GMT' });
    nock(baseUrl).get('/things/1').reply(200, { ok: true });
    const { client: c, events } = client();
    const outcome = c.call(getThing, { id: '1' });
    await untilTrue(() => events.length === 1, 'the 429 and the retry it plans');
    // Two seconds from the clock's now, less the time the first answer took on the fake clock (none).
    expect(events[0]).toMatchObject({ reason: 'retry-after', waitMs: 2_000 });
    await vi.advanceTimersByTimeAsync(1_999);
    expect(nock.pendingMocks()).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(1);
    await expect(outcome).resolves.toMatchObject({ status: 200, attempts: 2 });
  });

  it('backs off briefly when the header is missing or unparseable, never a fixed minute', async () => {
    counted(429, { 'retry-after': 'soon' });
    counted(429);
    nock(baseUrl).get('/things/1').reply(200, { ok: true });
    const { client: c, events } = client();
    await c.call(getThing, { id: '1' });
    expect(events.map((e) => e.reason)).toEqual(['backoff', 'backoff']);
    // The planned waits are the backoff's own (base 200 ms, doubling), not a minute.
    for (const event of events) expect(event.waitMs).toBeLessThan(1_000);
  });

  it('fails at once, without waiting, when the wait is above the cap', async () => {
    const seen = counted(429, { 'retry-after': '120' });
    useFakeClock();
    const { client: c } = client();
    // The clock stands still: a call that waited at all would never settle.
    const outcome = settledState(c.call(getThing, { id: '1' }));
    await untilTrue(() => outcome.current !== 'pending', 'the call to fail without waiting');
    expect(outcome.current).toMatchObject({ rejected: expect.any(RateLimitError) as unknown });
    expect(outcome.current).toMatchObject({ rejected: { code: 'E_RATE_LIMITED', retryAfterMs: 120_000, reason: 'cap', attempts: 1 } });
    expect(seen.count).toBe(1);
  });

  it('fails with the RateLimitError above the cap on the last attempt too, rather than let the 429 stand', async () => {
    counted(429, { 'retry-after': '120' });
    const { client: c } = client();
    const error = await c.call(getThing, { id: '1' }, { state: [retryPerCall({ maxAttempts: 1 })] }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RateLimitError);
    expect(error).toMatchObject({ reason: 'cap', attempts: 1 });
  });

  it('fails at once when the wait would pass the call’s deadline', async () => {
    counted(429, { 'retry-after': '5' });
    useFakeClock();
    const { client: c } = client();
    // The clock stands still: a call that waited at all would never settle.
    const outcome = settledState(c.call(getThing, { id: '1' }, { totalTimeout: 1_000 }));
    await untilTrue(() => outcome.current !== 'pending', 'the call to fail without waiting');
    expect(outcome.current).toMatchObject({ rejected: { code: 'E_RATE_LIMITED', reason: 'deadline', retryAfterMs: 5_000 } });
  });

  it('does not hot-loop on a repeated Retry-After: 0: the minimum wait and the attempt limit bound it', async () => {
    const seen = counted(429, { 'retry-after': '0' }, 100);
    const { client: c } = client({ maxAttempts: 4, minWaitMs: 100 });
    const started = performance.now();
    const error = await c.call(getThing, { id: '1' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(HttpError);
    expect(seen.count).toBe(4);
    expect(performance.now() - started).toBeGreaterThanOrEqual(290);
    expect((error as HttpError).waitedMs).toBeGreaterThanOrEqual(290);
  });

  it('is retried for a POST too: it was not processed', async () => {
    nock(baseUrl).post('/things').reply(429, {}, { 'retry-after': '0' });
    nock(baseUrl).post('/things').reply(200, { ok: true });
    const { client: c } = client();
    expect((await c.call(postThing, { body: { text: 'hi' } })).attempts).toBe(2);
  });
});

describe('other failures', () => {
  it('retries a 503 on a GET', async () => {
    counted(503);
    nock(baseUrl).get('/things/1').reply(200, { ok: true });
    const { client: c } = client({ baseMs: 10 });
    expect((await c.call(getThing, { id: '1' })).attempts).toBe(2);
  });

  it('does not retry a 503 on a POST unless it says when to come back', async () => {
    let posts = 0;
    nock(baseUrl)
      .post('/things')
      .times(2)
      .reply(() => (posts++, [503, {}]));
    const { client: c } = client({ baseMs: 10 });
    await expect(c.call(postThing, { body: { text: 'hi' } })).rejects.toMatchObject({ status: 503, attempts: 1 });
    expect(posts).toBe(1);
    nock.cleanAll();
    nock(baseUrl).post('/things').reply(503, {}, { 'retry-after': '0' });
    nock(baseUrl).post('/things').reply(200, { ok: true });
    expect((await c.call(postThing, { body: { text: 'hi' } })).attempts).toBe(2);
  });

  it('never replays a POST reset after sending: one request, and an error that says the outcome is unknown', async () => {
    nock.enableNetConnect('127.0.0.1');
    const server = await startLoopback((_req, res) => {
      res.socket?.destroy();
    });
    try {
      const c = createClient({ baseUrl: server.url, middleware: [retry({ baseMs: 10 })] });
      const error = await c.call(postThing, { body: { text: 'hi' } }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(OutcomeUnknownError);
      expect(error).toMatchObject({ code: 'E_OUTCOME_UNKNOWN', failure: { code: 'E_NETWORK', requestMayHaveBeenSent: true } });
      expect(server.requests.filter((r) => r.method === 'POST')).toHaveLength(1);
      // The same reset on a GET is retried.
      await c.call(getThing, { id: '1' }).catch(() => undefined);
      expect(server.requests.filter((r) => r.method === 'GET')).toHaveLength(4);
    } finally {
      await server.close();
    }
  });

  it('rejects at once when the signal aborts during a wait, and sends nothing more', async () => {
    const seen = counted(429, { 'retry-after': '5' }, 5);
    useFakeClock();
    const { client: c, events } = client();
    const controller = new AbortController();
    const outcome = settledState(c.call(getThing, { id: '1' }, { signal: controller.signal }));
    await untilTrue(() => events.length === 1, 'the 429 and the 5 s wait it plans');
    await vi.advanceTimersByTimeAsync(50);
    controller.abort(new Error('user left'));
    // The clock stands still from here: the call and close() settle with no time passing.
    await untilTrue(() => outcome.current !== 'pending', 'the call to reject at the abort');
    expect(outcome.current).toMatchObject({ rejected: { code: 'E_ABORTED', waitedMs: 50 } }); // the wait that was cut short is reported
    const closed = settledState(c.close()); // waits for the pipeline: the retry's wait itself was cancelled
    await untilTrue(() => closed.current !== 'pending', 'close() with the wait cancelled');
    expect(seen.count).toBe(1);
  });

  it('rejects with the AbortError of a call aborted before its first attempt, which it does not start', async () => {
    const controller = new AbortController();
    const rejections: unknown[] = [];
    // An operation-phase middleware in front of the retry, which sees what the retry rejects with.
    const abortFirst: Middleware = {
      name: 'abort-first',
      phase: 'operation',
      handle(_ctx, next) {
        controller.abort('user left');
        return next().catch((error: unknown) => {
          rejections.push(error);
          throw error;
        });
      },
    };
    const started: number[] = [];
    const countAttempts: Middleware = { name: 'count', phase: 'attempt', handle: (ctx, next) => (started.push(ctx.attempt), next()) };
    const c = createClient({ baseUrl, middleware: [abortFirst, retry(), countAttempts] });
    await expect(c.call(getThing, { id: '1' }, { signal: controller.signal })).rejects.toBeInstanceOf(AbortError);
    expect(rejections).toHaveLength(1);
    expect(rejections[0]).toBeInstanceOf(AbortError);
    expect(rejections[0]).toMatchObject({ code: 'E_ABORTED', operationId: 'getThing' });
    expect(started).toEqual([]);
  });

  it('takes per-call settings without a new client: one attempt only', async () => {
    const seen = counted(503, {}, 5);
    const { client: c } = client({ baseMs: 10 });
    await expect(c.call(getThing, { id: '1' }, { state: [retryPerCall({ maxAttempts: 1 })] })).rejects.toMatchObject({
      status: 503,
      attempts: 1,
    });
    expect(seen.count).toBe(1);
  });
});

describe('settings and listeners', () => {
  it('refuses a policy that cannot work', () => {
    expect(() => retry({ maxAttempts: 0 })).toThrow(/maxAttempts/);
    expect(() => retry({ baseMs: Number.NaN })).toThrow(/baseMs/);
  });

  it('keeps what a middleware throws, even when it is not an Error, and does not quote it', async () => {
    // A non-Error rejection is the point of this test.
    // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors
    const thrower = { name: 'thrower', phase: 'attempt' as const, handle: () => Promise.reject('Bearer SECRET-TOKEN') };
    const c = createClient({ baseUrl, middleware: [retry(), thrower] });
    const error = await c.call(getThing, { id: '1' }).catch((e: unknown) => e);
    expect(error).toBe('Bearer SECRET-TOKEN');
  });

  it("gives onRetry the very event client.on('retry') gets, numbered by the physical attempt that failed", async () => {
    // An attempt-phase middleware that sends again after a 401 (as auth renewal does): the 503
    // that the retry sees is the second request sent, within the first attempt.
    const renewOn401 = againOn(401, 'attempt', 'renew');
    nock(baseUrl).get('/things/1').reply(401, {}).get('/things/1').reply(503, {}).get('/things/1').reply(200, { ok: true });
    const told: RetryEvent[] = [];
    const c = createClient({
      baseUrl,
      middleware: [retry({ baseMs: 1, random: () => 0, onRetry: (event) => told.push(event) }), renewOn401],
    });
    const heard: RetryEvent[] = [];
    c.on('retry', (event) => heard.push(event));
    await c.call(getThing, { id: '1' });
    expect(told).toHaveLength(1);
    expect(told[0]).toBe(heard[0]);
    expect(told[0]).toMatchObject({ attempt: 2, status: 503 });
  });

  it('does not let a failing onRetry listener change the call', async () => {
    counted(503);
    nock(baseUrl).get('/things/1').reply(200, { ok: true });
    const c = createClient({
      baseUrl,
      middleware: [
        retry({
          baseMs: 1,
          onRetry: () => {
            throw new Error('listener broke');
          },
        }),
      ],
    });
    expect((await c.call(getThing, { id: '1' })).status).toBe(200);
  });
});

describe('the retry budget', () => {
  it('keeps an outage from multiplying traffic: requests ÷ calls stays near 1 once it is spent', async () => {
    const run = async (budget: RetryOptions['budget']) => {
      nock.cleanAll();
      const seen = counted(503, {}, 1_000);
      const { client: c } = client({ baseMs: 1, minWaitMs: 1, maxAttempts: 4, budget });
      const calls = 30;
      for (let i = 0; i < calls; i++) await c.call(getThing, { id: '1' }).catch(() => undefined);
      return seen.count / calls;
    };
    const without = await run(false);
    const withBudget = await run({ capacity: 50, retryCost: 10, successRefund: 1 });
    expect(without).toBe(4);
    expect(withBudget).toBeCloseTo((30 + 5) / 30, 5);
    expect(withBudget).toBeLessThan(1.25);
  });

  it('says when it refuses a retry: a retry.refused event where the retry event would have been, and the outcome stands', async () => {
    const seen = counted(503, {}, 2);
    // Less than one retry's cost: the first retry the outcome calls for is refused.
    const { client: c, events: retries } = client({ budget: { capacity: 5, retryCost: 10 }, baseMs: 1, minWaitMs: 1 });
    const heard: CallEvent[] = [];
    c.on('*', (event) => heard.push(event));
    await expect(c.call(getThing, { id: '1' })).rejects.toMatchObject({ status: 503, attempts: 1 });
    expect(seen.count).toBe(1);
    expect(retries).toEqual([]);
    expect(heard.map((e) => e.type)).toEqual(['call.start', 'attempt.start', 'attempt.end', 'retry.refused', 'call.end']);
    expect(heard[3]).toEqual({
      type: 'retry.refused',
      operationId: 'getThing',
      time: expect.any(Number) as unknown,
      attempt: 1,
      reason: 'budget',
      status: 503,
      errorType: '503',
    });
    // A 429 costs the budget nothing: retried as ever, and nothing refused.
    nock.cleanAll();
    counted(429, { 'retry-after': '0' });
    nock(baseUrl).get('/things/1').reply(200, { ok: true });
    heard.length = 0;
    expect((await c.call(getThing, { id: '1' })).attempts).toBe(2);
    expect(heard.map((e) => e.type)).not.toContain('retry.refused');
    expect(retries).toHaveLength(1);
  });

  it('earns retries back with successes', async () => {
    const { client: c, budget } = client({ budget: { capacity: 20, retryCost: 10, successRefund: 5 }, baseMs: 1, minWaitMs: 1 });
    counted(503, {}, 2);
    nock(baseUrl).get('/things/1').times(3).reply(200, { ok: true });
    await c.call(getThing, { id: '1' });
    expect(budget?.tokens).toBe(5);
    await c.call(getThing, { id: '1' });
    expect(budget?.tokens).toBe(10);
  });
});
