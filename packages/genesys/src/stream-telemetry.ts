/**
 * What a resilient stream tells the user's observability, whichever API it serves (WebChat's
 * event stream, a Web Messaging guest session): a span for the stream's life with a span event
 * for each connection change, gap fill and ignored frame; the counters
 * `switchboard.stream.reconnects`, `switchboard.stream.gap_filled` (items recovered) and
 * `switchboard.stream.ignored_frames` (by reason), under the API's instrumentation scope; a
 * telemetry event for the API's client listeners; and, when the client has a logger, a line for
 * each change. Reasons are our own words: never the stream's URI, its token, a frame's content or
 * message text.
 */
import {
  type Attributes,
  context,
  type Counter,
  createNoopMeter,
  type Meter,
  type MeterProvider,
  metrics,
  type Span,
  SpanKind,
  SpanStatusCode,
  trace,
  type TracerProvider,
} from '@opentelemetry/api';
import type { Logger } from '@switchboard/middleware';
import type { GenesysClientOptions } from './client-options.js';
import type { StreamConnectionEvent } from './resilient-stream.js';

/** One change of a stream, as the API's client listeners get it (each API adds what names the stream). */
export interface StreamTelemetryEvent {
  /**
   * `open`, `reconnecting`, `closed` (the connection's state), `gap-filled` (items read back after
   * a connection opened), or `frame-ignored` (a frame that was not what the API sends).
   */
  readonly kind: StreamConnectionEvent['state'] | 'gap-filled' | 'frame-ignored';
  /** The connection attempt (for `open`, `reconnecting` and `closed`). */
  readonly attempt?: number;
  /** Why (for `open`, `reconnecting`, `closed` and `frame-ignored`); never what the frame held. */
  readonly reason?: string;
  /** Items recovered (for `gap-filled`). */
  readonly recovered?: number;
  /** How long the gap fill took, in ms (for `gap-filled`). */
  readonly durationMs?: number;
}

/** How a stream observes itself: its API makes one per stream (a span, metrics, client events, log lines). */
export interface StreamObserver<Failure extends Error = Error> {
  /** The connection changed state. */
  connection(event: StreamConnectionEvent): void;
  /** A gap fill ended: `recovered` items were read back, in `durationMs`. */
  gapFilled(recovered: number, durationMs: number): void;
  /** The stream gave up (told before its `closed` connection event). */
  failed(error: Failure): void;
  /** A frame was ignored (not what the API sends), for `reason`; optional, so that an observer written before it still fits. */
  ignoredFrame?(reason: string): void;
  /** Runs the gap fill's calls inside the stream's span, so that they are its children. */
  within<T>(work: () => T): T;
}

/** Where a client's telemetry goes: a provider, `false` for none, `undefined` for the globally registered one. */
export interface TelemetryProviders {
  /** The client's tracer provider; `false` for no span. */
  readonly tracerProvider: TracerProvider | false | undefined;
  /** The client's meter provider; `false` for no metrics. */
  readonly meterProvider: MeterProvider | false | undefined;
}

/** The providers a client's `tracing` and `metrics` options name, for what it observes beside its calls (its streams). */
export function telemetryProviders(options: Pick<GenesysClientOptions, 'tracing' | 'metrics'>): TelemetryProviders {
  return {
    tracerProvider: options.tracing === false ? false : options.tracing?.tracerProvider,
    meterProvider: options.metrics === false ? false : options.metrics?.meterProvider,
  };
}

/** Where a stream's telemetry goes, and what names it. */
export interface StreamTelemetryOptions extends TelemetryProviders {
  /** The instrumentation scope: the API's package (`@switchboard/webchat`, …). */
  readonly scope: string;
  /** The stream span's name (`webchat event stream`, …). */
  readonly spanName: string;
  /** What names the stream on its span, metrics and log lines: ids, never a token. */
  readonly attributes: Attributes;
  /** The client's listeners (which must not throw: a ListenerSet's emit). */
  readonly emit: (event: StreamTelemetryEvent) => void;
  /** The client's logger, if it has one. */
  readonly logger?: Logger | undefined;
}

