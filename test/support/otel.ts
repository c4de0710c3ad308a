/**
 * A real OpenTelemetry SDK for tests: a tracer provider with an in-memory exporter, a meter
 * provider with a reader the test collects on demand, the AsyncLocalStorage context manager and
 * the W3C propagator, registered globally and removed again.
 */
import { context, metrics, propagation, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { type DataPoint, MeterProvider, MetricReader } from '@opentelemetry/sdk-metrics';
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  type ReadableSpan,
  SimpleSpanProcessor,
  type SpanProcessor,
} from '@opentelemetry/sdk-trace-base';

class OnDemandMetricReader extends MetricReader {
  protected override onForceFlush(): Promise<void> {
    return Promise.resolve();
  }
  protected override onShutdown(): Promise<void> {
    return Promise.resolve();
  }
}

/** Keeps every span that ended, whatever a test does with its exporter, for the suite's secret scan. */
class KeepAll implements SpanProcessor {
  readonly ended: ReadableSpan[] = [];
  /** Spans started and not yet ended. */
  readonly open = new Set<ReadableSpan>();
  onStart(span: ReadableSpan): void {
    this.open.add(span);
  }
  onEnd(span: ReadableSpan): void {
    this.open.delete(span);
    this.ended.push(span);
  }
  forceFlush(): Promise<void> {
    return Promise.resolve();
  }
  shutdown(): Promise<void> {
    return Promise.resolve();
  }
}

export interface Telemetry {
  readonly exporter: InMemorySpanExporter;
  /** Every span that ended since installation, even after `exporter.reset()`. */
  readonly allSpans: readonly ReadableSpan[];
  /** Spans started and never ended. */
  readonly openSpans: ReadonlySet<ReadableSpan>;
  readonly tracerProvider: BasicTracerProvider;
  readonly meterProvider: MeterProvider;
  spans(): ReadableSpan[];
  /** The data points of one metric, by name, as collected now. */
  points(name: string): Promise<DataPoint<unknown>[]>;
  uninstall(): Promise<void>;
}

let installed: Telemetry | undefined;

/** The SDK the suite's set-up file installed for this test file. */
export function currentTelemetry(): Telemetry {
  if (!installed) throw new Error('no telemetry installed: is test/support/suite-telemetry.ts a vitest setup file?');
  return installed;
}

export function installTelemetry(): Telemetry {
  const exporter = new InMemorySpanExporter();
  const keepAll = new KeepAll();
  const tracerProvider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter), keepAll] });
  const reader = new OnDemandMetricReader();
  const meterProvider = new MeterProvider({ readers: [reader] });
  const contextManager = new AsyncLocalStorageContextManager().enable();
  context.setGlobalContextManager(contextManager);
  propagation.setGlobalPropagator(new W3CTraceContextPropagator());
  trace.setGlobalTracerProvider(tracerProvider);
  metrics.setGlobalMeterProvider(meterProvider);
  installed = {
    exporter,
    allSpans: keepAll.ended,
    openSpans: keepAll.open,
    tracerProvider,
    meterProvider,
    spans: () => exporter.getFinishedSpans(),
    async points(name) {
      const { resourceMetrics } = await reader.collect();
      return resourceMetrics.scopeMetrics
        .flatMap((scope) => scope.metrics)
        .filter((m) => m.descriptor.name === name)
        .flatMap((m) => m.dataPoints as DataPoint<unknown>[]);
    },
    async uninstall() {
      installed = undefined;
      trace.disable();
      metrics.disable();
      propagation.disable();
      context.disable();
      contextManager.disable();
      await tracerProvider.shutdown();
      await meterProvider.shutdown();
    },
  };
  return installed;
}

/** Every text a span shows a dashboard: its name, attribute values, events, status message. */
export function spanTexts(span: ReadableSpan): string[] {
  const texts = [span.name, span.status.message ?? ''];
  const values = (attributes: Readonly<Record<string, unknown>> | undefined): void => {
    for (const [key, value] of Object.entries(attributes ?? {})) texts.push(key, Array.isArray(value) ? value.join(' ') : String(value));
  };
  values(span.attributes);
  for (const event of span.events) {
    texts.push(event.name);
    values(event.attributes);
  }
  return texts;
}

/** A span's parent span id, or undefined for a root. */
export function parentOf(span: ReadableSpan): string | undefined {
  return span.parentSpanContext?.spanId;
}

/** Milliseconds since the epoch of an OpenTelemetry HrTime. */
export function hrMs([seconds, nanos]: readonly [number, number]): number {
  return seconds * 1000 + nanos / 1e6;
}
