/**
 * What a user sees in their tracing dashboard, metrics and logs: a real OpenTelemetry SDK, a real
 * pino logger parsed line by line, the wire seen through nock.
 */
import { Writable } from 'node:stream';
import { SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import type { ReadableSpan } from '@opentelemetry/sdk-trace-base';
import nock from 'nock';
import pino from 'pino';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { AbortError, type CallEvent, HttpError, type Middleware, NetworkError } from '@switchboard/core';
import { WebChatAPI } from '@switchboard/webchat';
import { currentTelemetry, hrMs, parentOf, type Telemetry } from '../support/otel.js';
import { eventually } from '../support/time.js';

const baseUrl = 'https://api.webchat.test';
const SETTINGS = '/api/v2/webchat/settings';
const TRACEPARENT = /^00-([0-9a-f]{32})-([0-9a-f]{16})-01$/;

let telemetry: Telemetry;
beforeAll(() => {
  nock.disableNetConnect();
  telemetry = currentTelemetry();
});
afterEach(() => {
  nock.cleanAll();
  telemetry.exporter.reset();
});
afterAll(() => nock.enableNetConnect());

function logCollector(): { stream: Writable; lines: () => Record<string, unknown>[] } {
  const chunks: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      chunks.push(chunk.toString('utf8'));
      done();
    },
  });
  return {
    stream,
    lines: () =>
      chunks
        .join('')
        .split('\n')
        .filter(Boolean)
        .map((line) => JSON.parse(line) as Record<string, unknown>),
  };
}

/** Runs `body` inside a root span of the test's own, as a user's request handler would. */
function withinRoot<T>(body: () => Promise<T>): Promise<{ result: T; rootSpanId: string; traceId: string }> {
  return trace.getTracer('test').startActiveSpan('user request', async (root) => {
    try {
      const result = await body();
      return { result, rootSpanId: root.spanContext().spanId, traceId: root.spanContext().traceId };
    } finally {
      root.end();
    }
  });
}

/** Waits for `count` spans besides the test's own to have ended: a span may end a moment after the caller got its answer. */
async function endedSpans(count: number): Promise<ReadableSpan[]> {
  await eventually(() => expect(telemetry.spans().filter((s) => s.name !== 'user request').length).toBeGreaterThanOrEqual(count));
  return telemetry.spans();
}

function byKind(spans: ReadableSpan[], kind: SpanKind): ReadableSpan[] {
  return spans.filter((s) => s.kind === kind && s.name !== 'user request').sort((a, b) => hrMs(a.startTime) - hrMs(b.startTime));
}

