/**
 * What a guest session tells the user's observability, on the same rules as the REST calls:
 * - its stream, on @switchboard/genesys' stream telemetry: a span for the session's life
 *   (`webmessaging guest session`) with an event per connection change and gap fill, the
 *   `switchboard.stream.*` counters, a client event (`api.on('stream')`), a log line per change;
 * - a span per send (`webmessaging send`), under the caller's active span and linked to the
 *   session's, that ends when the send settles (at its echo, the history's word, or its error),
 *   with an event per attempt and per 4029;
 * - the counters `switchboard.webmessaging.messages_sent` (by outcome),
 *   `switchboard.webmessaging.messages_received` (by direction, recovered or live) and
 *   `switchboard.webmessaging.rate_limited` (4029s), and the histogram
 *   `switchboard.webmessaging.echo.duration` (from the frame going out to its echo, in seconds).
 *
 * Spans and log lines name the session by a digest of its token (`switchboard.webmessaging.session.id`),
 * never the token; metrics name only the deployment (a session per series would not scale). No
 * message text, custom attribute or guest detail goes anywhere here.
 */
import {
  type Attributes,
  type Counter,
  type Histogram,
  type MeterProvider,
  type Span,
  SpanKind,
  SpanStatusCode,
  trace,
  type TracerProvider,
} from '@opentelemetry/api';
import { meterOf, type StreamObserver, streamTelemetry, type StreamTelemetryEvent, type TelemetryProviders } from '@switchboard/genesys';
import type { Logger } from '@switchboard/middleware';
import type { GuestSessionError } from './session-events.js';
import type { SessionMessage } from './session-message.js';

const SCOPE = '@switchboard/webmessaging';
const ATTR_SESSION_ID = 'switchboard.webmessaging.session.id';
const ATTR_DEPLOYMENT_ID = 'switchboard.webmessaging.deployment.id';
const ATTR_OUTCOME = 'switchboard.webmessaging.outcome';

/** What `api.on('stream', listener)` delivers: the connection of one guest session changed. */
export interface SessionStreamEvent extends StreamTelemetryEvent {
  /** Always `'stream'`. */
  readonly type: 'stream';
  /** The session, by a digest of its token (the token itself is a credential). */
  readonly sessionId: string;
}

/** Where a session's telemetry goes (the client's settings). */
export interface SessionTelemetryOptions extends TelemetryProviders {
  readonly logger: Logger | undefined;
  readonly emit: (event: SessionStreamEvent) => void;
}

/** How a send ended: at its echo, found in the history after a drop, or with an error. */
export type SendOutcome = 'echoed' | 'found-in-history' | 'failed';

/** How one send observes itself, from the call to its settling. */
export interface SendObserver {
  /** The frame went out (attempt 1, or 2 after a drop the history did not cover; a 4029's resend counts too). */
  sent(attempt: number): void;
  /** A 4029 refused it; it goes again after `retryAfterMs`. */
  rateLimited(retryAfterMs: number): void;
  /** It settled: echoed, found in the history, or failed with `error`. */
  settled(outcome: SendOutcome, error?: Error): void;
}

/** How a session observes itself: its stream, its sends, what it delivers. */
export interface SessionObserver extends StreamObserver<GuestSessionError> {
  /** A send was made (in the caller's context): its observer. */
  send(): SendObserver;
  /** A message was delivered to the session's consumers. */
  received(message: SessionMessage, recovered: boolean): void;
}

interface Instruments {
  readonly sent: Counter;
  readonly received: Counter;
  readonly rateLimited: Counter;
  readonly echo: Histogram;
}

function instruments(provider: MeterProvider | false | undefined): Instruments | undefined {
  const meter = meterOf(SCOPE, provider);
  if (!meter) return undefined;
  return {
    sent: meter.createCounter('switchboard.webmessaging.messages_sent', {
      description: 'Guest messages sent, by how they settled (echoed, found in the history, failed).',
      unit: '{message}',
    }),
    received: meter.createCounter('switchboard.webmessaging.messages_received', {
      description: 'Messages a guest session delivered, by direction, live or recovered from the history.',
      unit: '{message}',
    }),
    rateLimited: meter.createCounter('switchboard.webmessaging.rate_limited', {
      description: 'Guest messages refused with 4029 (too many requests) and sent again after retryAfter.',
      unit: '{refusal}',
    }),
    echo: meter.createHistogram('switchboard.webmessaging.echo.duration', {
      description: 'From a guest message going out to its echo.',
      unit: 's',
      advice: { explicitBucketBoundaries: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30] },
    }),
  };
}

