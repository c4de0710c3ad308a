import { createNoopMeter, ProxyTracerProvider, SpanKind } from '@opentelemetry/api';
import { AlwaysOffSampler, BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { createClient, type HttpRequest, type Middleware, Redaction } from '@switchboard/core';
import { clientMetrics, logging, retry, tracing } from '@switchboard/middleware';
import { fakeTransport, respond } from '../../../test/support/fakes.js';
import { currentTelemetry } from '../../../test/support/otel.js';
import { getThing } from '../../../test/support/routes.js';

/** A redaction rule that counts its work: events and spans redact each attempt's URL, so a call that nobody observes redacts none. */
function countingRedaction(): Redaction & { urls: number } {
  const rule = new (class extends Redaction {
    urls = 0;
    override url(value: string): string {
      this.urls++;
      return super.url(value);
    }
  })();
  return rule;
}

async function callOnce(middleware: Middleware[], redaction: Redaction): Promise<HttpRequest | undefined> {
  const transport = fakeTransport();
  const client = createClient({ baseUrl: 'http://127.0.0.1:9', transport, middleware, redaction });
  await client.call(getThing, { thingId: 'x' });
  await client.close();
  return transport.requests[0];
}

describe('observability middleware with nothing to report to', () => {
  it('tracing without a provider builds no event and no span', async () => {
    const redaction = countingRedaction();
    await callOnce([tracing({ tracerProvider: new ProxyTracerProvider(), redaction })], redaction);
    expect(redaction.urls).toBe(0);
  });

  it('tracing with a provider that samples out still passes a not-sampled traceparent on, and records nothing', async () => {
    const exporter = new InMemorySpanExporter();
    const provider = new BasicTracerProvider({ sampler: new AlwaysOffSampler(), spanProcessors: [new SimpleSpanProcessor(exporter)] });
    const redaction = countingRedaction();
    const request = await callOnce([tracing({ tracerProvider: provider, redaction })], redaction);
    expect(request?.headers.traceparent).toMatch(/^00-[0-9a-f]{32}-[0-9a-f]{16}-00$/);
    expect(exporter.getFinishedSpans()).toEqual([]);
    expect(redaction.urls).toBe(0);
  });

  it('metrics with a no-op meter observe nothing', async () => {
    const redaction = countingRedaction();
    await callOnce([clientMetrics({ meterProvider: { getMeter: () => createNoopMeter() } })], redaction);
    expect(redaction.urls).toBe(0);
  });

  it('logging with a silent logger observes nothing', async () => {
    const redaction = countingRedaction();
    await callOnce(
      [logging({ logger: pino({ level: 'silent' }), redaction }), tracing({ tracerProvider: new ProxyTracerProvider(), redaction })],
      redaction,
    );
    expect(redaction.urls).toBe(0);
  });

  it('a recording tracer does observe (the counter above can move)', async () => {
    const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(new InMemorySpanExporter())] });
    const redaction = countingRedaction();
    await callOnce([tracing({ tracerProvider: provider, redaction })], redaction);
    expect(redaction.urls).toBeGreaterThan(0);
  });
});

describe('logging levels', () => {
  it('writes info for a first-time success, and nothing below its level', async () => {
    const lines: Record<string, unknown>[] = [];
    const logger = pino({ level: 'info' }, { write: (line: string) => lines.push(JSON.parse(line) as Record<string, unknown>) });
    await callOnce([logging({ logger })], new Redaction());
    expect(lines).toMatchObject([
      {
        level: 30,
        operationId: 'getThing',
        outcome: 'success',
        status: 200,
        attempts: 1,
        msg: expect.stringMatching(/^getThing 200 after 1 attempt in [\d.]+ ms$/) as string,
      },
    ]);
  });
});

describe('a retry the budget refuses', () => {
  it('is a debug line, a point of switchboard.client.refused_retries and an event on the operation span, as a retry is each of its own', async () => {
    const lines: Record<string, unknown>[] = [];
    const logger = pino({ level: 'debug' }, { write: (line: string) => lines.push(JSON.parse(line) as Record<string, unknown>) });
    const transport = fakeTransport(() => respond(503));
    const exporter = new InMemorySpanExporter();
    const tracerProvider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
    const client = createClient({
      baseUrl: 'http://127.0.0.1:9',
      transport,
      // Less than one retry's cost: the retry the 503 calls for is refused.
      middleware: [tracing({ tracerProvider }), clientMetrics(), logging({ logger }), retry({ budget: { capacity: 5, retryCost: 10 } })],
    });
    await expect(client.call(getThing, { thingId: 'x' })).rejects.toMatchObject({ status: 503, attempts: 1 });
    await client.close();
    expect(transport.sent).toBe(1);
    expect(lines.filter((line) => line.level === 20 && line.attempt === 1 && line.reason !== undefined)).toMatchObject([
      { operationId: 'getThing', reason: 'budget', status: 503, errorType: '503', msg: 'getThing will not retry (budget)' },
    ]);
    const points = await currentTelemetry().points('switchboard.client.refused_retries');
    expect(
      points.map((point) => [point.attributes['switchboard.retry.refusal_reason'], point.attributes['error.type'], point.value]),
    ).toEqual([['budget', '503', 1]]);
    expect(await currentTelemetry().points('switchboard.client.retries')).toEqual([]);
    const operation = exporter
      .getFinishedSpans()
      .find((span) => span.attributes['switchboard.operation.id'] === 'getThing' && span.kind === SpanKind.INTERNAL);
    expect(operation?.events.map((event) => [event.name, event.attributes])).toEqual([
      [
        'switchboard.retry.refused',
        { 'switchboard.retry.refusal_reason': 'budget', 'switchboard.attempt': 1, 'http.response.status_code': 503, 'error.type': '503' },
      ],
    ]);
  });
});