describe('a 429 then 200 call', () => {
  it('is one operation span with a CLIENT span per attempt, the wait as events, and a traceparent per attempt on the wire', async () => {
    const traceparents: string[] = [];
    nock(baseUrl, { reqheaders: { traceparent: TRACEPARENT } })
      .get(SETTINGS)
      .reply(function () {
        traceparents.push(String(this.req.headers.traceparent));
        return [429, { code: 'too.many.requests', status: 429 }, { 'retry-after': '1', 'inin-correlation-id': 'corr-429' }];
      })
      .get(SETTINGS)
      .reply(function () {
        traceparents.push(String(this.req.headers.traceparent));
        return [200, { requireDeployment: true }, { 'inin-correlation-id': 'corr-200' }];
      });
    const logs = logCollector();
    const events: CallEvent[] = [];
    const api = new WebChatAPI({ baseUrl, oauth: 'oauth-token-secret', logger: pino({ level: 'debug' }, logs.stream) });
    api.on('*', (event) => events.push(event));

    const { result, rootSpanId, traceId } = await withinRoot(() => api.getWebchatSettings());
    expect(result.status).toBe(200);

    const spans = telemetry.spans();
    const [operation] = byKind(spans, SpanKind.INTERNAL);
    const attempts = byKind(spans, SpanKind.CLIENT);
    expect(operation).toBeDefined();
    if (!operation) return;
    expect(attempts).toHaveLength(2);
    const [first, second] = attempts as [ReadableSpan, ReadableSpan];

    // The tree: user request → getWebchatSettings → two attempts, one trace.
    expect(operation.name).toBe('getWebchatSettings');
    expect(parentOf(operation)).toBe(rootSpanId);
    expect(operation.spanContext().traceId).toBe(traceId);
    for (const attempt of attempts) {
      expect(parentOf(attempt)).toBe(operation.spanContext().spanId);
      expect(attempt.name).toBe(`GET ${SETTINGS}`);
    }
    expect(operation.attributes).toMatchObject({
      'switchboard.operation.id': 'getWebchatSettings',
      'switchboard.operation.deprecated': true,
      'switchboard.attempts': 2,
      'http.request.method': 'GET',
      'url.template': SETTINGS,
      'http.response.status_code': 200,
    });
    expect(operation.attributes['switchboard.waited_ms']).toBeGreaterThanOrEqual(900);
    expect(operation.status.code).toBe(SpanStatusCode.UNSET);

    expect(first.attributes).toEqual({
      'http.request.method': 'GET',
      'url.template': SETTINGS,
      'url.full': `${baseUrl}${SETTINGS}`,
      'server.address': 'api.webchat.test',
      'server.port': 443,
      'switchboard.attempt': 1,
      'http.response.status_code': 429,
      'error.type': '429',
      'genesys.correlation_id': 'corr-429',
    });
    expect(first.status.code).toBe(SpanStatusCode.ERROR);
    expect(second.attributes).toMatchObject({
      'http.request.resend_count': 1,
      'switchboard.attempt': 2,
      'http.response.status_code': 200,
      'genesys.correlation_id': 'corr-200',
    });
    expect(second.attributes).not.toHaveProperty('error.type');
    expect(second.status.code).toBe(SpanStatusCode.UNSET);

    // The wait: a retry decision, then the wait itself with its measured duration, between the attempts.
    const retryEvent = operation.events.find((e) => e.name === 'switchboard.retry');
    const waitEvent = operation.events.find((e) => e.name === 'switchboard.wait');
    expect(retryEvent?.attributes).toMatchObject({
      'switchboard.wait.reason': 'retry-after',
      'switchboard.retry.wait_ms': 1000,
      'http.response.status_code': 429,
    });
    expect(waitEvent?.attributes).toMatchObject({ 'switchboard.wait.reason': 'retry-after', 'switchboard.attempt': 1 });
    expect(Number(waitEvent?.attributes?.['switchboard.wait.duration_ms'])).toBeGreaterThanOrEqual(990);
    expect(hrMs(waitEvent?.time ?? [0, 0])).toBeGreaterThanOrEqual(hrMs(first.endTime) - 2);
    expect(hrMs(second.startTime)).toBeGreaterThanOrEqual(hrMs(waitEvent?.time ?? [0, 0]) + 980);

    // Each attempt carried its own span as the parent.
    expect(traceparents).toHaveLength(2);
    traceparents.forEach((header, i) => {
      const [, wireTrace, wireParent] = TRACEPARENT.exec(header) ?? [];
      expect(wireTrace).toBe(traceId);
      expect(wireParent).toBe(attempts[i]?.spanContext().spanId);
    });

    // Nothing ended early: the operation outlives its attempts.
    expect(hrMs(operation.endTime)).toBeGreaterThanOrEqual(hrMs(second.endTime) - 1);

    // The logs: one warn line for the call (it needed a retry), debug lines per attempt and wait.
    const lines = logs.lines();
    const callLines = lines.filter((l) => l.level !== 20);
    expect(callLines).toHaveLength(1);
    expect(callLines[0]).toMatchObject({
      level: 40,
      lib: 'switchboard',
      operationId: 'getWebchatSettings',
      outcome: 'success',
      status: 200,
      attempts: 2,
      correlationId: 'corr-200',
    });
    expect(callLines[0]?.waitedMs).toBeGreaterThanOrEqual(990);
    const debug = lines.filter((l) => l.level === 20);
    expect(debug.map((l) => [l.attempt, l.reason ?? l.status])).toEqual([
      [1, 429],
      [1, 'retry-after'],
      [1, 'retry-after'],
      [2, 200],
    ]);

    // The events a listener gets: the same facts.
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
    expect(events.at(-1)).toMatchObject({ attempts: 2, status: 200, correlationId: 'corr-200', outcome: 'success' });

    // Metrics: one duration point per attempt, a retry, a 429, a wait.
    const durations = await telemetry.points('http.client.request.duration');
    expect(durations.map((p) => [p.attributes['http.response.status_code'], (p.value as { count: number }).count]).sort()).toEqual([
      [200, 1],
      [429, 1],
    ]);
    // The stable metric's own attributes and no more: each one more is hashed by the SDK on every point.
    expect(durations.find((p) => p.attributes['http.response.status_code'] === 200)?.attributes).toEqual({
      'http.request.method': 'GET',
      'server.address': 'api.webchat.test',
      'server.port': 443,
      'url.template': SETTINGS,
      'http.response.status_code': 200,
    });
    expect((await telemetry.points('switchboard.client.retries')).map((p) => [p.attributes['switchboard.wait.reason'], p.value])).toEqual([
      ['retry-after', 1],
    ]);
    expect((await telemetry.points('switchboard.client.throttled')).map((p) => p.value)).toEqual([1]);
    expect((await telemetry.points('switchboard.client.waits')).map((p) => [p.attributes['switchboard.wait.reason'], p.value])).toEqual([
      ['retry-after', 1],
    ]);
    await api.close();
  });
});

