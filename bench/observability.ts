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
import pino from 'pino';
import { type BenchClient, kySend, PEER_REQUEST, undiciSend } from './clients.js';
import { handTelemetry, type Sender } from './hand-telemetry.js';

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

export interface BenchLogger {
  /** pino at info level, writing to a stream that discards its lines. */
  readonly logger: pino.Logger;
  /** Lines written so far. */
  lines(): number;
}

/** The logger of the bench: real pino serialisation, no I/O. */
export function benchLogger(): BenchLogger {
  let lines = 0;
  const discard = new Writable({
    write(_chunk, _encoding, done) {
      lines++;
      done();
    },
  });
  return { logger: pino({ level: 'info' }, discard), lines: () => lines };
}

export interface BenchTelemetry {
  /** What the observed clients produced: spans exported, log lines written, metric data points held. */
  report(): Promise<{ spans: number; logLines: number; metricPoints: number }>;
  shutdown(): Promise<void>;
}

/** Registers the SDK globally; `log` is the bench's logger, whose lines the report counts. */
export function installBenchTelemetry(log: BenchLogger): BenchTelemetry {
  const exporter = new CountingExporter();
  const tracerProvider = new BasicTracerProvider({
    spanProcessors: [new BatchSpanProcessor(exporter, { maxQueueSize: 65_536, maxExportBatchSize: 4_096, scheduledDelayMillis: 200 })],
  });
  const reader = new QuietReader();
  const meterProvider = new MeterProvider({ readers: [reader] });
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  propagation.setGlobalPropagator(new W3CTraceContextPropagator());
  trace.setGlobalTracerProvider(tracerProvider);
  metrics.setGlobalMeterProvider(meterProvider);
  return {
    async report() {
      await tracerProvider.forceFlush();
      return { spans: exporter.spans, logLines: log.lines(), metricPoints: await reader.points() };
    },
    async shutdown() {
      await tracerProvider.shutdown();
      await meterProvider.shutdown();
    },
  };
}

/**
 * Bare ky or bare undici with the telemetry a user would write by hand around each request (the
 * bench's request, its bearer token added to the headers handTelemetry makes); with `operation`,
 * the operation and CLIENT spans Switchboard makes, written by hand.
 */
export function handObservedClient(
  baseUrl: string,
  transport: 'ky' | 'undici',
  logger: pino.Logger,
  operation?: { readonly name: string; readonly template: string },
): BenchClient {
  const { hostname, port } = new URL(baseUrl);
  const hand = handTelemetry(logger, { address: hostname, port: Number(port) }, operation);
  const url = `${baseUrl}${PEER_REQUEST.path}`;
  const send = transport === 'ky' ? kySend() : undiciSend(baseUrl);
  const authorized: Sender = {
    request(target, headers) {
      headers.authorization = PEER_REQUEST.headers.authorization;
      return send.request(target, headers);
    },
  };
  return {
    name: `bare ${transport} + hand-written ${operation ? 'operation and CLIENT spans' : 'span'}, histogram point and log line`,
    send: () => hand.get(url, authorized),
    close: () => send.close(),
  };
}