/**
 * The observer of one guest session.
 * @param sessionId - the session's digest (never its token).
 * @param deploymentId - its deployment.
 */
export function sessionTelemetry(sessionId: string, deploymentId: string, options: SessionTelemetryOptions): SessionObserver {
  const named: Attributes = { [ATTR_SESSION_ID]: sessionId, [ATTR_DEPLOYMENT_ID]: deploymentId };
  const series: Attributes = { [ATTR_DEPLOYMENT_ID]: deploymentId };
  const stream = streamTelemetry<GuestSessionError>({
    scope: SCOPE,
    spanName: 'webmessaging guest session',
    attributes: named,
    tracerProvider: options.tracerProvider,
    meterProvider: options.meterProvider,
    logger: options.logger,
    emit: (event) => options.emit({ type: 'stream', sessionId, ...event }),
  });
  const measure = instruments(options.meterProvider);
  const log = options.logger?.child({ ...named });
  const tracer = options.tracerProvider === false ? undefined : (options.tracerProvider ?? trace.getTracerProvider()).getTracer(SCOPE);
  return {
    connection: (event) => stream.connection(event),
    gapFilled: (recovered, durationMs) => stream.gapFilled(recovered, durationMs),
    failed: (error) => stream.failed(error),
    ignoredFrame: (reason) => stream.ignoredFrame?.(reason),
    within: (work) => stream.within(work),
    received(message, recovered) {
      measure?.received.add(1, {
        ...series,
        'switchboard.webmessaging.direction': message.direction,
        'switchboard.stream.recovered': recovered,
      });
    },
    send: () => sendTelemetry(tracer, stream.span, named, series, measure, log),
  };
}

/** One send's span, counters and log lines. */
function sendTelemetry(
  tracer: ReturnType<TracerProvider['getTracer']> | undefined,
  session: Span | undefined,
  named: Attributes,
  series: Attributes,
  measure: Instruments | undefined,
  log: Logger | undefined,
): SendObserver {
  // Under the caller's span (the request that made the send), linked to the session it went on.
  const span = tracer?.startSpan('webmessaging send', {
    kind: SpanKind.PRODUCER,
    attributes: named,
    links: session ? [{ context: session.spanContext() }] : [],
  });
  let sentAt: number | undefined;
  let settled = false;
  return {
    sent(attempt) {
      sentAt = performance.now();
      span?.addEvent('sent', { 'switchboard.webmessaging.attempt': attempt });
    },
    rateLimited(retryAfterMs) {
      span?.addEvent('rate_limited', { 'switchboard.webmessaging.retry_after_ms': retryAfterMs });
      measure?.rateLimited.add(1, series);
      log?.info({ event: 'send.rate_limited', retryAfterMs }, 'webmessaging send: 4029, sent again after retryAfter');
    },
    settled(outcome, error) {
      if (settled) return;
      settled = true;
      if (outcome === 'echoed' && sentAt !== undefined) measure?.echo.record((performance.now() - sentAt) / 1_000, series);
      measure?.sent.add(1, { ...series, [ATTR_OUTCOME]: outcome });
      span?.setAttribute(ATTR_OUTCOME, outcome);
      if (error) {
        span?.setStatus({ code: SpanStatusCode.ERROR, message: error.message });
        span?.setAttribute('error.type', error.name);
        log?.warn({ event: 'send.failed', err: { type: error.name, message: error.message } }, 'webmessaging send: failed');
      } else if (outcome === 'found-in-history') {
        log?.info({ event: 'send.found_in_history' }, 'webmessaging send: its echo was lost, the history holds it');
      }
      span?.end();
    },
  };
}
