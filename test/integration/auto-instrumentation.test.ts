/**
 * Beside the HTTP auto-instrumentation most services register (`instrumentation-undici`, which sees
 * Node's fetch and npm undici, and `instrumentation-http`), registered through the real SDK: one
 * CLIENT span per physical attempt and exactly one `traceparent` per request, whose parent is that
 * span, on both transports, across a retried attempt and a 401 renewal; or, with
 * `httpSpans: 'instrumentation'`, the instrumentation's spans under our operation span and none of ours.
 */
import { SpanKind, trace } from '@opentelemetry/api';
import { registerInstrumentations } from '@opentelemetry/instrumentation';
import { HttpInstrumentation } from '@opentelemetry/instrumentation-http';
import { UndiciInstrumentation } from '@opentelemetry/instrumentation-undici';
import { AlwaysOffSampler, BasicTracerProvider, type ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createClient, defineRoute } from '@switchboard/core';
import { authByScheme, retry, tracing } from '@switchboard/middleware';
import { json, type Loopback, startLoopback } from '../support/loopback.js';
import { currentTelemetry, type Telemetry } from '../support/otel.js';
import { sleep } from '../support/time.js';

const thing = defineRoute<{ id: string }, unknown>({
  operationId: 'getThing',
  method: 'GET',
  path: '/things/{id}',
  pathParams: [{ name: 'id', type: 'string', required: true }],
  queryParams: [],
  auth: 'key',
  idempotent: true,
  deprecated: false,
  successStatus: 200,
});
const TRACEPARENT = /^00-([0-9a-f]{32})-([0-9a-f]{16})-0[01]$/;

let telemetry: Telemetry;
let server: Loopback;
let unregister: () => void;
beforeAll(async () => {
  telemetry = currentTelemetry();
  // As auto-instrumentation does it: both HTTP client instrumentations, on the SDK's provider.
  unregister = registerInstrumentations({
    tracerProvider: telemetry.tracerProvider,
    instrumentations: [new UndiciInstrumentation(), new HttpInstrumentation()],
  });
  server = await startLoopback();
});
afterAll(async () => {
  unregister();
  await server.close();
});
beforeEach(() => telemetry.exporter.reset());

/** Answers a 503, then a 401, then a 200: a retried attempt and a renewal, three requests. */
function script(): void {
  server.answer(json(503, {}), json(401, {}), json(200, { ok: true }));
}

async function run(transport: 'ky' | 'undici', httpSpans?: 'switchboard' | 'instrumentation', tracerProvider = telemetry.tracerProvider) {
  let version = 1;
  const client = createClient({
    baseUrl: server.url,
    transport,
    middleware: [
      tracing({ tracerProvider, ...(httpSpans ? { httpSpans } : {}) }),
      retry({ minWaitMs: 1, baseMs: 1 }),
      authByScheme({ schemes: { key: { authorize: () => `Key v${version}`, rejected: () => (version++, true) } } }),
    ],
  });
  const before = server.requests.length;
  script();
  await trace.getTracer('test').startActiveSpan('user request', async (span) => {
    try {
      await client.call(thing, { id: 'x' });
    } finally {
      span.end();
    }
  });
  await client.close();
  for (let i = 0; i < 100 && telemetry.spans().filter((s) => s.kind === SpanKind.CLIENT).length < 3; i++) await sleep(5);
  const requests = server.requests.slice(before);
  const spans = telemetry.spans();
  return { requests, spans, clientSpans: spans.filter((s: ReadableSpan) => s.kind === SpanKind.CLIENT) };
}

describe.each(['ky', 'undici'] as const)('beside HTTP auto-instrumentation, on the %s transport', (transport) => {
  it('one CLIENT span per physical attempt (ours), and one traceparent per request whose parent is that span', async () => {
    const { requests, clientSpans, spans } = await run(transport);
    expect(requests).toHaveLength(3);
    // Ours alone: named after the route template, with the resend count from the second attempt on.
    expect(clientSpans.map((s) => s.name)).toEqual(['GET /things/{id}', 'GET /things/{id}', 'GET /things/{id}']);
    expect(clientSpans.map((s) => s.instrumentationScope.name)).toEqual(Array(3).fill('@switchboard/middleware'));
    expect(clientSpans.map((s) => s.attributes['http.request.resend_count'])).toEqual([undefined, 1, 2]);
    const operation = spans.find((s) => s.name === 'getThing');
    for (const [i, request] of requests.entries()) {
      const header = request.headers.traceparent;
      expect(typeof header).toBe('string'); // one header, not several
      const match = TRACEPARENT.exec(String(header));
      expect(match, String(header)).not.toBeNull(); // one value, not a comma-joined pair
      expect(match?.[2]).toBe(clientSpans[i]?.spanContext().spanId);
      expect(clientSpans[i]?.parentSpanContext?.spanId).toBe(operation?.spanContext().spanId);
    }
  });

  it('a call our sampler leaves out still sends one traceparent per request: the instrumentation adds none of its own', async () => {
    const sampledOut = new BasicTracerProvider({ sampler: new AlwaysOffSampler() });
    const { requests, clientSpans } = await run(transport, undefined, sampledOut);
    expect(requests).toHaveLength(3);
    expect(clientSpans).toHaveLength(0);
    for (const request of requests) expect(String(request.headers.traceparent)).toMatch(/^00-[0-9a-f]{32}-[0-9a-f]{16}-00$/);
    await sampledOut.shutdown();
  });

  it("with httpSpans: 'instrumentation', the instrumentation's CLIENT spans under our operation span, and its traceparent", async () => {
    const { requests, clientSpans, spans } = await run(transport, 'instrumentation');
    expect(requests).toHaveLength(3);
    expect(clientSpans).toHaveLength(3);
    expect(clientSpans.every((s) => s.instrumentationScope.name !== '@switchboard/middleware')).toBe(true);
    const operation = spans.find((s) => s.name === 'getThing');
    expect(clientSpans.every((s) => s.parentSpanContext?.spanId === operation?.spanContext().spanId)).toBe(true);
    for (const [i, request] of requests.entries()) {
      const match = TRACEPARENT.exec(String(request.headers.traceparent));
      expect(match, String(request.headers.traceparent)).not.toBeNull();
      expect(match?.[2]).toBe(clientSpans[i]?.spanContext().spanId);
    }
  });
});
