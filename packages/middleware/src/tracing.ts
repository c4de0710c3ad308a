/**
 * The tracing middleware (operation phase), on `@opentelemetry/api` alone: one span per call
 * (the operation) with one CLIENT child span per physical attempt, following the stable HTTP
 * client semantic conventions; every retry and wait as an event on the operation span; a
 * `traceparent` for each attempt through the global propagator. The operation span is active
 * while the pipeline runs, so spans a user's middleware starts nest under it. Without a
 * registered tracer provider the spans do not record and the middleware costs next to nothing.
 */
import { type Attributes, type Context, context, createContextKey, propagation, type Span, SpanKind, SpanStatusCode, trace, type Tracer, type TracerProvider } from '@opentelemetry/api';
import {
  ATTR_ERROR_TYPE,
  ATTR_HTTP_REQUEST_RESEND_COUNT,
  ATTR_HTTP_RESPONSE_STATUS_CODE,
  ATTR_URL_FULL,
} from '@opentelemetry/semantic-conventions';
import { type CallContext, type CallEndEvent, type CallEvent, defaultRedaction, type HeaderRecord, type HttpResponse, type Middleware, type Redaction } from '@switchboard/core';
import {
  ATTR_ATTEMPT,
  ATTR_ATTEMPTS,
  ATTR_CORRELATION_ID,
  ATTR_WAIT_DURATION_MS,
  ATTR_WAIT_REASON,
  ATTR_WAITED_MS,
  routeAttributes,
  type RouteAttributes,
} from './otel-attributes.js';

/** What {@link tracing} takes. */
export interface TracingOptions {
  /**
   * The provider to trace with; the global one (`trace.setGlobalTracerProvider`, or an SDK's `register()`) by default.
   * @default the global tracer provider
   */
  readonly tracerProvider?: TracerProvider;
  /**
   * Hides secrets in `url.full` and error descriptions; the client's rule should be passed here.
   * @default `defaultRedaction` of `@switchboard/core` (secrets only)
   */
  readonly redaction?: Redaction;
  /**
   * The attribute that carries the server's correlation id. Default `switchboard.correlation_id`.
   * @default `'switchboard.correlation_id'`
   */
  readonly correlationIdAttribute?: string;
  /**
   * Who describes each HTTP request. `'switchboard'`: a CLIENT span of ours per physical attempt
   * (stable HTTP semantic conventions, resend count, correlation id), sent in a context where the
   * HTTP instrumentation under it (`@opentelemetry/instrumentation-undici`, `-http`, as
   * auto-instrumentation registers them) is suppressed, so that there is one CLIENT span and one
   * `traceparent` per request. `'instrumentation'`: no CLIENT spans of ours; the user's HTTP
   * instrumentation makes them, as children of the operation span, and sets the `traceparent`.
   * @default `'switchboard'`
   */
  readonly httpSpans?: 'switchboard' | 'instrumentation';
  /**
   * Middleware name.
   * @default `'tracing'`
   */
  readonly name?: string;
}

const TRACER_NAME = '@switchboard/middleware';
/**
 * The context key by which the OpenTelemetry SDK and its instrumentations know tracing is
 * suppressed (`suppressTracing` of `@opentelemetry/core`). `createContextKey` is `Symbol.for` of
 * its description, so the API alone makes the same key, without depending on the SDK's core.
 */
const SUPPRESS_TRACING = createContextKey('OpenTelemetry SDK Context Key SUPPRESS_TRACING');
/** Runs an attempt's transport call with the HTTP instrumentation under it suppressed: our CLIENT span is the one. */
const suppressed = <T>(send: () => T): T => context.with(context.active().setValue(SUPPRESS_TRACING, true), send);
const MAX_DESCRIPTION = 200;

const headerSetter = {
  set(carrier: HeaderRecord, key: string, value: string): void {
    carrier[key.toLowerCase()] = value;
  },
};

function failureDescription(error: unknown, redaction: Redaction): string {
  const message = error instanceof Error ? error.message : typeof error;
  return redaction.text(message).slice(0, MAX_DESCRIPTION);
}

/** The spans of one call: the operation, and the attempts still running. */
class CallTrace {
  readonly #attempts = new Map<number, Span>();
  readonly #shared: Attributes;

  constructor(
    readonly operation: Span,
    readonly operationContext: Context,
    readonly tracer: Tracer,
    readonly spanName: string,
    shared: Attributes,
    readonly redaction: Redaction,
    readonly correlationAttribute: string,
  ) {
    this.#shared = shared;
  }

