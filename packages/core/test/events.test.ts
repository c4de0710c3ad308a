import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  type CallEndEvent,
  type CallEvent,
  ConfigurationError,
  createClient,
  headersFromRecord,
  type HttpResponse,
  type Middleware,
  NetworkError,
  Redaction,
  REDACTED,
  TimeoutError,
  type Transport,
} from '@switchboard/core';
import { type Answer, fakeTransport, respond, settledState } from '../../../test/support/fakes.js';
import { getThing, listThings } from '../../../test/support/routes.js';

/** An answer of `status` with `headers`, for fakeTransport's list. */
const answer =
  (status: number, headers: Record<string, string> = {}): Answer =>
  () =>
    respond(status, {}, headers);

/** Tries again once after a 503, waiting 20 ms through ctx.sleep like the real retry middleware. */
const retryOnce: Middleware = {
  name: 'retry-once',
  phase: 'retry',
  async handle(ctx, next) {
    const first = await next();
    if (first.status !== 503) return first;
    ctx.reportRetry({ waitMs: 20, reason: 'backoff', status: 503, errorType: '503' });
    await ctx.sleep(20, 'backoff');
    return next();
  },
};

/** Simulated time, the clocks that durations are read from included. */
const fakeClocks = () => vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date', 'performance'] });

afterEach(() => {
  vi.useRealTimers();
});

