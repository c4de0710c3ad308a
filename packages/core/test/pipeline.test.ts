import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  ConfigurationError,
  createClient,
  createStateKey,
  headersFromRecord,
  type HttpResponse,
  type Middleware,
  type Phase,
  type Transport,
} from '@switchboard/core';
import { againOn, type FakeTransport, fakeTransport, respond, settledState } from '../../../test/support/fakes.js';
import { getThing } from '../../../test/support/routes.js';
import { sleep } from '../../../test/support/time.js';

afterEach(() => {
  vi.useRealTimers();
});

/** The shared fake transport, also logging each send into the test's log. */
function recordingTransport(log: string[], answer: (n: number) => HttpResponse = () => respond()): FakeTransport {
  return fakeTransport((_request, n) => {
    log.push('SEND');
    return answer(n);
  });
}

function logging(log: string[], name: string, phase: Phase, extra: Partial<Middleware> = {}): Middleware {
  return {
    name,
    phase,
    ...extra,
    async handle(_ctx, next) {
      log.push(`START ${name}`);
      try {
        return await next();
      } finally {
        log.push(`END ${name}`);
      }
    },
  };
}

const baseUrl = 'http://127.0.0.1:9';

describe('middleware ordering', () => {
  it('runs phases outermost first whatever the order they were given in', async () => {
    const log: string[] = [];
    const client = createClient({
      baseUrl,
      transport: recordingTransport(log),
      middleware: [logging(log, 'auth', 'attempt'), logging(log, 'retry', 'retry'), logging(log, 'logger', 'operation')],
    });
    await client.call(getThing, { thingId: 'a' });
    expect(log).toEqual(['START logger', 'START retry', 'START auth', 'SEND', 'END auth', 'END retry', 'END logger']);
  });

  it('keeps insertion order inside a phase and honours before/after anchors', () => {
    const log: string[] = [];
    const client = createClient({
      baseUrl,
      transport: recordingTransport(log),
      middleware: [
        logging(log, 'a', 'attempt'),
        logging(log, 'b', 'attempt'),
        logging(log, 'c', 'attempt', { before: 'a' }),
        logging(log, 'd', 'attempt', { after: 'c' }),
        logging(log, 'e', 'attempt', { after: 'b' }),
      ],
    });
    expect(client.identify().map((s) => s.name)).toEqual(['c', 'd', 'a', 'b', 'e', 'fake']);
  });

  it('keeps insertion order among middleware anchored to the same one', () => {
    const log: string[] = [];
    const client = createClient({
      baseUrl,
      transport: recordingTransport(log),
      middleware: [
        logging(log, 'a', 'attempt'),
        logging(log, 'z', 'attempt'),
        logging(log, 'x', 'attempt', { after: 'a' }),
        logging(log, 'y', 'attempt', { after: 'a' }),
        logging(log, 'p', 'attempt', { before: 'z' }),
        logging(log, 'q', 'attempt', { before: 'z' }),
      ],
    });
    expect(client.identify().map((s) => s.name)).toEqual(['a', 'x', 'y', 'p', 'q', 'z', 'fake']);
  });

  it('places per-call middleware in its phase without touching the client defaults', async () => {
    const log: string[] = [];
    const client = createClient({
      baseUrl,
      transport: recordingTransport(log),
      middleware: [logging(log, 'logger', 'operation'), logging(log, 'auth', 'attempt')],
    });
    const extra = [logging(log, 'per-call-attempt', 'attempt', { before: 'auth' }), logging(log, 'per-call-op', 'operation')];
    await client.call(getThing, { thingId: 'a' }, { middleware: extra });
    expect(log).toEqual([
      'START logger',
      'START per-call-op',
      'START per-call-attempt',
      'START auth',
      'SEND',
      'END auth',
      'END per-call-attempt',
      'END per-call-op',
      'END logger',
    ]);
    log.length = 0;
    await client.call(getThing, { thingId: 'a' });
    expect(log).toEqual(['START logger', 'START auth', 'SEND', 'END auth', 'END logger']);
  });

  it('identify() lists exactly what runs, in the order it runs', async () => {
    const log: string[] = [];
    const middleware = [
      logging(log, 'tracing', 'attempt'),
      logging(log, 'limiter', 'attempt', { before: 'tracing' }),
      logging(log, 'retry', 'retry'),
      logging(log, 'log', 'operation'),
    ];
    const client = createClient({ baseUrl, transport: recordingTransport(log), middleware });
    const extra = [logging(log, 'mine', 'retry', { before: 'retry' })];
    await client.call(getThing, { thingId: 'a' }, { middleware: extra });
    const started = log.filter((l) => l.startsWith('START ')).map((l) => l.slice(6));
    const steps = client.identify({ middleware: extra });
    expect(steps.map((s) => s.name)).toEqual([...started, 'fake']);
    expect(steps.map((s) => s.phase)).toEqual(['operation', 'retry', 'retry', 'attempt', 'attempt', 'transport']);
  });

  it('rejects duplicate names, also between client and per-call middleware', async () => {
    const log: string[] = [];
    expect(() =>
      createClient({ baseUrl, transport: recordingTransport(log), middleware: [logging(log, 'x', 'attempt'), logging(log, 'x', 'retry')] }),
    ).toThrow(ConfigurationError);
    const client = createClient({ baseUrl, transport: recordingTransport(log), middleware: [logging(log, 'x', 'attempt')] });
    await expect(client.call(getThing, { thingId: 'a' }, { middleware: [logging(log, 'x', 'operation')] })).rejects.toThrow(
      /two middleware are named "x"/,
    );
    expect(log).toEqual([]);
  });

  it('rejects anchors that name no middleware of the same phase, cycles, and unknown phases', () => {
    const log: string[] = [];
    const make = (middleware: Middleware[]) => () => createClient({ baseUrl, transport: recordingTransport(log), middleware });
    expect(make([logging(log, 'a', 'attempt', { before: 'missing' })])).toThrow(/anchor/);
    expect(make([logging(log, 'a', 'attempt'), logging(log, 'b', 'retry', { after: 'a' })])).toThrow(/retry phase/);
    expect(make([logging(log, 'a', 'attempt', { after: 'b' }), logging(log, 'b', 'attempt', { after: 'a' })])).toThrow(/cycle/);
    expect(make([logging(log, 'a', 'bogus' as Phase)])).toThrow(/unknown phase/);
    expect(make([logging(log, 'a', 'attempt', { before: 'b', after: 'c' })])).toThrow(/both before and after/);
  });
});

