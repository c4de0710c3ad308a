/** What the tracing and metrics middleware (and the requests traced outside a call) share: OpenTelemetry names and values, and how a CLIENT span of ours is sent and ended. */
import { type Attributes, context, createContextKey, type Span, SpanKind, type SpanOptions, SpanStatusCode } from '@opentelemetry/api';
import {
  ATTR_ERROR_TYPE,
  ATTR_HTTP_REQUEST_METHOD,
  ATTR_HTTP_RESPONSE_STATUS_CODE,
  ATTR_SERVER_ADDRESS,
  ATTR_SERVER_PORT,
} from '@opentelemetry/semantic-conventions';
import type { HeaderRecord, RouteDescriptor } from '@switchboard/core';
import { isOn, originOf } from './url-origin.js';

/** `url.template` is still incubating in the semantic conventions: its constant is copied, not imported from their unstable entry. */
export const ATTR_URL_TEMPLATE = 'url.template';
export const ATTR_OPERATION_ID = 'switchboard.operation.id';
export const ATTR_OPERATION_DEPRECATED = 'switchboard.operation.deprecated';
export const ATTR_ATTEMPT = 'switchboard.attempt';
export const ATTR_ATTEMPTS = 'switchboard.attempts';
export const ATTR_WAITED_MS = 'switchboard.waited_ms';
export const ATTR_WAIT_REASON = 'switchboard.wait.reason';
export const ATTR_RETRY_REFUSAL_REASON = 'switchboard.retry.refusal_reason';
export const ATTR_WAIT_DURATION_MS = 'switchboard.wait.duration_ms';
export const ATTR_CORRELATION_ID = 'switchboard.correlation_id';

/** The instrumentation scope of every tracer and meter of ours. */
export const SCOPE_NAME = '@switchboard/middleware';
/**
 * The context key by which the OpenTelemetry SDK and its instrumentations know tracing is
 * suppressed (`suppressTracing` of `@opentelemetry/core`). `createContextKey` is `Symbol.for` of
 * its description, so the API alone makes the same key, without depending on the SDK's core.
 */
const SUPPRESS_TRACING = createContextKey('OpenTelemetry SDK Context Key SUPPRESS_TRACING');

/** Runs `send` with the HTTP instrumentation under it suppressed: the CLIENT span of ours around it is the one. */
export const withTracingSuppressed = <T>(send: () => T): T => context.with(context.active().setValue(SUPPRESS_TRACING, true), send);

/** Ends a CLIENT span of ours with how its request ended: the response's status, and the failure's type (which makes it an error). */
export function endClientSpan(span: Span, status: number | undefined, errorType: string | undefined): void {
  if (status !== undefined) span.setAttribute(ATTR_HTTP_RESPONSE_STATUS_CODE, status);
  if (errorType !== undefined) {
    span.setAttribute(ATTR_ERROR_TYPE, errorType);
    span.setStatus({ code: SpanStatusCode.ERROR });
  }
  span.end();
}

/** Writes a propagator's headers (`traceparent`, `tracestate`) into a request's, in lower case as ours are. */
export const headerSetter = {
  set(carrier: HeaderRecord, key: string, value: string): void {
    carrier[key.toLowerCase()] = value;
  },
};

const DEFAULT_PORTS: Readonly<Record<string, number>> = { 'http:': 80, 'https:': 443 };

// Parsing a URL costs about a microsecond; a client talks to one or two origins.
const byOrigin = new Map<string, Attributes>();
const MAX_ORIGINS = 64;

function parseServer(url: string): Attributes {
  try {
    const { hostname, port, protocol } = new URL(url);
    const address = hostname.startsWith('[') ? hostname.slice(1, -1) : hostname;
    return { [ATTR_SERVER_ADDRESS]: address, [ATTR_SERVER_PORT]: port ? Number(port) : (DEFAULT_PORTS[protocol] ?? 0) };
  } catch {
    return {};
  }
}

/** `server.address` and `server.port` of a request URL (the port is required with the address, so a default one is spelt out). */
export function serverAttributes(url: string): Attributes {
  const origin = originOf(url);
  let attributes = byOrigin.get(origin);
  if (!attributes) {
    attributes = Object.freeze(parseServer(origin));
    if (byOrigin.size >= MAX_ORIGINS) byOrigin.clear();
    byOrigin.set(origin, attributes);
  }
  return attributes;
}

/** What a route's operation span is started with, the same for every call of the route whatever its server. */
export interface OperationNames {
  /**
   * The options of the route's operation span, made once rather than per call: INTERNAL, with the
   * operation's id, method and template, and its deprecation when it is deprecated. The server is
   * on its CLIENT spans; every attribute more costs the SDK work on every call.
   */
  readonly operationSpan: SpanOptions;
  /** The name of the route's CLIENT spans: `{METHOD} {url.template}`. */
  readonly httpSpanName: string;
}

export interface RouteAttributes extends OperationNames {
  /** What every span and measurement of the route shares: method, template, server. */
  readonly route: Attributes;
}

// Built once per route (and server) rather than per call: spreading attribute objects costs more
// than the rest of an untraced call. Frozen, because they are shared.
const namesByRoute = new WeakMap<RouteDescriptor, OperationNames>();

/** The route's operation span options and CLIENT span name: all an unrecorded call needs, without reading its URL. */
export function operationNames(route: RouteDescriptor): OperationNames {
  let names = namesByRoute.get(route);
  if (!names) {
    const operation: Attributes = {
      [ATTR_OPERATION_ID]: route.operationId,
      [ATTR_HTTP_REQUEST_METHOD]: route.method,
      [ATTR_URL_TEMPLATE]: route.path,
    };
    if (route.deprecated === true) operation[ATTR_OPERATION_DEPRECATED] = true;
    names = {
      operationSpan: { kind: SpanKind.INTERNAL, attributes: Object.freeze(operation) },
      httpSpanName: `${route.method} ${route.path}`,
    };
    namesByRoute.set(route, names);
  }
  return names;
}

/** A route's attributes for the last origin it was called on: most routes only ever see one. */
interface LastServer {
  readonly origin: string;
  readonly attributes: RouteAttributes;
}
const byRoute = new WeakMap<RouteDescriptor, LastServer>();

export function routeAttributes(route: RouteDescriptor, url: string): RouteAttributes {
  const last = byRoute.get(route);
  if (last && isOn(url, last.origin)) return last.attributes;
  const origin = originOf(url);
  const server = serverAttributes(origin);
  const attributes = {
    ...operationNames(route),
    route: Object.freeze({ [ATTR_HTTP_REQUEST_METHOD]: route.method, [ATTR_URL_TEMPLATE]: route.path, ...server }),
  };
  byRoute.set(route, { origin, attributes });
  return attributes;
}