describe('call events', () => {
  it('reports the call, each attempt, the retry and its wait, in order, with the same facts as the result', async () => {
    fakeClocks();
    const transport = fakeTransport([answer(503), answer(200, { 'x-correlation-id': 'corr-2' })]);
    const client = createClient({ baseUrl: 'http://127.0.0.1:9', transport, middleware: [retryOnce] });
    const events: CallEvent[] = [];
    client.on('*', (event) => events.push(event));

    const pending = client.call(getThing, { thingId: 'a b' });
    await vi.advanceTimersByTimeAsync(20);
    const result = await pending;

    expect(events.map((e) => e.type)).toEqual([
      'call.start',
      'attempt.start',
      'attempt.end',
      'retry',
      'wait',
      'attempt.start',
      'attempt.end',
      'call.end',
    ]);
    expect(events[0]).toMatchObject({
      type: 'call.start',
      operationId: 'getThing',
      method: 'GET',
      urlTemplate: '/api/things/{thingId}',
      deprecated: false,
    });
    expect(events[1]).toMatchObject({ type: 'attempt.start', attempt: 1, method: 'GET', url: 'http://127.0.0.1:9/api/things/a%20b' });
    expect(events[2]).toMatchObject({ type: 'attempt.end', attempt: 1, status: 503, errorType: '503' });
    expect(events[3]).toMatchObject({ type: 'retry', attempt: 1, waitMs: 20, reason: 'backoff', status: 503 });
    const wait = events[4] as Extract<CallEvent, { type: 'wait' }>;
    expect(wait).toMatchObject({ type: 'wait', reason: 'backoff', attempt: 1 });
    expect(wait.durationMs).toBe(20);
    expect(wait.time - wait.startTime).toBe(20);
    expect(events[6]).toMatchObject({ type: 'attempt.end', attempt: 2, status: 200, correlationId: 'corr-2' });
    expect(events[6]).not.toHaveProperty('errorType', expect.anything());
    const end = events[7] as Extract<CallEvent, { type: 'call.end' }>;
    expect(end).toMatchObject({ type: 'call.end', outcome: 'success', status: 200, attempts: 2, correlationId: 'corr-2' });
    expect(end.attempts).toBe(result.attempts);
    expect(end.waitedMs).toBe(result.waitedMs);
  });

  it('reports a failure with its error type, and an HTTP error status as http-error', async () => {
    const transport = fakeTransport([() => Promise.reject(new NetworkError('ECONNRESET', { operationId: 'getThing' })), answer(404)]);
    const client = createClient({ baseUrl: 'http://127.0.0.1:9', transport });
    const ends: CallEvent[] = [];
    client.on('call.end', (event) => ends.push(event));
    client.on('attempt.end', (event) => ends.push(event));

    await expect(client.call(getThing, { thingId: 'x' })).rejects.toBeInstanceOf(NetworkError);
    await expect(client.call(getThing, { thingId: 'x' })).rejects.toMatchObject({ status: 404 });

    expect(ends).toMatchObject([
      { type: 'attempt.end', attempt: 1, errorType: 'ECONNRESET' },
      { type: 'call.end', outcome: 'failure', errorType: 'ECONNRESET', attempts: 1 },
      { type: 'attempt.end', attempt: 1, status: 404, errorType: '404' },
      { type: 'call.end', outcome: 'http-error', status: 404, errorType: '404' },
    ]);
  });

  it('ends a call that its deadline cut short only when its request has settled', async () => {
    let release: (() => void) | undefined;
    // A middleware that ignores the deadline and holds the request: the caller gets a TimeoutError at once,
    // but the work (the request it had already sent) is still under way.
    const slowTransport = fakeTransport([
      () => new Promise<HttpResponse>((resolve) => (release = () => resolve({ status: 200, headers: headersFromRecord(), data: {} }))),
    ]);
    const stubborn: Middleware = {
      name: 'stubborn',
      phase: 'attempt',
      handle: (_ctx, next) => next(),
    };
    fakeClocks();
    const client = createClient({ baseUrl: 'http://127.0.0.1:9', transport: slowTransport, middleware: [stubborn] });
    const events: string[] = [];
    client.on('*', (event) => events.push(event.type));

    const cut = expect(client.call(getThing, { thingId: 'x' }, { totalTimeout: 30 })).rejects.toBeInstanceOf(TimeoutError);
    await vi.advanceTimersByTimeAsync(30);
    await cut;
    expect(events).toEqual(['call.start', 'attempt.start']);
    release?.();
    await vi.advanceTimersByTimeAsync(0);
    expect(events).toEqual(['call.start', 'attempt.start', 'attempt.end', 'call.end']);
  });

  it('lets an observer add a header to exactly one attempt, after every attempt middleware', async () => {
    const transport = fakeTransport([answer(503), answer(200)]);
    const stamping: Middleware = {
      name: 'stamp',
      phase: 'operation',
      handle(ctx, next) {
        ctx.observe({ beforeSend: (request, attempt) => (request.headers['x-attempt'] = String(attempt)) });
        return next();
      },
    };
    const overwrite: Middleware = {
      name: 'overwrite',
      phase: 'attempt',
      handle(ctx, next) {
        ctx.request.headers['x-attempt'] = 'from a middleware';
        return next();
      },
    };
    const client = createClient({ baseUrl: 'http://127.0.0.1:9', transport, middleware: [stamping, retryOnce, overwrite] });
    await client.call(getThing, { thingId: 'x' });
    expect(transport.requests.map((r) => r.headers['x-attempt'])).toEqual(['1', '2']);
  });

  it('ignores listeners and observers that throw, and stops calling a listener once unsubscribed', async () => {
    const transport = fakeTransport([answer(200)]);
    const faulty: Middleware = {
      name: 'faulty-observer',
      phase: 'operation',
      handle(ctx, next) {
        ctx.observe({
          event: () => {
            throw new Error('observer bug');
          },
          beforeSend: () => {
            throw new Error('observer bug');
          },
        });
        return next();
      },
    };
    const client = createClient({ baseUrl: 'http://127.0.0.1:9', transport, middleware: [faulty] });
    client.on('*', () => {
      throw new Error('listener bug');
    });
    const seen: string[] = [];
    const stop = client.on('call.end', (event) => seen.push(event.outcome));
    await expect(client.call(getThing, { thingId: 'x' })).resolves.toMatchObject({ status: 200 });
    stop();
    stop();
    await client.call(getThing, { thingId: 'x' });
    expect(seen).toEqual(['success']);
  });

  it('an async listener or observer that rejects is no unhandled rejection, and the others still hear every event', async () => {
    const unhandled: unknown[] = [];
    const record = (reason: unknown) => unhandled.push(reason);
    process.on('unhandledRejection', record);
    try {
      const rejecting: Middleware = {
        name: 'rejecting-observer',
        phase: 'operation',
        handle(ctx, next) {
          // eslint-disable-next-line @typescript-eslint/no-misused-promises -- the misuse under test
          ctx.observe({ event: () => Promise.reject(new Error('async observer bug')) });
          return next();
        },
      };
      const client = createClient({ baseUrl: 'http://127.0.0.1:9', transport: fakeTransport([answer(200)]), middleware: [rejecting] });
      // A listener typed as returning nothing, yet async: TypeScript lets it through, so must we.
      // eslint-disable-next-line @typescript-eslint/no-misused-promises -- the misuse under test
      client.on('*', async () => {
        await Promise.resolve();
        throw new Error('async listener bug');
      });
      const seen: string[] = [];
      client.on('*', (event) => seen.push(event.type));
      await expect(client.call(getThing, { thingId: 'x' })).resolves.toMatchObject({ status: 200 });
      // Unhandled rejections are reported after the microtask queue drains: give them a turn of the loop.
      await new Promise<void>((resolve) => setImmediate(resolve));
      expect(unhandled).toEqual([]);
      expect(seen).toEqual(['call.start', 'attempt.start', 'attempt.end', 'call.end']);
    } finally {
      process.off('unhandledRejection', record);
    }
  });

  it('builds no event when nobody listens', async () => {
    const transport = fakeTransport([answer(200)]);
    let urlsRedacted = 0;
    const redaction = new (class extends Redaction {
      override url(value: string): string {
        urlsRedacted++;
        return super.url(value);
      }
    })();
    const client = createClient({ baseUrl: 'http://127.0.0.1:9', transport, redaction });
    await client.call(getThing, { thingId: 'x' });
    expect(urlsRedacted).toBe(0);
    client.on('attempt.start', () => undefined);
    await client.call(getThing, { thingId: 'x' });
    expect(urlsRedacted).toBe(1);
  });

  it('redacts JWTs from attempt URLs', async () => {
    const transport = fakeTransport([answer(200)]);
    const client = createClient({ baseUrl: 'http://127.0.0.1:9', transport });
    const urls: string[] = [];
    client.on('attempt.start', (event) => urls.push(event.url));
    await client.call(listThings, { after: 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ4In0.c2lnbmF0dXJl', pageSize: 5 });
    expect(urls).toEqual([`http://127.0.0.1:9/api/things?pageSize=5&after=${REDACTED}`]);
  });

  it('a call refused by its own middleware list (a duplicate name) starts nothing: no event, and close() still resolves', async () => {
    const transport = fakeTransport([answer(200)]);
    const client = createClient({ baseUrl: 'http://127.0.0.1:9', transport, middleware: [retryOnce] });
    const events: string[] = [];
    client.on('*', (event) => events.push(event.type));
    await expect(client.call(getThing, { thingId: 'x' }, { middleware: [{ ...retryOnce }] })).rejects.toBeInstanceOf(ConfigurationError);
    expect(events).toEqual([]);
    // Resolves at all: a close() that waited for a pipeline that never counted would end the test by its timeout.
    await expect(client.close()).resolves.toBeUndefined();
  });

  it('a redaction rule that throws while an attempt is described fails that call, and close() still resolves', async () => {
    const redaction = new (class extends Redaction {
      override url(): string {
        throw new Error('a broken rule');
      }
    })();
    const transport = fakeTransport();
    const client = createClient({ baseUrl: 'http://127.0.0.1:9', transport, redaction });
    client.on('*', () => undefined);
    await expect(client.call(getThing, { thingId: 'x' })).rejects.toThrow('a broken rule');
    expect(transport.sent).toBe(0);
    // Nothing was sent, so nothing is counted as still out: close() does not wait for it.
    await expect(client.close()).resolves.toBeUndefined();
  });

  it('ends the attempt of a transport that throws instead of rejecting', async () => {
    const throwing: Transport = {
      name: 'throwing',
      send() {
        throw new NetworkError('ECONNREFUSED', { operationId: 'getThing' });
      },
      close: () => Promise.resolve(),
    };
    const client = createClient({ baseUrl: 'http://127.0.0.1:9', transport: throwing });
    const events: CallEvent[] = [];
    client.on('*', (event) => events.push(event));
    await expect(client.call(getThing, { thingId: 'x' })).rejects.toBeInstanceOf(NetworkError);
    expect(events.map((e) => e.type)).toEqual(['call.start', 'attempt.start', 'attempt.end', 'call.end']);
    expect(events[2]).toMatchObject({ attempt: 1, errorType: 'ECONNREFUSED' });
  });

  it('ends a hedged call only when its losing attempt has settled too', async () => {
    const transport = fakeTransport([
      () => new Promise((resolve) => setTimeout(() => resolve({ status: 200, headers: headersFromRecord(), data: { fast: true } }), 20)),
      () => new Promise((resolve) => setTimeout(() => resolve({ status: 200, headers: headersFromRecord(), data: { slow: true } }), 200)),
    ]);
    const hedge: Middleware = { name: 'hedge', phase: 'retry', handle: (_ctx, next) => Promise.any([next(), next()]) };
    fakeClocks();
    const client = createClient({ baseUrl: 'http://127.0.0.1:9', transport, middleware: [hedge] });
    const events: CallEvent[] = [];
    client.on('*', (event) => events.push(event));
    const pending = client.call(getThing, { thingId: 'x' });
    await vi.advanceTimersByTimeAsync(20);
    expect((await pending).data).toEqual({ fast: true });
    expect(events.map((e) => e.type)).not.toContain('call.end'); // the slow attempt is still out
    await vi.advanceTimersByTimeAsync(180);
    expect(events.map((e) => (e.type === 'attempt.end' ? `end ${e.attempt}` : e.type))).toEqual([
      'call.start',
      'attempt.start',
      'attempt.start',
      'end 1',
      'end 2',
      'call.end',
    ]);
    expect((events.at(-1) as CallEndEvent).attempts).toBe(2);
  });

  it('numbers a retry by the physical attempt that failed, as the attempt events do', async () => {
    const transport = fakeTransport([answer(401), answer(503), answer(200)]);
    // Like auth's renewal: one attempt context that sends twice.
    const renewOnce: Middleware = {
      name: 'renew',
      phase: 'attempt',
      async handle(_ctx, next) {
        const first = await next();
        return first.status === 401 ? next() : first;
      },
    };
    const client = createClient({ baseUrl: 'http://127.0.0.1:9', transport, middleware: [retryOnce, renewOnce] });
    const events: CallEvent[] = [];
    client.on('*', (event) => events.push(event));
    await client.call(getThing, { thingId: 'x' });
    const retry = events.find((e) => e.type === 'retry');
    expect(retry).toMatchObject({ attempt: 2, status: 503 });
    expect(events.filter((e) => e.type === 'attempt.end').map((e) => [e.attempt, e.status])).toEqual([
      [1, 401],
      [2, 503],
      [3, 200],
    ]);
  });

  it('types a listener by the event it asked for', () => {
    const client = createClient({ baseUrl: 'http://127.0.0.1:9', transport: fakeTransport([answer(200)]) });
    client.on('call.end', (event) => event.outcome);
    client.on('*', (event) => event.type);
    // @ts-expect-error -- '*' delivers every event type, not only call.end
    client.on('*', (event: CallEndEvent) => event.outcome);
  });

  it('ends a call whose custom transport answers something that is not a response, with a ConfigurationError', async () => {
    const broken: Transport = {
      name: 'broken',
      send: () => Promise.resolve(undefined as unknown as HttpResponse),
      close: () => Promise.resolve(),
    };
    const client = createClient({ baseUrl: 'http://127.0.0.1:9', transport: broken });
    const events: CallEvent[] = [];
    client.on('*', (event) => events.push(event));
    await expect(client.call(getThing, { thingId: 'x' })).rejects.toBeInstanceOf(ConfigurationError);
    expect(events.map((e) => e.type)).toEqual(['call.start', 'attempt.start', 'attempt.end', 'call.end']);
    expect(events.at(-1)).toMatchObject({ outcome: 'failure', errorType: 'ConfigurationError' });
  });

  it.each([
    ['watched', true],
    ['nobody watches it', false],
  ])('close() waits for a hedged attempt still out (%s), and closes the transport after it', async (_name, watched) => {
    fakeClocks();
    const after = (ms: number) => () => new Promise<HttpResponse>((resolve) => setTimeout(() => resolve(respond()), ms));
    const transport = fakeTransport([after(10), after(150)]);
    const hedge: Middleware = { name: 'hedge', phase: 'retry', handle: (_ctx, next) => Promise.any([next(), next()]) };
    const client = createClient({ baseUrl: 'http://127.0.0.1:9', transport, middleware: [hedge] });
    const events: string[] = [];
    if (watched) client.on('*', (event) => events.push(event.type));
    const call = client.call(getThing, { thingId: 'x' });
    await vi.advanceTimersByTimeAsync(10);
    await call;
    const closed = settledState(client.close());
    await vi.advanceTimersByTimeAsync(100);
    expect(closed.current).toBe('pending'); // the slow attempt is still out
    expect(transport.closed).toBe(false);
    await vi.advanceTimersByTimeAsync(40);
    expect(closed.current).toEqual({ resolved: undefined });
    expect(transport.closed).toBe(true);
    if (watched) expect(events.at(-1)).toBe('call.end');
  });

  it('a bounded call through a middleware that returns a plain value still settles, and close() resolves', async () => {
    const plain: Middleware = {
      name: 'plain',
      phase: 'operation',
      handle: () => ({ status: 200, headers: headersFromRecord(), data: { cached: true } }) as unknown as Promise<HttpResponse>,
    };
    const client = createClient({ baseUrl: 'http://127.0.0.1:9', transport: fakeTransport([answer(200)]), middleware: [plain] });
    await expect(client.call(getThing, { thingId: 'x' }, { totalTimeout: 1_000 })).resolves.toMatchObject({ data: { cached: true } });
    // Resolves at all: a close() that waited for a pipeline that never counted would end the test by its timeout.
    await expect(client.close()).resolves.toBeUndefined();
  });

  it('names a thrown error by its class even when it carries a status', async () => {
    class Throttled extends Error {
      override name = 'Throttled';
      readonly status = 429;
    }
    const thrower: Middleware = {
      name: 'thrower',
      phase: 'retry',
      handle: () => Promise.reject(new Throttled('wait too long')),
    };
    const client = createClient({ baseUrl: 'http://127.0.0.1:9', transport: fakeTransport([answer(200)]), middleware: [thrower] });
    const ends: CallEvent[] = [];
    client.on('call.end', (event) => ends.push(event));
    await expect(client.call(getThing, { thingId: 'x' })).rejects.toBeInstanceOf(Throttled);
    expect(ends).toMatchObject([{ outcome: 'failure', errorType: 'Throttled', status: 429 }]);
  });
});
