/** Turns a validated input into the HTTP request its descriptor describes. */
import type { ParamValue, RouteDescriptor } from './descriptor.js';
import { ConfigurationError, ValidationError } from './errors.js';
import type { HeaderRecord, HttpRequest } from './http.js';
import { checkJsonBody } from './json-body.js';
import { ownValue } from './validate.js';

// RFC 9110 token: the characters a field name may have.
const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

/** Literal pieces of a path template with the parameter names between them. */
interface CompiledPath {
  readonly literals: readonly string[];
  readonly names: readonly string[];
}

// Descriptors are immutable data, so each is checked and its template split once.
const compiledPaths = new WeakMap<RouteDescriptor, CompiledPath>();

function routeProblem(route: RouteDescriptor, names: readonly string[]): string | undefined {
  if (!route.path.startsWith('/')) return `path "${route.path}" must start with "/"`;
  const specs = route.pathParams.map((p) => p.name);
  const unspecified = names.filter((n) => !specs.includes(n));
  if (unspecified.length > 0) return `path placeholders without a pathParams entry: ${unspecified.join(', ')}`;
  const unused = specs.filter((n) => !names.includes(n));
  if (unused.length > 0) return `pathParams not in the path template: ${unused.join(', ')}`;
  if (route.body && (route.method === 'GET' || route.method === 'HEAD')) return `a ${route.method} operation cannot take a body`;
  const headers = route.headerParams ?? [];
  const badHeader = headers.find((h) => !HEADER_NAME.test(h.header));
  if (badHeader) return `header parameter ${badHeader.name}: "${badHeader.header}" is not a header name`;
  const inputNames = [...specs, ...route.queryParams.map((p) => p.name), ...headers.map((h) => h.name)];
  const twice = inputNames.find((n, i) => inputNames.indexOf(n) !== i || (n === 'body' && route.body !== undefined));
  if (twice) return `input key "${twice}" is used by two parameters`;
  return undefined;
}

/**
 * Checks a descriptor once and splits its path template; a broken descriptor (a placeholder
 * with no parameter, a relative path) is a ConfigurationError before anything is sent.
 */
export function compileRoute(route: RouteDescriptor): CompiledPath {
  let compiled = compiledPaths.get(route);
  if (!compiled) {
    const parts = route.path.split(/\{([^}]+)\}/);
    compiled = {
      literals: parts.filter((_, i) => i % 2 === 0),
      names: parts.filter((_, i) => i % 2 === 1),
    };
    const problem = routeProblem(route, compiled.names);
    if (problem) throw new ConfigurationError(`descriptor ${route.operationId}: ${problem}`, { operationId: route.operationId });
    compiledPaths.set(route, compiled);
  }
  return compiled;
}

/** Path with every value encoded into its own segment: `/`, `?`, `#`, spaces, unicode included. */
export function expandPath(route: RouteDescriptor, values: Readonly<Record<string, unknown>>): string {
  const { literals, names } = compileRoute(route);
  let path = literals[0] ?? '';
  for (let i = 0; i < names.length; i++) {
    path += encodeURIComponent(String(ownValue(values, names[i] as string))) + (literals[i + 1] ?? '');
  }
  return path;
}

/** `a=1&b=true&tag=x&tag=y`; undefined values are left out, arrays become repeated keys. */
export function serializeQuery(route: RouteDescriptor, values: Readonly<Record<string, unknown>>): string {
  let query = '';
  for (const spec of route.queryParams) {
    const value = ownValue(values, spec.name);
    if (value === undefined) continue;
    const key = encodeURIComponent(spec.name);
    for (const item of Array.isArray(value) ? (value as ParamValue[]) : [value as ParamValue]) {
      query += `${query ? '&' : ''}${key}=${encodeURIComponent(String(item))}`;
    }
  }
  return query;
}

export function joinUrl(baseUrl: string, path: string, query: string): string {
  const base = baseUrl.endsWith('/') ? baseUrl.slice(0, -1) : baseUrl;
  return `${base}${path}${query ? `?${query}` : ''}`;
}

// CR and LF would end the header line and start another; NUL is never valid.
const HEADER_BREAK = /[\r\n\0]/;

/** Lower-cases header names; later sources win. Rejects values that would split the request. */
export function mergeHeaders(target: HeaderRecord, source: Readonly<Record<string, string>> | undefined): HeaderRecord {
  if (source) {
    for (const name of Object.keys(source)) {
      const value = source[name] as string;
      if (HEADER_BREAK.test(value) || HEADER_BREAK.test(name))
        throw new ConfigurationError(`header ${JSON.stringify(name)} contains a line break or NUL`);
      target[name.toLowerCase()] = value;
    }
  }
  return target;
}

/** The body as JSON text, by the same check the call's validation runs (for a caller of buildRequest that did not validate). */
function serializeBody(route: RouteDescriptor, body: unknown): string {
  const { problems, json } = checkJsonBody(body);
  if (json === undefined) throw new ValidationError(problems, { operationId: route.operationId });
  return json;
}

/**
 * The request a validated `input` describes for `route`: path values encoded into their segments,
 * query parameters in the descriptor's order (arrays as repeated keys), a JSON body, and headers
 * (`accept: application/json`, then `defaultHeaders`, then the route's header parameters, then
 * `callHeaders`, names in lower case).
 */
export function buildRequest(
  route: RouteDescriptor,
  input: unknown,
  baseUrl: string,
  defaultHeaders: Readonly<HeaderRecord>,
  callHeaders: Readonly<Record<string, string>> | undefined,
  bodyJson?: string,
): HttpRequest {
  const values = (input ?? {}) as Readonly<Record<string, unknown>>;
  const headers: HeaderRecord = { accept: 'application/json', ...defaultHeaders };
  let body: string | undefined;
  // The call's validation read the body once and gives its text: a getter on the input is not run again.
  if (route.body) {
    const bodyValue = bodyJson === undefined ? ownValue(values, 'body') : undefined;
    body = bodyJson ?? (bodyValue === undefined ? undefined : serializeBody(route, bodyValue));
    if (body !== undefined) headers['content-type'] = 'application/json';
  }
  for (const spec of route.headerParams ?? []) {
    // Validation let strings alone through.
    const value = ownValue(values, spec.name) as string | undefined;
    if (value !== undefined) mergeHeaders(headers, { [spec.header]: value });
  }
  mergeHeaders(headers, callHeaders);
  const url = joinUrl(baseUrl, expandPath(route, values), serializeQuery(route, values));
  return { method: route.method, url, headers, body };
}
