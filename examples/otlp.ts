/**
 * Sends WebChatAPI's spans to an OpenTelemetry collector over OTLP/HTTP, as a service would in
 * production (Jaeger, Tempo, Honeycomb, Datadog and most vendors accept OTLP). Run it with
 * `pnpm example:otlp`; the collector is `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT` or
 * `OTEL_EXPORTER_OTLP_ENDPOINT` (+ `/v1/traces`), `http://127.0.0.1:4318/v1/traces` by default.
 * The calls go to the local emulator; logs go to stdout through pino.
 */
import { context, propagation, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BasicTracerProvider, BatchSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { startEmulator } from '@switchboard/emulator';
import { WebChatAPI } from '@switchboard/webchat';
import pino from 'pino';

const endpoint =
  process.env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT ??
  (process.env.OTEL_EXPORTER_OTLP_ENDPOINT
    ? `${process.env.OTEL_EXPORTER_OTLP_ENDPOINT.replace(/\/$/, '')}/v1/traces`
    : 'http://127.0.0.1:4318/v1/traces');

// Once per process, before any client is used.
const provider = new BasicTracerProvider({
  resource: resourceFromAttributes({ 'service.name': 'switchboard-otlp-example' }),
  spanProcessors: [new BatchSpanProcessor(new OTLPTraceExporter({ url: endpoint }))],
});
context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
propagation.setGlobalPropagator(new W3CTraceContextPropagator());
trace.setGlobalTracerProvider(provider);

const emulator = await startEmulator({ rateLimit: { limit: 3, windowSeconds: 1 } });
const api = new WebChatAPI({
  baseUrl: emulator.apiUrl,
  loginUrl: emulator.loginUrl,
  oauth: { clientId: emulator.client.clientId, clientSecret: emulator.client.clientSecret },
  logger: pino(),
  onDeprecated: () => undefined,
});
try {
  await trace.getTracer('otlp-example').startActiveSpan('handle support request', async (root) => {
    try {
      const chat = await api.startGuestChat({
        organizationId: emulator.organizationId,
        deploymentId: emulator.deploymentId,
        routingTarget: { targetType: 'QUEUE', targetAddress: 'Support' },
        memberInfo: { displayName: 'Pat' },
      });
      // Four calls on one token against a limit of three per second: one meets a 429 and waits it out.
      await chat.sendMessage('Where is my order?');
      await chat.sendTyping();
      for await (const message of chat.messages()) void message;
      await chat.leave();
    } finally {
      root.end();
    }
  });
} finally {
  await api.close();
  await emulator.stop();
  // Flushes the batch to the collector; a collector that is not there is reported by the SDK, not thrown.
  await provider.shutdown();
}
console.log(`Sent the trace to ${endpoint}.`);