describe('failures', () => {
  it('an HTTP error: both spans in error with the status as error.type, one error log line', async () => {
    nock(baseUrl)
      .get('/api/v2/webchat/deployments/d-1')
      .reply(
        404,
        { code: 'not.found', status: 404, messageWithParams: 'deployment {id} not found', messageParams: { id: 'd-1' } },
        { 'inin-correlation-id': 'corr-404' },
      );
    const logs = logCollector();
    const api = new WebChatAPI({ baseUrl, oauth: 'oauth-token-secret', logger: pino({ level: 'info' }, logs.stream) });
    await expect(api.getWebchatDeployment({ deploymentId: 'd-1' })).rejects.toBeInstanceOf(HttpError);
    const [operation] = byKind(telemetry.spans(), SpanKind.INTERNAL);
    const [attempt] = byKind(telemetry.spans(), SpanKind.CLIENT);
    expect(operation?.status.code).toBe(SpanStatusCode.ERROR);
    expect(operation?.attributes).toMatchObject({ 'error.type': '404', 'http.response.status_code': 404, 'switchboard.attempts': 1 });
    expect(attempt?.attributes).toMatchObject({ 'error.type': '404', 'genesys.correlation_id': 'corr-404' });
    expect(logs.lines()).toMatchObject([
      { level: 50, operationId: 'getWebchatDeployment', outcome: 'http-error', status: 404, correlationId: 'corr-404', attempts: 1 },
    ]);
    await api.close();
  });

  it('a network failure: the error class or code as error.type, a safe description, an error line with the message', async () => {
    nock(baseUrl).get(SETTINGS).replyWithError({ code: 'ECONNRESET', message: 'socket hang up' });
    const logs = logCollector();
    const api = new WebChatAPI({ baseUrl, oauth: 'oauth-token-secret', retry: false, logger: pino({ level: 'info' }, logs.stream) });
    await expect(api.getWebchatSettings()).rejects.toBeInstanceOf(NetworkError);
    const [operation] = byKind(telemetry.spans(), SpanKind.INTERNAL);
    const [attempt] = byKind(telemetry.spans(), SpanKind.CLIENT);
    expect(attempt?.attributes['error.type']).toBe('ECONNRESET');
    expect(attempt?.attributes).not.toHaveProperty('http.response.status_code');
    expect(operation?.status.code).toBe(SpanStatusCode.ERROR);
    expect(operation?.status.message).toContain('ECONNRESET');
    expect(operation?.attributes['error.type']).toBe('ECONNRESET');
    const [line] = logs.lines();
    expect(line).toMatchObject({ level: 50, outcome: 'failure', errorType: 'ECONNRESET', attempts: 1 });
    expect(String(line?.error)).toContain('ECONNRESET');
    await api.close();
  });

  it('an abort: spans end when the aborted request has ended, never before', async () => {
    // The server would answer only after a minute: spans that wait for it never end in this test.
    nock(baseUrl).get(SETTINGS).delay(60_000).reply(200, {});
    const api = new WebChatAPI({ baseUrl, oauth: 'oauth-token-secret' });
    const controller = new AbortController();
    let abortedAt = Infinity;
    setTimeout(() => {
      abortedAt = Date.now();
      controller.abort();
    }, 100);
    await expect(api.getWebchatSettings({}, { signal: controller.signal })).rejects.toBeInstanceOf(AbortError);
    const spans = await endedSpans(2);
    const [operation] = byKind(spans, SpanKind.INTERNAL);
    const [attempt] = byKind(spans, SpanKind.CLIENT);
    expect(attempt?.attributes['error.type']).toBe('AbortError');
    expect(operation?.attributes['error.type']).toBe('AbortError');
    // Ended by the abort (the server's answer never came), and not before the request was aborted.
    expect(hrMs(attempt?.endTime ?? [0, 0])).toBeGreaterThanOrEqual(abortedAt - 1);
    // Spans keep their own anchored clocks, which may drift apart by a fraction of a millisecond.
    expect(hrMs(operation?.endTime ?? [0, 0])).toBeGreaterThanOrEqual(hrMs(attempt?.endTime ?? [0, 0]) - 1);
    await api.close();
  });

  it('a deadline that cuts the caller loose: the operation span ends when the pipeline does, not when the caller gave up', async () => {
    nock(baseUrl).get(SETTINGS).reply(200, {});
    // A user middleware that goes on working after its request (and past the deadline), unaware of
    // both, until the test lets it finish.
    let finishWork!: () => void;
    const working = new Promise<void>((resolve) => (finishWork = resolve));
    const lingering: Middleware = {
      name: 'lingering',
      phase: 'attempt',
      async handle(_ctx, next) {
        const response = await next();
        await working;
        return response;
      },
    };
    const logs = logCollector();
    const api = new WebChatAPI({
      baseUrl,
      oauth: 'oauth-token-secret',
      middleware: [lingering],
      logger: pino({ level: 'info' }, logs.stream),
    });
    const ends: number[] = [];
    api.on('call.end', (event) => ends.push(event.time));
    // The caller gets its TimeoutError while the middleware is still at work.
    await expect(api.getWebchatSettings({}, { totalTimeout: 50 })).rejects.toMatchObject({ name: 'TimeoutError' });
    expect(ends).toHaveLength(0);
    const finishedAt = Date.now();
    finishWork();
    const [operation] = byKind(await endedSpans(2), SpanKind.INTERNAL);
    expect(hrMs(operation?.endTime ?? [0, 0])).toBeGreaterThanOrEqual(finishedAt - 1);
    // The span tells what the caller got, like the event and the log line: a deadline.
    expect(operation?.status.code).toBe(SpanStatusCode.ERROR);
    expect(operation?.attributes['error.type']).toBe('TimeoutError');
    expect(ends).toHaveLength(1);
    expect(ends[0]).toBeGreaterThanOrEqual(finishedAt);
    const [line] = logs.lines();
    expect(line).toMatchObject({ level: 50, outcome: 'failure', errorType: 'TimeoutError' });
    expect(String(line?.error)).toContain('deadline');
    await api.close();
  });

  it('an attempt timeout that is retried: a span per attempt, each ended with TimeoutError, then the success', async () => {
    nock(baseUrl).get(SETTINGS).delay(300).reply(200, {}).get(SETTINGS).reply(200, { requireDeployment: false });
    const api = new WebChatAPI({ baseUrl, oauth: 'oauth-token-secret', timeout: 50, retry: { baseMs: 1, minWaitMs: 1 } });
    await expect(api.getWebchatSettings()).resolves.toMatchObject({ status: 200, attempts: 2 });
    const attempts = byKind(telemetry.spans(), SpanKind.CLIENT);
    expect(
      attempts.map((s) => [s.attributes['switchboard.attempt'], s.attributes['error.type'] ?? s.attributes['http.response.status_code']]),
    ).toEqual([
      [1, 'TimeoutError'],
      [2, 200],
    ]);
    const [operation] = byKind(telemetry.spans(), SpanKind.INTERNAL);
    expect(operation?.events.map((e) => [e.name, e.attributes?.['switchboard.wait.reason']])).toEqual([
      ['switchboard.retry', 'backoff'],
      ['switchboard.wait', 'backoff'],
    ]);
    await api.close();
  });
});