describe('observability that fails', () => {
  it('a logger whose level check throws does not fail the call', async () => {
    const broken = {
      debug: () => undefined,
      info: () => undefined,
      warn: () => undefined,
      error: () => undefined,
      isLevelEnabled: (): boolean => {
        throw new Error('logger down');
      },
      child() {
        return this;
      },
    };
    await expect(callOnce([logging({ logger: broken })], new Redaction())).resolves.toMatchObject({ method: 'GET' });
  });

  it('a logger that throws does not fail the call, and neither does a tracer that throws', async () => {
    const throwing = {
      debug: () => {
        throw new Error('log stream gone');
      },
      info: () => {
        throw new Error('log stream gone');
      },
      warn: () => undefined,
      error: () => undefined,
      isLevelEnabled: () => true,
      child() {
        return this;
      },
    };
    const brokenTracer = {
      getTracer: () => ({
        startSpan: () => {
          throw new Error('tracer bug');
        },
        startActiveSpan: () => {
          throw new Error('tracer bug');
        },
      }),
    };
    const transport = fakeTransport();
    const client = createClient({
      baseUrl: 'http://127.0.0.1:9',
      transport,
      middleware: [tracing({ tracerProvider: brokenTracer }), logging({ logger: throwing, bodies: true })],
    });
    await expect(client.call(getThing, { thingId: 'x' })).resolves.toMatchObject({ status: 200 });
    expect(transport.requests).toHaveLength(1);
  });
});

describe('tracing attempts that run side by side', () => {
  it('gives each hedged attempt its own CLIENT span, ended with its own answer, and its own traceparent', async () => {
    const exporter = new InMemorySpanExporter();
    const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
    // The first attempt is answered last (two turns of the event loop against one), and with another status: each span must get its own.
    const transport = fakeTransport([
      () => new Promise((resolve) => setImmediate(() => setImmediate(() => resolve(respond(503))))),
      () => new Promise((resolve) => setImmediate(() => resolve(respond(200)))),
    ]);
    const hedge: Middleware = { name: 'hedge', phase: 'retry', handle: (_ctx, next) => Promise.any([next(), next()]) };
    const client = createClient({ baseUrl: 'http://127.0.0.1:9', transport, middleware: [tracing({ tracerProvider: provider }), hedge] });
    await client.call(getThing, { thingId: 'x' });
    await client.close();
    const spans = exporter.getFinishedSpans();
    const attempts = spans
      .filter((span) => span.name === `GET ${getThing.path}`)
      .sort((a, b) => Number(a.attributes['switchboard.attempt']) - Number(b.attributes['switchboard.attempt']));
    expect(attempts.map((span) => [span.attributes['switchboard.attempt'], span.attributes['http.response.status_code']])).toEqual([
      [1, 503],
      [2, 200],
    ]);
    expect(transport.requests.map((request) => request.headers.traceparent)).toEqual(
      attempts.map((span) => `00-${span.spanContext().traceId}-${span.spanContext().spanId}-01`),
    );
    // The operation span ends last, after the slower attempt; the server is on the CLIENT spans only.
    expect(spans.at(-1)?.name).toBe(getThing.operationId);
    expect(spans.at(-1)?.attributes).toEqual({
      'switchboard.operation.id': getThing.operationId,
      'http.request.method': 'GET',
      'url.template': getThing.path,
      'switchboard.attempts': 2,
      'switchboard.waited_ms': 0,
      'http.response.status_code': 200,
    });
  });
});

describe('server attributes of a route called on more than one server', () => {
  it('names each call its own server, also when one origin is a prefix of the other (port 1 and port 10)', async () => {
    const exporter = new InMemorySpanExporter();
    const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
    for (const baseUrl of ['http://127.0.0.1:1', 'http://127.0.0.1:10', 'http://127.0.0.1:1']) {
      const client = createClient({ baseUrl, transport: fakeTransport(), middleware: [tracing({ tracerProvider: provider })] });
      await client.call(getThing, { thingId: 'x' });
      await client.close();
    }
    const ports = exporter
      .getFinishedSpans()
      .filter((span) => span.name === `GET ${getThing.path}`)
      .map((span) => span.attributes['server.port']);
    expect(ports).toEqual([1, 10, 1]);
  });
});
