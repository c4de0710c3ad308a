/** OpenTelemetry attribute names and values shared by the tracing and metrics middleware. */
import { type Attributes, SpanKind, type SpanOptions } from '@opentelemetry/api';
import { ATTR_HTTP_REQUEST_METHOD, ATTR_SERVER_ADDRESS, ATTR_SERVER_PORT } from '@opentelemetry/semantic-conventions';
import type { RouteDescriptor } from '@switchboard/core';

/** `url.template` is still incubating in the semantic conventions: its constant is copied, not imported from their unstable entry. */
export const ATTR_URL_TEMPLATE = 'url.template';
export const ATTR_OPERATION_ID = 'switchboard.operation.id';
export const ATTR_OPERATION_DEPRECATED = 'switchboard.operation.deprecated';
export const ATTR_ATTEMPT = 'switchboard.attempt';
export const ATTR_ATTEMPTS = 'switchboard.attempts';
export const ATTR_WAITED_MS = 'switchboard.waited_ms';
export const ATTR_WAIT_REASON = 'switchboard.wait.reason';
export const ATTR_WAIT_DURATION_MS = 'switchboard.wait.duration_ms';
export const ATTR_CORRELATION_ID = 'switchboard.correlation_id';

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
  const schemeEnd = url.indexOf('//');
  const pathStart = schemeEnd < 0 ? -1 : url.indexOf('/', schemeEnd + 2);
  const origin = pathStart < 0 ? url : url.slice(0, pathStart);
  let attributes = byOrigin.get(origin);
  if (!attributes) {
    attributes = Object.freeze(parseServer(origin));
    if (byOrigin.size >= MAX_ORIGINS) byOrigin.clear();
    byOrigin.set(origin, attributes);
  }
  return attributes;
}

export interface RouteAttributes {
  /** What every span and measurement of the route shares: method, template, server. */
  readonly route: Attributes;
  /**
   * The options of the route's operation span, made once rather than per call: INTERNAL, with the
   * operation's id, method and template, and its deprecation when it is deprecated. The server is
   * on its CLIENT spans; every attribute more costs the SDK work on every call.
   */
  readonly operationSpan: SpanOptions;
  /** The name of the route's CLIENT spans: `{METHOD} {url.template}`. */
  readonly httpSpanName: string;
}

// Built once per route and server rather than per call: spreading attribute objects costs more
// than the rest of an untraced call. Frozen, because they are shared.
const byRoute = new WeakMap<RouteDescriptor, { readonly server: Attributes; readonly attributes: RouteAttributes }>();

export function routeAttributes(route: RouteDescriptor, url: string): RouteAttributes {
  const server = serverAttributes(url);
  const cached = byRoute.get(route);
  if (cached?.server === server) return cached.attributes;
  const shared = Object.freeze({ [ATTR_HTTP_REQUEST_METHOD]: route.method, [ATTR_URL_TEMPLATE]: route.path, ...server });
  const operation: Attributes = {
    [ATTR_OPERATION_ID]: route.operationId,
    [ATTR_HTTP_REQUEST_METHOD]: route.method,
    [ATTR_URL_TEMPLATE]: route.path,
  };
  if (route.deprecated === true) operation[ATTR_OPERATION_DEPRECATED] = true;
  const attributes = {
    route: shared,
    operationSpan: { kind: SpanKind.INTERNAL, attributes: Object.freeze(operation) },
    httpSpanName: `${route.method} ${route.path}`,
  };
  byRoute.set(route, { server, attributes });
  return attributes;
}
