/**
 * What a guest chat's event stream tells the user's observability: a client event
 * (`api.on('stream')`) for each connection change, reconnect, gap fill and ignored frame; a span
 * for the stream's life (`webchat event stream`, with the conversation id) with a span event for
 * each; and the counters `switchboard.stream.reconnects`, `switchboard.stream.gap_filled`
 * (messages recovered) and `switchboard.stream.ignored_frames` (by reason). Reasons are our own
 * words: never the stream's URI, its token, a frame's content or message text.
 */
import {
  type Attributes,
  context,
  type Counter,
  createNoopMeter,
  type MeterProvider,
  metrics,
  type Span,
  SpanKind,
  SpanStatusCode,
  trace,
  type TracerProvider,
} from '@opentelemetry/api';
import type { ChatConnectionEvent, EventStreamError } from './chat-events.js';
import type { IgnoredFrameReason } from './chat-frame.js';

const SCOPE = '@switchboard/webchat';
const ATTR_CONVERSATION_ID = 'switchboard.conversation.id';

/** What `api.on('stream', listener)` delivers: the event stream of one guest chat changed. */
export interface StreamEvent {
  /** Always `'stream'`. */
  readonly type: 'stream';
  /** The chat's conversation. */
  readonly conversationId: string;
  /**
   * `open`, `reconnecting`, `closed` (the connection's state), `gap-filled` (messages read from
   * the messages API after a connection opened), or `frame-ignored` (a frame that was not what the
   * API sends: not JSON, not an object, an unknown topic or type, an event without the fields it
   * is used by).
   */
  readonly kind: ChatConnectionEvent['state'] | 'gap-filled' | 'frame-ignored';
  /** The connection attempt (for `open`, `reconnecting` and `closed`). */
  readonly attempt?: number;
  /** Why (for `open`, `reconnecting`, `closed` and `frame-ignored`); never what the frame held. */
  readonly reason?: string;
  /** Messages recovered (for `gap-filled`). */
  readonly recovered?: number;
  /** How long the gap fill took, in ms (for `gap-filled`). */
  readonly durationMs?: number;
}

/** How a stream observes itself; `WebChatAPI` makes one per chat it starts (client events, a span, metrics). */
export interface StreamObserver {
  /** The connection changed state. */
  connection(event: ChatConnectionEvent): void;
  /** A gap fill ended: `recovered` messages were read from the messages API, in `durationMs`. */
  gapFilled(recovered: number, durationMs: number): void;
  /** The stream gave up (told before its `closed` connection event). */
  failed(error: EventStreamError): void;
  /** A frame was ignored (not what the API sends), for `reason`; optional, so that an observer written before it still fits. */
  ignoredFrame?(reason: IgnoredFrameReason): void;
  /** Runs the gap fill's calls inside the stream's span, so that they are its children. */
  within<T>(work: () => T): T;
}

/** Where the telemetry goes: the providers (false for none) and the client's event listeners (which must not throw: a ListenerSet's emit). */
export interface StreamTelemetryOptions {
  readonly tracerProvider: TracerProvider | false | undefined;
  readonly meterProvider: MeterProvider | false | undefined;
  readonly emit: (event: StreamEvent) => void;
}

interface Counters {
  readonly reconnects: Counter;
  readonly gapFilled: Counter;
  readonly ignoredFrames: Counter;
}

function counters(provider: MeterProvider | false | undefined): Counters | undefined {
  if (provider === false) return undefined;
  const meter = (provider ?? metrics.getMeterProvider()).getMeter(SCOPE);
  if (meter === createNoopMeter()) return undefined;
  return {
    reconnects: meter.createCounter('switchboard.stream.reconnects', {
      description: 'Event stream connections lost and tried again.',
      unit: '{reconnect}',
    }),
    gapFilled: meter.createCounter('switchboard.stream.gap_filled', {
      description: 'Messages missed while an event stream was down, recovered from the messages API.',
      unit: '{message}',
    }),
    ignoredFrames: meter.createCounter('switchboard.stream.ignored_frames', {
      description: 'Event stream frames ignored because they were not what the API sends, by reason.',
      unit: '{frame}',
    }),
  };
}

/** The observer of one chat's event stream. */
export function streamTelemetry(conversationId: string, options: StreamTelemetryOptions): StreamObserver {
  const attributes: Attributes = { [ATTR_CONVERSATION_ID]: conversationId };
  const span: Span | undefined =
    options.tracerProvider === false
      ? undefined
      : (options.tracerProvider ?? trace.getTracerProvider())
          .getTracer(SCOPE)
          .startSpan('webchat event stream', { kind: SpanKind.CONSUMER, attributes });
  const count = counters(options.meterProvider);
  const emit = (event: Omit<StreamEvent, 'type' | 'conversationId'>): void => options.emit({ type: 'stream', conversationId, ...event });
  return {
    connection({ state, attempt, reason }) {
      span?.addEvent(`connection.${state}`, { 'switchboard.stream.attempt': attempt, 'switchboard.stream.reason': reason });
      if (state === 'reconnecting') count?.reconnects.add(1, { ...attributes, 'switchboard.stream.reason': reason });
      emit({ kind: state, attempt, reason });
      if (state === 'closed') span?.end();
    },
    gapFilled(recovered, durationMs) {
      span?.addEvent('gap_filled', { 'switchboard.stream.recovered': recovered, 'switchboard.stream.duration_ms': durationMs });
      if (recovered > 0) count?.gapFilled.add(recovered, attributes);
      emit({ kind: 'gap-filled', recovered, durationMs });
    },
    ignoredFrame(reason) {
      span?.addEvent('frame.ignored', { 'switchboard.stream.reason': reason });
      count?.ignoredFrames.add(1, { ...attributes, 'switchboard.stream.reason': reason });
      emit({ kind: 'frame-ignored', reason });
    },
    failed(error) {
      span?.setStatus({ code: SpanStatusCode.ERROR, message: error.message });
      span?.setAttribute('error.type', error.name);
    },
    within: (work) => (span ? context.with(trace.setSpan(context.active(), span), work) : work()),
  };
}
