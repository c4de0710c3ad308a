// A user's service with OpenTelemetry, as the consumer check builds it: the SDK's NodeSDK with
// Node auto-instrumentation (which includes instrumentation-undici and instrumentation-http), then
// Switchboard from the tarballs, calling a plain HTTP server that records what it receives. It
// checks what a trace view shows: one CLIENT span per request (ours), and one traceparent whose
// parent is that span. OTEL_SDK_MAJOR says which SDK line is installed: 2 (Node 20+) or 3 (Node 22.15+).
import { createServer } from 'node:http';
import { trace } from '@opentelemetry/api';
import { getNodeAutoInstrumentations } from '@opentelemetry/auto-instrumentations-node';
import { NodeSDK } from '@opentelemetry/sdk-node';

// SDK 3 moved the span processors to @opentelemetry/sdk-trace, and they take an options object.
const sdk3 = process.env.OTEL_SDK_MAJOR === '3';
const { InMemorySpanExporter, SimpleSpanProcessor } = await import(sdk3 ? '@opentelemetry/sdk-trace' : '@opentelemetry/sdk-trace-base');
const exporter = new InMemorySpanExporter(); // in a service: an OTLP exporter, and a BatchSpanProcessor
const sdk = new NodeSDK({
  spanProcessors: [sdk3 ? new SimpleSpanProcessor({ exporter }) : new SimpleSpanProcessor(exporter)],
  instrumentations: [getNodeAutoInstrumentations()],
});
sdk.start();
// Loaded after the SDK started, as auto-instrumentation asks.
const { WebChatAPI } = await import('@switchboard/webchat');

const major = sdk3 ? '3' : '2';
const fail = (text) => {
  console.error(`OpenTelemetry SDK ${major}: ${text}`);
  process.exit(1);
};

const received = [];
let answers = 0;
const server = createServer((request, response) => {
  received.push(request.headers.traceparent);
  // A 503 first: one retried attempt, two requests.
  response.writeHead(answers++ === 0 ? 503 : 200, { 'content-type': 'application/json' }).end('{"requireDeployment":false}');
});
await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
const api = new WebChatAPI({
  baseUrl: `http://127.0.0.1:${server.address().port}`,
  oauth: 'a-token',
  retry: { minWaitMs: 1 },
  onDeprecated: () => {},
});
await trace.getTracer('service').startActiveSpan('handle request', async (span) => {
  await api.getWebchatSettings();
  span.end();
});
await api.close();
server.close();
const spans = exporter.getFinishedSpans();
const client = spans.filter((s) => s.kind === 2); // SpanKind.CLIENT
if (received.length !== 2) fail(`the server received ${received.length} requests, not 2`);
if (client.length !== 2)
  fail(`${client.length} CLIENT spans for 2 requests: ${client.map((s) => `${s.instrumentationScope.name} ${s.name}`).join(', ')}`);
if (client.some((s) => s.name !== 'GET /api/v2/webchat/settings')) fail(`CLIENT spans named ${client.map((s) => s.name).join(', ')}`);
for (const [i, header] of received.entries()) {
  const match = /^00-[0-9a-f]{32}-([0-9a-f]{16})-01$/.exec(String(header));
  if (!match) fail(`request ${i + 1} carried traceparent ${JSON.stringify(header)}`);
  if (match[1] !== client[i].spanContext().spanId) fail(`request ${i + 1}'s traceparent names span ${match[1]}, not its CLIENT span`);
}
const operation = spans.find((s) => s.name === 'getWebchatSettings');
if (
  !operation ||
  client.some(
    (s) => (s.parentSpanContext ?? s.parentSpanId) && (s.parentSpanContext?.spanId ?? s.parentSpanId) !== operation.spanContext().spanId,
  )
)
  fail('the CLIENT spans are not children of the operation span');
await sdk.shutdown();
console.log(
  `OpenTelemetry SDK ${major} with auto-instrumentation on Node.js ${process.versions.node}: 2 requests, 2 CLIENT spans (ours, children of the operation span), one traceparent each, naming its span`,
);