  startAttempt(headers: HeaderRecord, url: string, attempt: number): void {
    const attributes: Attributes = { ...this.#shared, [ATTR_URL_FULL]: this.redaction.url(url), [ATTR_ATTEMPT]: attempt };
    if (attempt > 1) attributes[ATTR_HTTP_REQUEST_RESEND_COUNT] = attempt - 1;
    const span = this.tracer.startSpan(this.spanName, { kind: SpanKind.CLIENT, attributes }, this.operationContext);
    this.#attempts.set(attempt, span);
    propagation.inject(trace.setSpan(this.operationContext, span), headers, headerSetter);
  }

  onEvent(event: CallEvent): void {
    switch (event.type) {
      case 'attempt.end': {
        const span = this.#attempts.get(event.attempt);
        if (!span) return;
        this.#attempts.delete(event.attempt);
        if (event.status !== undefined) span.setAttribute(ATTR_HTTP_RESPONSE_STATUS_CODE, event.status);
        if (event.correlationId !== undefined) span.setAttribute(this.correlationAttribute, event.correlationId);
        if (event.errorType !== undefined) {
          span.setAttribute(ATTR_ERROR_TYPE, event.errorType);
          span.setStatus({ code: SpanStatusCode.ERROR });
        }
        span.end();
        return;
      }
      case 'wait':
        this.operation.addEvent(
          'switchboard.wait',
          { [ATTR_WAIT_REASON]: event.reason, [ATTR_WAIT_DURATION_MS]: Math.round(event.durationMs * 1000) / 1000, [ATTR_ATTEMPT]: event.attempt },
          event.startTime,
        );
        return;
      case 'retry': {
        const attributes: Attributes = { [ATTR_WAIT_REASON]: event.reason, 'switchboard.retry.wait_ms': event.waitMs, [ATTR_ATTEMPT]: event.attempt };
        if (event.status !== undefined) attributes[ATTR_HTTP_RESPONSE_STATUS_CODE] = event.status;
        if (event.errorType !== undefined) attributes[ATTR_ERROR_TYPE] = event.errorType;
        this.operation.addEvent('switchboard.retry', attributes, event.time);
        return;
      }
      default:
        return;
    }
  }

  /** Records the caller's outcome on the operation span and ends it, once the call's work is over (see call.end). */
  finish(event: CallEndEvent, error: unknown): void {
    // call.end waits for every request, so no attempt is open now; should one be, it must not leak.
    for (const span of this.#attempts.values()) span.end();
    this.#attempts.clear();
    const span = this.operation;
    if (event.status !== undefined) span.setAttribute(ATTR_HTTP_RESPONSE_STATUS_CODE, event.status);
    if (event.outcome !== 'success') {
      span.setAttribute(ATTR_ERROR_TYPE, event.errorType ?? '_OTHER');
      span.setStatus(event.outcome === 'failure' ? { code: SpanStatusCode.ERROR, message: failureDescription(error, this.redaction) } : { code: SpanStatusCode.ERROR });
    }
    span.setAttribute(ATTR_ATTEMPTS, event.attempts);
    span.setAttribute(ATTR_WAITED_MS, Math.round(event.waitedMs));
    span.end();
  }
}

/**
 * The operation-phase tracing middleware, on `@opentelemetry/api`: one span per call with one
 * CLIENT child span per physical attempt (stable HTTP client semantic conventions), retries and
 * waits as events on the call's span, and a `traceparent` on each attempt. Without a registered
 * tracer provider nothing records and it costs next to nothing; a failing tracer never fails a call.
 */
export function tracing(options: TracingOptions = {}): Middleware {
  const tracer = (options.tracerProvider ?? trace.getTracerProvider()).getTracer(TRACER_NAME);
  const redaction = options.redaction ?? defaultRedaction;
  const correlationAttribute = options.correlationIdAttribute ?? ATTR_CORRELATION_ID;

  const ownSpans = (options.httpSpans ?? 'switchboard') === 'switchboard';
  const traced = (ctx: CallContext, next: () => Promise<HttpResponse>, operation: Span, parent: Context, shared: Attributes): Promise<HttpResponse> => {
    const { method, path } = ctx.route;
    const operationContext = trace.setSpan(parent, operation);
    const callTrace = new CallTrace(operation, operationContext, tracer, `${method} ${path}`, shared, redaction, correlationAttribute);
    ctx.observe({
      // With the user's HTTP instrumentation describing requests, it also sets their traceparent.
      ...(ownSpans ? { beforeSend: (request, attempt) => callTrace.startAttempt(request.headers, request.url, attempt), aroundSend: suppressed } : {}),
      event: (event) => callTrace.onEvent(event),
      // The operation span ends with the caller's outcome, after the last request: not when this
      // middleware's next() settles, which a deadline or a hedged attempt can outrun.
      ended: (event, error) => callTrace.finish(event, error),
    });
    return context.with(operationContext, next);
  };

  return {
    name: options.name ?? 'tracing',
    phase: 'operation',
    handle(ctx, next) {
      let operation: Span;
      let parent: Context;
      let attributes: RouteAttributes;
      try {
        parent = context.active();
        attributes = routeAttributes(ctx.route, ctx.request.url);
        operation = tracer.startSpan(ctx.route.operationId, { kind: SpanKind.INTERNAL, attributes: attributes.operation }, parent);
        if (!operation.isRecording()) {
          // Nothing records (no provider, or sampled out): pass the caller's trace on, build
          // nothing. Sampled out beside HTTP instrumentation, that would add a second traceparent
          // of its own: it is suppressed, as when we record.
          propagation.inject(trace.setSpan(parent, operation), ctx.request.headers, headerSetter);
          // Without a provider the span is invalid and there is no instrumentation to suppress.
          return ownSpans && trace.isSpanContextValid(operation.spanContext()) ? suppressed(next) : next();
        }
      } catch {
        // A tracer that fails does not fail the call.
        return next();
      }
      return traced(ctx, next, operation, parent, attributes.route);
    },
  };
}
