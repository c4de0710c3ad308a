/**
 * A CLIENT span of ours around one HTTP request that is not a call's attempt (the OAuth token
 * request, its revocation), with the same promise as an attempt's: one span and one `traceparent`
 * per request, the HTTP instrumentation under it (auto-instrumentation's undici and http)
 * suppressed. Without it, a service that traces would see ours for every API request and the
 * instrumentation's for these two, beside them and named otherwise.
 */
import { context, propagation, type Span, SpanKind, trace, type TracerProvider } from '@opentelemetry/api';
import { ATTR_HTTP_REQUEST_METHOD } from '@opentelemetry/semantic-conventions';
import { errorTypeOf, type HttpRequest, type HttpResponse, statusErrorType } from '@switchboard/core';
import {
  ATTR_OPERATION_ID,
  ATTR_URL_TEMPLATE,
  endClientSpan,
  headerSetter,
  SCOPE_NAME,
  serverAttributes,
  withTracingSuppressed,
} from './otel-attributes.js';

/** How requests outside a call are traced: as the client's `tracing` middleware is set up, or not at all (`false`). */
export type RequestTracing =
  | false
  | {
      /**
       * The provider to trace with.
       * @default the global tracer provider
       */
      readonly tracerProvider?: TracerProvider;
      /**
       * Who describes each HTTP request, as the `tracing` middleware's option of that name: `'instrumentation'` makes no span of ours.
       * @default `'switchboard'`
       */
      readonly httpSpans?: 'switchboard' | 'instrumentation';
    };

/** What names a request outside a call: its operation and its URL's template (the URL itself may not be one). */
export interface RequestName {
  readonly operationId: string;
  readonly urlTemplate: string;
}

/**
 * Sends `request` with `send` inside a CLIENT span of ours (under whatever span is active), its
 * `traceparent` set and the instrumentation below suppressed. With `tracing` false, with
 * `httpSpans: 'instrumentation'`, or when nothing records, the request goes as it is. A tracer
 * that fails never fails the request.
 */
export function sendTraced(
  tracing: RequestTracing | undefined,
  name: RequestName,
  request: HttpRequest,
  send: () => Promise<HttpResponse>,
): Promise<HttpResponse> {
  if (tracing === false || tracing?.httpSpans === 'instrumentation') return send();
  let span: Span;
  try {
    const tracer = (tracing?.tracerProvider ?? trace.getTracerProvider()).getTracer(SCOPE_NAME);
    span = tracer.startSpan(`${request.method} ${name.urlTemplate}`, {
      kind: SpanKind.CLIENT,
      attributes: {
        [ATTR_OPERATION_ID]: name.operationId,
        [ATTR_HTTP_REQUEST_METHOD]: request.method,
        [ATTR_URL_TEMPLATE]: name.urlTemplate,
        ...serverAttributes(request.url),
      },
    });
    if (!span.isRecording()) return send();
    propagation.inject(trace.setSpan(context.active(), span), request.headers, headerSetter);
  } catch {
    return send();
  }
  const ended = (status: number | undefined, errorType: string | undefined): void => {
    try {
      endClientSpan(span, status, errorType);
    } catch {
      // A tracer that fails does not fail the request.
    }
  };
  return withTracingSuppressed(send).then(
    (response) => {
      ended(response.status, statusErrorType(response.status));
      return response;
    },
    (error: unknown) => {
      ended(undefined, errorTypeOf(error));
      throw error;
    },
  );
}