describe('waits other than retries', () => {
  it('a call queued by the rate limiter: a rate-limit-queue wait event and the waits counter', async () => {
    nock(baseUrl).get(SETTINGS).times(2).reply(200, {});
    const api = new WebChatAPI({ baseUrl, oauth: 'oauth-token-secret', rateLimit: { local: { limit: 1, intervalMs: 250 } } });
    const before = (await telemetry.points('switchboard.client.waits'))
      .filter((p) => p.attributes['switchboard.wait.reason'] === 'rate-limit-queue')
      .reduce((n, p) => n + Number(p.value), 0);
    await Promise.all([api.getWebchatSettings(), api.getWebchatSettings()]);
    const operations = byKind(telemetry.spans(), SpanKind.INTERNAL);
    const queued = operations
      .flatMap((span) => span.events)
      .filter((e) => e.name === 'switchboard.wait' && e.attributes?.['switchboard.wait.reason'] === 'rate-limit-queue');
    // Each call took its turn; the second waited for the next quarter second's quota.
    expect(queued).toHaveLength(2);
    expect(Math.max(...queued.map((e) => Number(e.attributes?.['switchboard.wait.duration_ms'])))).toBeGreaterThanOrEqual(100);
    const after = (await telemetry.points('switchboard.client.waits'))
      .filter((p) => p.attributes['switchboard.wait.reason'] === 'rate-limit-queue')
      .reduce((n, p) => n + Number(p.value), 0);
    expect(after - before).toBe(2);
    await api.close();
  });

  it('a call that waits for an OAuth token: a token-refresh wait event, and none once the token is at hand', async () => {
    const loginUrl = 'https://login.webchat.test';
    nock(loginUrl)
      .post('/oauth/token')
      .delay(50)
      .reply(200, { access_token: 'oauth-token-fresh-0123', token_type: 'bearer', expires_in: 3600 });
    nock(baseUrl).get(SETTINGS).times(2).reply(200, {});
    nock(baseUrl).delete('/api/v2/tokens/me').optionally().reply(204);
    const api = new WebChatAPI({ baseUrl, loginUrl, oauth: { clientId: 'client-1', clientSecret: 'client-secret-0123' } });
    await api.getWebchatSettings();
    await api.getWebchatSettings();
    const [first, second] = byKind(telemetry.spans(), SpanKind.INTERNAL);
    const refreshes = (span: ReadableSpan | undefined) =>
      span?.events.filter((e) => e.name === 'switchboard.wait' && e.attributes?.['switchboard.wait.reason'] === 'token-refresh') ?? [];
    expect(refreshes(first)).toHaveLength(1);
    expect(Number(refreshes(first)[0]?.attributes?.['switchboard.wait.duration_ms'])).toBeGreaterThanOrEqual(45);
    expect(refreshes(second)).toHaveLength(0);
    await api.close();
  });
});

describe('spans the user starts', () => {
  it('nest under the operation span when a user middleware starts them', async () => {
    nock(baseUrl).get(SETTINGS).reply(200, {});
    const api = new WebChatAPI({
      baseUrl,
      oauth: 'oauth-token-secret',
      middleware: [
        {
          name: 'audit',
          phase: 'retry',
          handle: (_ctx, next) => trace.getTracer('user').startActiveSpan('audit', (span) => next().finally(() => span.end())),
        },
      ],
    });
    await api.getWebchatSettings();
    const spans = telemetry.spans();
    const operation = spans.find((s) => s.name === 'getWebchatSettings');
    const audit = spans.find((s) => s.name === 'audit');
    expect(parentOf(audit as ReadableSpan)).toBe(operation?.spanContext().spanId);
    await api.close();
  });
});
