/**
 * Beside the HTTP auto-instrumentation most services register (`instrumentation-undici`, which sees
 * Node's fetch and npm undici, and `instrumentation-http`), registered through the real SDK: one
 * CLIENT span per physical attempt and exactly one `traceparent` per request, whose parent is that
 * span, on both transports, across a retried attempt and a 401 renewal; or, with
 * `httpSpans: 'instrumentation'`, the instrumentation's spans under our operation span and none of ours.
 * The OAuth token request and its revocation, which are no call's attempts, are described the same
 * way: one CLIENT span of ours each, under the span active when they go.
 */
import { SpanKind, trace } from '@opentelemetry/api';
import { registerInstrumentations } from '@opentelemetry/instrumentation';
import { HttpInstrumentation } from '@opentelemetry/instrumentation-http';
import { UndiciInstrumentation } from '@opentelemetry/instrumentation-undici';
import { AlwaysOffSampler, BasicTracerProvider, type ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createClient, defineRoute } from '@switchboard/core';
import { authByScheme, ClientCredentials, type RequestTracing, retry, tracing } from '@switchboard/middleware';
import { json, type Loopback, startLoopback } from '../support/loopback.js';
import { currentTelemetry, type Telemetry } from '../support/otel.js';
import { eventually, sleep } from '../support/time.js';

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
  const clientSpanCount = () => telemetry.spans().filter((s) => s.kind === SpanKind.CLIENT).length;
  // A span may end a moment after the call returned: wait for the three CLIENT spans, one per request.
  // A provider that samples everything out records none, so there is nothing to wait for: any CLIENT
  // span that shows up anyway (the instrumentation's) is given the time to.
  if (tracerProvider === telemetry.tracerProvider) await eventually(() => expect(clientSpanCount()).toBeGreaterThanOrEqual(3));
  else await sleep(500);
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

/** A token fetched and revoked under a span of the user's; what the server saw and the CLIENT spans made. */
async function tokenAndRevoke(tracing?: RequestTracing) {
  const before = server.requests.length;
  server.answer(json(200, { access_token: 'token-1', expires_in: 3600 }), json(200, {}));
  const credentials = new ClientCredentials({
    loginUrl: server.url,
    apiUrl: server.url,
    clientId: 'id',
    clientSecret: 'secret',
    proxy: false,
    ...(tracing === undefined ? {} : { tracing }),
  });
  const parent = await trace.getTracer('test').startActiveSpan('user work', async (span) => {
    try {
      await credentials.getAccessToken();
      await credentials.close();
      return span;
    } finally {
      span.end();
    }
  });
  const requests = server.requests.slice(before);
  await eventually(() => expect(telemetry.spans().some((s) => s.name === 'user work')).toBe(true));
  return { requests, parent, clientSpans: () => telemetry.spans().filter((s) => s.kind === SpanKind.CLIENT) };
}

describe('the OAuth token request and its revocation, beside HTTP auto-instrumentation', () => {
  it('are a CLIENT span of ours each, under the active span, and each request carries one traceparent naming it', async () => {
    const { requests, parent, clientSpans } = await tokenAndRevoke();
    expect(requests.map((r) => `${r.method} ${r.url}`)).toEqual(['POST /oauth/token', 'DELETE /api/v2/tokens/me']);
    await eventually(() => expect(clientSpans()).toHaveLength(2));
    const spans = clientSpans();
    expect(spans.map((s) => s.name)).toEqual(['POST /oauth/token', 'DELETE /api/v2/tokens/me']);
    expect(spans.map((s) => s.instrumentationScope.name)).toEqual(['@switchboard/middleware', '@switchboard/middleware']);
    expect(spans.map((s) => [s.attributes['switchboard.operation.id'], s.attributes['http.response.status_code']])).toEqual([
      ['oauthToken', 200],
      ['revokeToken', 200],
    ]);
    for (const [i, request] of requests.entries()) {
      const header = request.headers.traceparent;
      expect(typeof header).toBe('string');
      expect(TRACEPARENT.exec(String(header))?.[2]).toBe(spans[i]?.spanContext().spanId);
      expect(spans[i]?.parentSpanContext?.spanId).toBe(parent.spanContext().spanId);
    }
    // No secret on a span: the Basic credentials and the token travel in headers, which spans do not carry.
    expect(JSON.stringify(spans.map((s) => s.attributes))).not.toMatch(/secret|token-1/);
  });

  it("with httpSpans: 'instrumentation', the instrumentation's spans and none of ours", async () => {
    const { requests, clientSpans } = await tokenAndRevoke({ httpSpans: 'instrumentation' });
    expect(requests).toHaveLength(2);
    await eventually(() => expect(clientSpans()).toHaveLength(2));
    expect(clientSpans().every((s) => s.instrumentationScope.name !== '@switchboard/middleware')).toBe(true);
  });

  it('with tracing false, no span of ours', async () => {
    const { requests, clientSpans } = await tokenAndRevoke(false);
    expect(requests).toHaveLength(2);
    await eventually(() => expect(clientSpans()).toHaveLength(2));
    expect(clientSpans().some((s) => s.instrumentationScope.name === '@switchboard/middleware')).toBe(false);
  });
});
