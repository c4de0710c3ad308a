/**
 * Telemetry written by hand around one request, as a careful user would without Switchboard: one
 * CLIENT span (stable HTTP semantic conventions) whose context goes out as the `traceparent`, one
 * `http.client.request.duration` point and one pino line. The bench's baseline for what our
 * tracing, metrics and logging cost over doing it yourself.
 */
import { context, type Histogram, metrics, propagation, SpanKind, SpanStatusCode, trace, type Tracer } from '@opentelemetry/api';
import type pino from 'pino';

const setter = {
  set(carrier: Record<string, string>, key: string, value: string): void {
    carrier[key] = value;
  },
};

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

/** What a user's own wrapper would hold: a tracer, a histogram and a logger, made once. */
export function handTelemetry(logger: pino.Logger, server: { address: string; port: number }): HandTelemetry {
  const tracer: Tracer = trace.getTracer('hand-written');
  const duration: Histogram = metrics.getMeter('hand-written').createHistogram('http.client.request.duration', { unit: 's' });
  return {
    async get(url, sender) {
      const method = 'GET';
      const started = performance.now();
      const span = tracer.startSpan(method, {
        kind: SpanKind.CLIENT,
        attributes: { 'http.request.method': method, 'url.full': url, 'server.address': server.address, 'server.port': server.port },
      });
      const headers: Record<string, string> = { accept: 'application/json' };
      propagation.inject(trace.setSpan(context.active(), span), headers, setter);
      let status: number;
      try {
        status = await sender.request(url, headers);
      } catch (error) {
        span.setStatus({ code: SpanStatusCode.ERROR });
        span.end();
        throw error;
      }
      span.setAttribute('http.response.status_code', status);
      span.end();
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
}