/** The API's meter, or undefined when metrics are off or no SDK is registered (nothing is then counted). */
export function meterOf(scope: string, provider: MeterProvider | false | undefined): Meter | undefined {
  if (provider === false) return undefined;
  const meter = (provider ?? metrics.getMeterProvider()).getMeter(scope);
  return meter === createNoopMeter() ? undefined : meter;
}

interface Counters {
  readonly reconnects: Counter;
  readonly gapFilled: Counter;
  readonly ignoredFrames: Counter;
}

function counters(meter: Meter | undefined): Counters | undefined {
  if (!meter) return undefined;
  return {
    reconnects: meter.createCounter('switchboard.stream.reconnects', {
      description: 'Stream connections lost and tried again.',
      unit: '{reconnect}',
    }),
    gapFilled: meter.createCounter('switchboard.stream.gap_filled', {
      description: 'Messages missed while a stream was down, recovered from the messages API.',
      unit: '{message}',
    }),
    ignoredFrames: meter.createCounter('switchboard.stream.ignored_frames', {
      description: 'Stream frames ignored because they were not what the API sends, by reason.',
      unit: '{frame}',
    }),
  };
}

/** The stream's span, under the active context's (the caller's) span. */
function streamSpan(options: StreamTelemetryOptions): Span | undefined {
  if (options.tracerProvider === false) return undefined;
  return (options.tracerProvider ?? trace.getTracerProvider())
    .getTracer(options.scope)
    .startSpan(options.spanName, { kind: SpanKind.CONSUMER, attributes: options.attributes });
}

/** A stream's observer from {@link streamTelemetry}, with its span. */
export interface StreamTelemetry<Failure extends Error> extends StreamObserver<Failure> {
  /** The stream's span (undefined without tracing), for what the API links to it or starts under it. */
  readonly span: Span | undefined;
}

/** The observer of one stream, and its span (for what the API adds under it). */
export function streamTelemetry<Failure extends Error>(options: StreamTelemetryOptions): StreamTelemetry<Failure> {
  const { attributes, emit } = options;
  const span = streamSpan(options);
  const count = counters(meterOf(options.scope, options.meterProvider));
  const log = options.logger?.child({ ...attributes });
  return {
    span,
    connection({ state, attempt, reason }) {
      span?.addEvent(`connection.${state}`, { 'switchboard.stream.attempt': attempt, 'switchboard.stream.reason': reason });
      if (state === 'reconnecting') count?.reconnects.add(1, { ...attributes, 'switchboard.stream.reason': reason });
      emit({ kind: state, attempt, reason });
      const fields = { event: `stream.${state}`, attempt, reason };
      if (state === 'reconnecting') log?.warn(fields, `${options.spanName}: reconnecting (${reason})`);
      else log?.info(fields, `${options.spanName}: ${state} (${reason})`);
      if (state === 'closed') span?.end();
    },
    gapFilled(recovered, durationMs) {
      span?.addEvent('gap_filled', { 'switchboard.stream.recovered': recovered, 'switchboard.stream.duration_ms': durationMs });
      if (recovered > 0) count?.gapFilled.add(recovered, attributes);
      emit({ kind: 'gap-filled', recovered, durationMs });
      log?.debug({ event: 'stream.gap_filled', recovered, durationMs }, `${options.spanName}: gap filled`);
    },
    ignoredFrame(reason) {
      span?.addEvent('frame.ignored', { 'switchboard.stream.reason': reason });
      count?.ignoredFrames.add(1, { ...attributes, 'switchboard.stream.reason': reason });
      emit({ kind: 'frame-ignored', reason });
      log?.warn({ event: 'stream.frame_ignored', reason }, `${options.spanName}: frame ignored (${reason})`);
    },
    failed(error) {
      span?.setStatus({ code: SpanStatusCode.ERROR, message: error.message });
      span?.setAttribute('error.type', error.name);
      log?.error({ event: 'stream.failed', err: { type: error.name, message: error.message } }, `${options.spanName}: gave up`);
    },
    within: (work) => (span ? context.with(trace.setSpan(context.active(), span), work) : work()),
  };
}