describe('calling next', () => {
  it('sends nothing when a middleware answers without calling next', async () => {
    const log: string[] = [];
    const transport = recordingTransport(log);
    const cache: Middleware = {
      name: 'cache',
      phase: 'operation',
      handle: () => Promise.resolve({ status: 200, headers: headersFromRecord(), data: { id: 'cached', name: 'from cache' } }),
    };
    const client = createClient({ baseUrl, transport, middleware: [cache] });
    const result = await client.call(getThing, { thingId: 'a' });
    expect(result.data).toEqual({ id: 'cached', name: 'from cache' });
    expect(result.attempts).toBe(0);
    expect(transport.sent).toBe(0);
  });

  it('sends twice when a middleware calls next twice, each attempt from a fresh request copy', async () => {
    const log: string[] = [];
    const seen: { attempt: number; headers: Record<string, string> }[] = [];
    const transport = recordingTransport(log, (n) => ({ status: n === 1 ? 503 : 200, headers: headersFromRecord(), data: {} }));
    const twice = againOn(503, 'retry', 'retry-once');
    const stamp: Middleware = {
      name: 'stamp',
      phase: 'attempt',
      handle(ctx, next) {
        seen.push({ attempt: ctx.attempt, headers: { ...ctx.request.headers } });
        ctx.request.headers[`x-attempt-${ctx.attempt}`] = 'yes';
        return next();
      },
    };
    const outer: Middleware = {
      name: 'outer',
      phase: 'operation',
      handle(ctx, next) {
        ctx.request.headers['x-call'] = 'every attempt';
        return next();
      },
    };
    const client = createClient({ baseUrl, transport, middleware: [outer, twice, stamp] });
    const result = await client.call(getThing, { thingId: 'a' });
    expect(transport.sent).toBe(2);
    expect(result.attempts).toBe(2);
    expect(seen.map((s) => s.attempt)).toEqual([1, 2]);
    expect(seen[1]?.headers['x-call']).toBe('every attempt');
    expect(seen[1]?.headers['x-attempt-1']).toBeUndefined();
  });

  it('gives concurrent attempts (hedging) each their own request and attempt number', async () => {
    const transport = fakeTransport();
    const hedge: Middleware = { name: 'hedge', phase: 'retry', handle: (_ctx, next) => Promise.any([next(), next()]) };
    const slowStamp: Middleware = {
      name: 'slow-stamp',
      phase: 'attempt',
      async handle(ctx, next) {
        const mine = ctx.attempt;
        // The first attempt waits longer, so the second starts (and stamps) while it waits.
        await sleep(mine === 1 ? 30 : 5);
        ctx.request.headers['x-attempt'] = String(mine);
        expect(ctx.attempt).toBe(mine);
        return next();
      },
    };
    vi.useFakeTimers();
    const client = createClient({ baseUrl, transport, middleware: [hedge, slowStamp] });
    // The call returns with the first answer; by then one request has gone out, the other soon does.
    const call = client.call(getThing, { thingId: 'a' });
    await vi.advanceTimersByTimeAsync(5);
    expect((await call).attempts).toBe(1);
    const stamps = () => transport.requests.map((request) => request.headers['x-attempt']);
    expect(stamps()).toEqual(['2']);
    await vi.advanceTimersByTimeAsync(25);
    expect(stamps()).toEqual(['2', '1']);
  });

  it('applies what a retry middleware writes between attempts to the attempts after it', async () => {
    const transport = fakeTransport([() => respond(503), () => respond(200)]);
    const retry: Middleware = {
      name: 'retry',
      phase: 'retry',
      async handle(ctx, next) {
        const first = await next();
        if (first.status !== 503) return first;
        ctx.request.headers['x-retry-reason'] = '503';
        return next();
      },
    };
    await createClient({ baseUrl, transport, middleware: [retry] }).call(getThing, { thingId: 'a' });
    expect(transport.requests.map((request) => request.headers['x-retry-reason'])).toEqual([undefined, '503']);
  });

  it('rejects with a ConfigurationError when a middleware returns no response', async () => {
    const log: string[] = [];
    const broken = { name: 'broken', phase: 'operation', handle: () => Promise.resolve(undefined) } as unknown as Middleware;
    const client = createClient({ baseUrl, transport: recordingTransport(log), middleware: [broken] });
    await expect(client.call(getThing, { thingId: 'a' })).rejects.toMatchObject({ code: 'E_CONFIG', message: /broken|no response/ });
  });

  it('lets middleware share typed state within one call, and only that call', async () => {
    const log: string[] = [];
    const tokenKey = createStateKey<{ value: string }>('token');
    const seen: (string | undefined)[] = [];
    const writer: Middleware = {
      name: 'writer',
      phase: 'attempt',
      handle(ctx, next) {
        if (ctx.input && (ctx.input as { thingId: string }).thingId === 'first') ctx.state.set(tokenKey, { value: 'abc' });
        return next();
      },
    };
    const reader: Middleware = {
      name: 'reader',
      phase: 'operation',
      async handle(ctx, next) {
        const response = await next();
        seen.push(ctx.state.get(tokenKey)?.value);
        return response;
      },
    };
    const client = createClient({ baseUrl, transport: recordingTransport(log), middleware: [writer, reader] });
    await client.call(getThing, { thingId: 'first' });
    await client.call(getThing, { thingId: 'second' });
    expect(seen).toEqual(['abc', undefined]);
  });

  it('turns a middleware that throws synchronously into a rejection its outer middleware can catch', async () => {
    const log: string[] = [];
    const caught: unknown[] = [];
    const thrower: Middleware = {
      name: 'thrower',
      phase: 'attempt',
      handle() {
        throw new Error('sync boom');
      },
    };
    const catcher: Middleware = {
      name: 'catcher',
      phase: 'retry',
      handle(_ctx, next) {
        const pending = next();
        expect(pending).toBeInstanceOf(Promise);
        return pending.catch((error: unknown) => {
          caught.push(error);
          throw error;
        });
      },
    };
    const client = createClient({ baseUrl, transport: recordingTransport(log), middleware: [thrower, catcher] });
    await expect(client.call(getThing, { thingId: 'a' })).rejects.toThrow('sync boom');
    expect(caught).toHaveLength(1);
  });

  it('settles at the deadline even while a middleware is still waiting', async () => {
    const log: string[] = [];
    const transport = recordingTransport(log, (n) => ({ status: n === 1 ? 503 : 200, headers: headersFromRecord(), data: {} }));
    const sleepyRetry: Middleware = {
      name: 'sleepy-retry',
      phase: 'retry',
      async handle(_ctx, next) {
        await next();
        await sleep(400); // a backoff that ignores the deadline
        return next();
      },
    };
    vi.useFakeTimers();
    const client = createClient({ baseUrl, transport, middleware: [sleepyRetry] });
    const outcome = settledState(client.call(getThing, { thingId: 'a' }, { totalTimeout: 60 }));
    await vi.advanceTimersByTimeAsync(60);
    // Settled at the deadline, with the middleware's 400 ms wait still running.
    expect(outcome.current).toMatchObject({ rejected: { code: 'E_TIMEOUT', kind: 'deadline' } });
    await vi.advanceTimersByTimeAsync(400);
    expect(transport.sent).toBe(1); // the late second attempt was refused at the attempt boundary
  });

  it('settles at once when aborted while a middleware is still waiting', async () => {
    const log: string[] = [];
    const transport = recordingTransport(log);
    const slow: Middleware = {
      name: 'slow',
      phase: 'attempt',
      async handle(_ctx, next) {
        await sleep(400);
        return next();
      },
    };
    vi.useFakeTimers();
    const controller = new AbortController();
    const client = createClient({ baseUrl, transport, middleware: [slow] });
    const outcome = settledState(client.call(getThing, { thingId: 'a' }, { signal: controller.signal }));
    await vi.advanceTimersByTimeAsync(30);
    expect(outcome.current).toBe('pending');
    controller.abort(new Error('gone'));
    await vi.advanceTimersByTimeAsync(0);
    // Settled at the abort, with the middleware's 400 ms wait still running.
    expect(outcome.current).toMatchObject({ rejected: { code: 'E_ABORTED' } });
    await vi.advanceTimersByTimeAsync(400);
    expect(transport.sent).toBe(0); // nothing is sent after the abort
  });

  it('close() lets calls in flight finish before it closes the transport', async () => {
    const log: string[] = [];
    const transport: Transport = {
      name: 'slow',
      async send() {
        await sleep(50);
        log.push('SENT');
        return { status: 200, headers: headersFromRecord(), data: {} };
      },
      close: () => {
        log.push('TRANSPORT CLOSED');
        return Promise.resolve();
      },
    };
    vi.useFakeTimers();
    const client = createClient({ baseUrl, transport });
    const pending = client.call(getThing, { thingId: 'a' });
    const closed = client.close();
    await vi.advanceTimersByTimeAsync(50);
    await closed;
    await expect(pending).resolves.toMatchObject({ status: 200 });
    expect(log).toEqual(['SENT', 'TRANSPORT CLOSED']);
  });

  it('closes middleware innermost first, once, then refuses calls', async () => {
    const log: string[] = [];
    const closable = (name: string, phase: Phase): Middleware => ({
      ...logging(log, name, phase),
      close: () => {
        log.push(`CLOSE ${name}`);
        return Promise.resolve();
      },
    });
    const client = createClient({
      baseUrl,
      transport: recordingTransport(log),
      middleware: [closable('auth', 'attempt'), closable('log', 'operation')],
    });
    await Promise.all([client.close(), client.close()]);
    expect(log).toEqual(['CLOSE auth', 'CLOSE log']);
    await expect(client.call(getThing, { thingId: 'a' })).rejects.toMatchObject({ code: 'E_CLOSED' });
  });
});
