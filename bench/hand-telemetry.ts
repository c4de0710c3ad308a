/**
 * Telemetry written by hand around one request, as a careful user would without Switchboard: one
 * CLIENT span (stable HTTP semantic conventions) whose context goes out as the `traceparent`, one
 * `http.client.request.duration` point and one pino line. The bench's baseline for what our
 * tracing, metrics and logging cost over doing it yourself.
 */
import { context, type Histogram, metrics, propagation, type Span, SpanKind, SpanStatusCode, trace, type Tracer } from '@opentelemetry/api';
import type pino from 'pino';

const setter = {
  set(carrier: Record<string, string>, key: string, value: string): void {
    carrier[key] = value;
  },
};

/** Ends `span` with the response's status. */
function ended(span: Span, status: number): void {
  span.setAttribute('http.response.status_code', status);
  span.end();
}

/** Ends `span` as failed; returns `error` to throw. */
function failed(span: Span, error: unknown): unknown {
  span.setStatus({ code: SpanStatusCode.ERROR });
  span.end();
  return error;
}

/** The request to observe: resolves to the response's status. */
export interface Sender {
  request(url: string, headers: Record<string, string>): Promise<number>;
}

export interface HandTelemetry {
  /**
   * Sends a GET of `url` through `sender` with a `traceparent` added, inside one span, then records
   * and logs the outcome. (An object rather than a callback: the bench runs through tsx, which
   * would wrap a closure made per call.)
   */
  get(url: string, sender: Sender): Promise<number>;
}

/**
 * What a user's own wrapper would hold: a tracer, a histogram and a logger, made once. With
 * `operation`, the span of the request is the child of an INTERNAL span named after it, active
 * around the request, as Switchboard's tracing makes them: the same two spans written by hand.
 */
export function handTelemetry(
  logger: pino.Logger,
  server: { address: string; port: number },
  operation?: { readonly name: string; readonly template: string },
): HandTelemetry {
  const tracer: Tracer = trace.getTracer('hand-written');
  const duration: Histogram = metrics.getMeter('hand-written').createHistogram('http.client.request.duration', { unit: 's' });
  const single: HandTelemetry = {
    async get(url, sender) {
      const method = 'GET';
      const started = performance.now();
      const parent = context.active();
      const span = tracer.startSpan(
        method,
        {
          kind: SpanKind.CLIENT,
          attributes: { 'http.request.method': method, 'url.full': url, 'server.address': server.address, 'server.port': server.port },
        },
        parent,
      );
      const headers: Record<string, string> = { accept: 'application/json' };
      propagation.inject(trace.setSpan(parent, span), headers, setter);
      let status: number;
      try {
        status = await sender.request(url, headers);
      } catch (error) {
        throw failed(span, error);
      }
      ended(span, status);
      const seconds = (performance.now() - started) / 1000;
      duration.record(seconds, {
        'http.request.method': method,
        'server.address': server.address,
        'server.port': server.port,
        'http.response.status_code': status,
      });
      logger.info({ method, url, status, durationMs: seconds * 1000 }, 'request done');
      return status;
    },
  };
  if (!operation) return single;
  const attributes = { 'http.request.method': 'GET', 'url.template': operation.template };
  const getSingle = single.get.bind(single);
  return {
    async get(url, sender) {
      const span = tracer.startSpan(operation.name, { attributes });
      let status: number;
      try {
        // context.with's own arguments, not a closure: see HandTelemetry.
        status = await context.with(trace.setSpan(context.active(), span), getSingle, undefined, url, sender);
      } catch (error) {
        throw failed(span, error);
      }
      ended(span, status);
      return status;
    },
  };
}
