/** OpenTelemetry attribute names and values shared by the tracing and metrics middleware. */
import type { Attributes } from '@opentelemetry/api';
import { ATTR_HTTP_REQUEST_METHOD, ATTR_SERVER_ADDRESS, ATTR_SERVER_PORT } from '@opentelemetry/semantic-conventions';

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

/** `server.address` and `server.port` of a request URL (the port is required with the address, so a default one is spelt out). */
export function serverAttributes(url: string): Attributes {
  try {
    const { hostname, port, protocol } = new URL(url);
    const address = hostname.startsWith('[') ? hostname.slice(1, -1) : hostname;
    return { [ATTR_SERVER_ADDRESS]: address, [ATTR_SERVER_PORT]: port ? Number(port) : (DEFAULT_PORTS[protocol] ?? 0) };
  } catch {
    return {};
  }
}

/** The attributes every span and measurement of one route shares. */
export function routeAttributes(method: string, urlTemplate: string, url: string): Attributes {
  return { [ATTR_HTTP_REQUEST_METHOD]: method, [ATTR_URL_TEMPLATE]: urlTemplate, ...serverAttributes(url) };
}
