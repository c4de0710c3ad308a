/** One suite, run against both transports and a real server on 127.0.0.1. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AbortError, createClient, HttpError, type Middleware, NetworkError, ResponseParseError, TimeoutError } from '@switchboard/core';
import { untilTrue } from '../../../test/support/fakes.js';
import { closedPort, held, json, type Loopback, startLoopback } from '../../../test/support/loopback.js';
import { createThing, deleteThing, getThing } from '../../../test/support/routes.js';
import { sleep } from '../../../test/support/time.js';

/** Calls next again after a failure, as a retry middleware would. */
const retryOnFailure: Middleware = {
  name: 'retry-on-failure',
  phase: 'retry',
  handle: (_ctx, next) => next().catch(() => next()),
};

describe.each(['ky', 'undici'] as const)('%s transport', (transport) => {
  let server: Loopback;
  const client = () => createClient({ baseUrl: server.url, transport, correlationIdHeaders: ['inin-correlation-id'] });

  beforeAll(async () => {
    server = await startLoopback();
  });
  afterAll(() => server.close());

  it('sends method, path, headers and body, and parses a JSON answer', async () => {
    server.answer(json(200, { id: 't1', name: 'made' }, { 'X-Custom': 'Yes', 'inin-correlation-id': 'corr-1' }));
    const result = await client().call(createThing, { body: { name: 'made' } }, { headers: { 'x-trace': 'abc' } });
    expect(result).toMatchObject({ status: 200, data: { id: 't1', name: 'made' }, attempts: 1, correlationId: 'corr-1' });
    expect(result.headers.get('X-Custom')).toBe('Yes');
    expect(result.headers.toObject()).toMatchObject({ 'x-custom': 'Yes', 'content-type': 'application/json' });
    expect(result.headers.get('constructor')).toBeUndefined();
    expect(result.headers.has('x-missing')).toBe(false);
    const seen = server.requests.at(-1)!;
    expect(seen).toMatchObject({ method: 'POST', url: '/api/things', body: '{"name":"made"}' });
    expect(seen.headers).toMatchObject({ 'content-type': 'application/json', accept: 'application/json', 'x-trace': 'abc' });
  });

  it('gives undefined data for 204 and text for a text body', async () => {
    server.answer((_req, res) => {
      res.writeHead(204);
      res.end();
    });
    expect((await client().call(deleteThing, { thingId: 'a', memberId: 'b' })).data).toBeUndefined();
    server.answer((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.end('plain words');
    });
    expect((await client().call(getThing, { thingId: 'a' })).data).toBe('plain words');
  });

  it('parses JSON that starts with a byte order mark, and multi-byte text split across chunks', async () => {
    server.answer(async (_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json; charset=utf-8' });
      const bytes = Buffer.from('\uFEFF{"text":"日本語 💬"}', 'utf8');
      res.write(bytes.subarray(0, 12)); // splits a multi-byte character
      await sleep(10);
      res.end(bytes.subarray(12));
    });
    expect((await client().call(getThing, { thingId: 'a' })).data).toEqual({ text: '日本語 💬' });
  });

  it('parses +json content types', async () => {
    server.answer((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/problem+json; charset=utf-8' });
      res.end('{"ok":true}');
    });
    expect((await client().call(getThing, { thingId: 'a' })).data).toEqual({ ok: true });
  });

  it('turns a non-2xx answer into an HttpError with the parsed body and correlation id', async () => {
    server.answer(
      json(404, { code: 'not.found', status: 404, message: 'nope' }, { 'inin-correlation-id': 'corr-404', 'set-cookie': 's=1' }),
    );
    const error = await client()
      .call(getThing, { thingId: 'missing' })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(HttpError);
    expect(error).toMatchObject({
      code: 'E_HTTP',
      status: 404,
      operationId: 'getThing',
      correlationId: 'corr-404',
      attempts: 1,
      body: { code: 'not.found', status: 404, message: 'nope' },
      message: 'getThing: HTTP 404: not.found',
    });
    expect((error as HttpError).headers['set-cookie']).toBeUndefined();
  });

  it('turns malformed JSON into a ResponseParseError carrying the status, not a crash', async () => {
    server.answer((_req, res) => {
      res.writeHead(502, { 'content-type': 'application/json' });
      res.end('{"truncated":');
    });
    const error = await client()
      .call(getThing, { thingId: 'a' })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ResponseParseError);
    expect(error).toMatchObject({ code: 'E_RESPONSE_PARSE', status: 502, operationId: 'getThing', attempts: 1 });
  });

  it('times out an attempt whose headers are slow', async () => {
    const slow = held();
    server.answer(slow.handler);
    try {
      const error = await createClient({ baseUrl: server.url, transport, timeout: 80 })
        .call(getThing, { thingId: 'a' })
        .catch((e: unknown) => e);
      expect(error).toBeInstanceOf(TimeoutError);
      expect(error).toMatchObject({ code: 'E_TIMEOUT', kind: 'attempt', timeoutMs: 80 });
    } finally {
      slow.release();
    }
  });

  it('times out an attempt whose body is slow', async () => {
    const slow = held(
      (_req, res) => void res.end('1}'),
      (res) => {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.write('{"a":');
      },
    );
    server.answer(slow.handler);
    try {
      const error = await createClient({ baseUrl: server.url, transport, timeout: 100 })
        .call(getThing, { thingId: 'a' })
        .catch((e: unknown) => e);
      expect(error).toMatchObject({ code: 'E_TIMEOUT', kind: 'attempt' });
    } finally {
      slow.release();
    }
  });

  it('says "deadline" when the call deadline, not the attempt timeout, cut it short', async () => {
    // The server answers only once the call has ended: the deadline is what ended it.
    const slow = held();
    server.answer(slow.handler);
    try {
      const error = await client()
        .call(getThing, { thingId: 'a' }, { totalTimeout: 80 })
        .catch((e: unknown) => e);
      expect(error).toMatchObject({ code: 'E_TIMEOUT', kind: 'deadline' });
    } finally {
      slow.release();
    }
  });

  it('rejects at once, sending nothing, when the signal is already aborted', async () => {
    const before = server.requests.length;
    const reason = new Error('user left');
    const error = await client()
      .call(getThing, { thingId: 'a' }, { signal: AbortSignal.abort(reason) })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AbortError);
    expect((error as AbortError).reason).toBe(reason);
    expect(server.requests.length).toBe(before);
  });

  it('aborts a request in flight and sends no further attempt', async () => {
    const slow = held();
    server.answer(slow.handler);
    const before = server.requests.length;
    const controller = new AbortController();
    const retrying = createClient({ baseUrl: server.url, transport, middleware: [retryOnFailure] });
    try {
      const pending = retrying.call(getThing, { thingId: 'a' }, { signal: controller.signal });
      await slow.arrived;
      controller.abort('stop');
      const error = await pending.catch((e: unknown) => e);
      expect(error).toBeInstanceOf(AbortError);
      expect((error as AbortError).reason).toBe('stop');
      // close() waits for the pipeline to settle: by then the retry has been refused, or sent.
      await retrying.close();
      expect(server.requests.length).toBe(before + 1);
    } finally {
      slow.release();
    }
  });

  it('reports a refused connection as a NetworkError that proves nothing was sent', async () => {
    const port = await closedPort();
    const error = await createClient({ baseUrl: `http://127.0.0.1:${port}`, transport })
      .call(getThing, { thingId: 'a' })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(NetworkError);
    expect(error).toMatchObject({ code: 'E_NETWORK', causeCode: 'ECONNREFUSED', requestMayHaveBeenSent: false, operationId: 'getThing' });
  });

  it.runIf(transport === 'ky')('reports a port that fetch refuses to use as a NetworkError that proves nothing was sent', async () => {
    // 6000 is on fetch's "bad ports" list: it fails before connecting, with no error code of its own.
    const error = await createClient({ baseUrl: 'http://127.0.0.1:6000', transport })
      .call(getThing, { thingId: 'a' })
      .catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'E_NETWORK', causeCode: 'ERR_BAD_PORT', requestMayHaveBeenSent: false });
  });

  it('reports a reset after the request was read as an ambiguous NetworkError', async () => {
    server.answer((_req, res) => {
      res.socket?.destroy();
    });
    const error = await client()
      .call(createThing, { body: { name: 'x' } })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(NetworkError);
    expect((error as NetworkError).requestMayHaveBeenSent).toBe(true);
  });

  it('reports a reset in the middle of the body as a NetworkError', async () => {
    server.answer(async (_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': '100' });
      res.write('{"partial":');
      await sleep(20);
      res.socket?.destroy();
    });
    const error = await client()
      .call(getThing, { thingId: 'a' })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(NetworkError);
  });

  it('sends nothing when the signal aborts while an attempt middleware is still working', async () => {
    const before = server.requests.length;
    // The middleware works until the test lets it go on: no clock decides what comes first.
    let goOn!: () => void;
    const working = new Promise<void>((resolve) => (goOn = resolve));
    let entered!: () => void;
    const inside = new Promise<void>((resolve) => (entered = resolve));
    let sent: Promise<unknown> | undefined;
    const tokenFetch: Middleware = {
      name: 'token-fetch',
      phase: 'attempt',
      async handle(_ctx, next) {
        entered();
        await working;
        const sending = next();
        sent = sending.then(
          () => 'sent',
          (e: { code?: string }) => e.code,
        );
        return sending;
      },
    };
    const controller = new AbortController();
    const pending = createClient({ baseUrl: server.url, transport, middleware: [tokenFetch] })
      .call(getThing, { thingId: 'a' }, { signal: controller.signal })
      .catch((e: unknown) => e);
    await inside;
    controller.abort('changed my mind');
    expect(await pending).toMatchObject({ code: 'E_ABORTED', reason: 'changed my mind' });
    goOn();
    await untilTrue(() => sent !== undefined, 'the middleware to call next()');
    expect(await sent).toBe('E_ABORTED'); // refused at the attempt boundary
    expect(server.requests.length).toBe(before);
  });

  it('does not follow redirects: a 3xx is an HttpError and the other origin sees nothing', async () => {
    const elsewhere = await startLoopback();
    try {
      server.answer((_req, res) => {
        res.writeHead(302, { location: `${elsewhere.url}/steal?sig=abc` });
        res.end();
      });
      const error = await client()
        .call(getThing, { thingId: 'a' }, { headers: { 'x-api-key': 'k-secret' } })
        .catch((e: unknown) => e);
      expect(error).toMatchObject({ code: 'E_HTTP', status: 302 });
      expect(elsewhere.requests).toHaveLength(0);
    } finally {
      await elsewhere.close();
    }
  });

  it('treats a timeout beyond the 32-bit timer limit as no timeout, not as 1 ms', async () => {
    server.answer(async (req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.write('{"slow":');
      await sleep(30);
      res.end('true}');
    });
    const result = await createClient({ baseUrl: server.url, transport, timeout: 3e9 }).call(getThing, { thingId: 'a' });
    expect(result.data).toEqual({ slow: true });
  });

  it.each([
    ['slash', 'a/b', '/prefix/api/things/a%2Fb'],
    ['traversal', '../../admin', '/prefix/api/things/..%2F..%2Fadmin'],
    ['unicode', 'héllo-日本', '/prefix/api/things/h%C3%A9llo-%E6%97%A5%E6%9C%AC'],
    ['query characters', 'a?b#c', '/prefix/api/things/a%3Fb%23c'],
  ])('keeps a %s id in its segment under a base URL with a path', async (_name, thingId, path) => {
    for (const base of [`${server.url}/prefix`, `${server.url}/prefix/`]) {
      await createClient({ baseUrl: base, transport }).call(getThing, { thingId });
      expect(server.requests.at(-1)?.url).toBe(path);
    }
  });

  it('frees the connection when a body read times out', async () => {
    let closed: Promise<unknown> | undefined;
    server.answer((_req, res) => {
      closed = new Promise((resolve) => res.socket?.once('close', resolve));
      res.writeHead(200, { 'content-type': 'application/json' });
      res.write('{"never":'); // and never finishes
    });
    const error = await createClient({ baseUrl: server.url, transport, timeout: 100 })
      .call(getThing, { thingId: 'a' })
      .catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'E_TIMEOUT', kind: 'attempt' });
    // The socket closes (a connection kept open would end the test by its timeout).
    expect(closed).toBeDefined();
    await closed;
  });

  it('keeps connections alive between calls', async () => {
    const ports = new Set<number>();
    const c = client();
    // A connection goes back to the pool a tick after its body is read, so back-to-back calls
    // may alternate between two; without keep-alive each call would open its own.
    for (let i = 0; i < 6; i++) {
      server.answer((req, res) => {
        ports.add(res.socket?.remotePort ?? -1);
        json(200, {})(req, res);
      });
      await c.call(getThing, { thingId: 'a' });
    }
    expect(ports.size).toBeLessThanOrEqual(2);
    await c.close();
  });
});
