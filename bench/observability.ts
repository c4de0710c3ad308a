/**
 * The observability set-up a production service would have, for the bench: an OpenTelemetry SDK
 * registered globally (AsyncLocalStorage context manager, W3C propagator, a tracer provider with a
 * batch processor, a meter provider), and pino writing to a stream that discards (and counts) its
 * lines. The exporter discards the spans too, counting them, so the bench times our work and the
 * SDK's, not a collector's.
 */
import { Writable } from 'node:stream';
import { context, metrics, propagation, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { type ExportResult, ExportResultCode, W3CTraceContextPropagator } from '@opentelemetry/core';
import { MeterProvider, MetricReader } from '@opentelemetry/sdk-metrics';
import { BasicTracerProvider, BatchSpanProcessor, type ReadableSpan, type SpanExporter } from '@opentelemetry/sdk-trace-base';
import { createClient } from '@switchboard/core';
import { clientMetrics, logging, retry, tracing } from '@switchboard/middleware';
import pino from 'pino';
import { type BenchClient, benchRoute } from './clients.js';

class CountingExporter implements SpanExporter {
  spans = 0;
  export(spans: ReadableSpan[], done: (result: ExportResult) => void): void {
    this.spans += spans.length;
    done({ code: ExportResultCode.SUCCESS });
  }
  shutdown(): Promise<void> {
    return Promise.resolve();
  }
}

class QuietReader extends MetricReader {
  protected override onForceFlush(): Promise<void> {
    return Promise.resolve();
  }
  protected override onShutdown(): Promise<void> {
    return Promise.resolve();
  }
  /** Data points held right now, summed over every metric. */
  async points(): Promise<number> {
    const { resourceMetrics } = await this.collect();
    return resourceMetrics.scopeMetrics.reduce((n, scope) => n + scope.metrics.reduce((m, metric) => m + metric.dataPoints.length, 0), 0);
  }
}

export interface BenchTelemetry {
  /** What the observed clients produced: spans exported, log lines written, metric data points held. */
  report(): Promise<{ spans: number; logLines: number; metricPoints: number }>;
  readonly logger: pino.Logger;
  shutdown(): Promise<void>;
}

export function installBenchTelemetry(): BenchTelemetry {
  const exporter = new CountingExporter();
  const tracerProvider = new BasicTracerProvider({ spanProcessors: [new BatchSpanProcessor(exporter, { maxQueueSize: 65_536, maxExportBatchSize: 4_096, scheduledDelayMillis: 200 })] });
  const reader = new QuietReader();
  const meterProvider = new MeterProvider({ readers: [reader] });
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  propagation.setGlobalPropagator(new W3CTraceContextPropagator());
  trace.setGlobalTracerProvider(tracerProvider);
  metrics.setGlobalMeterProvider(meterProvider);
  let logLines = 0;
  const discard = new Writable({
    write(_chunk, _encoding, done) {
      logLines++;
      done();
    },
  });
  return {
    logger: pino({ level: 'info' }, discard),
    async report() {
      await tracerProvider.forceFlush();
      return { spans: exporter.spans, logLines, metricPoints: await reader.points() };
    },
    async shutdown() {
      await tracerProvider.shutdown();
      await meterProvider.shutdown();
    },
  };
}

/** The pipeline as a service runs it: retry, tracing, metrics and a logger at info level. */
export function observedPipelineClient(baseUrl: string, transport: 'ky' | 'undici', logger: pino.Logger): BenchClient {
  const client = createClient({ baseUrl, transport, timeout: 30_000, middleware: [tracing(), clientMetrics(), logging({ logger }), retry()] });
  return {
    name: `pipeline on ${transport}, retry + tracing + metrics + logging`,
    send: () => client.call(benchRoute, { thingId: 'abc' }),
    close: () => client.close(),
  };
}
