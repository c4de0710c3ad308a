/** Turns a validated input into the HTTP request its descriptor describes. */
import type { BytesBody, ParamValue, RouteDescriptor } from './descriptor.js';
import { ConfigurationError, ValidationError } from './errors.js';
import type { HeaderRecord, HttpRequest, RequestBody } from './http.js';
import { checkJsonBody } from './json-body.js';
import { StreamedBody } from './streamed-body.js';
import { absoluteUrlProblem, BYTES_BODY_PROBLEM, isBytesBody, ownValue } from './validate.js';

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
  if (route.absoluteUrl === true && (specs.length > 0 || route.queryParams.length > 0))
    return 'a route whose input gives the URL (absoluteUrl) takes no path or query parameters';
  // An absolute-URL route's path is a template for telemetry only (`/{presigned}`): nothing fills it.
  const unspecified = route.absoluteUrl === true ? [] : names.filter((n) => !specs.includes(n));
  if (unspecified.length > 0) return `path placeholders without a pathParams entry: ${unspecified.join(', ')}`;
  const unused = specs.filter((n) => !names.includes(n));
  if (unused.length > 0) return `pathParams not in the path template: ${unused.join(', ')}`;
  if (route.body && (route.method === 'GET' || route.method === 'HEAD')) return `a ${route.method} operation cannot take a body`;
  const headers = route.headerParams ?? [];
  const badHeader = headers.find((h) => !HEADER_NAME.test(h.header));
  if (badHeader) return `header parameter ${badHeader.name}: "${badHeader.header}" is not a header name`;
  const inputNames = [
    ...specs,
    ...route.queryParams.map((p) => p.name),
    ...headers.map((h) => h.name),
    ...(route.absoluteUrl === true ? ['url'] : []),
  ];
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

// What encodeURIComponent leaves as it is: a value of these alone (an id, a GUID) is its own encoding.
const UNRESERVED = /^[\w.~-]*$/;

/** `value` encoded for a URL component; a value of unreserved characters only is returned without the encoder's work. */
function encodeComponent(value: string): string {
  return UNRESERVED.test(value) ? value : encodeURIComponent(value);
}

/** Path with every value encoded into its own segment: `/`, `?`, `#`, spaces, unicode included. */
export function expandPath(route: RouteDescriptor, values: Readonly<Record<string, unknown>>): string {
  const { literals, names } = compileRoute(route);
  let path = literals[0] ?? '';
  for (let i = 0; i < names.length; i++) {
    path += encodeComponent(String(ownValue(values, names[i] as string))) + (literals[i + 1] ?? '');
  }
  return path;
}

/** `a=1&b=true&tag=x&tag=y`; undefined values are left out, arrays become repeated keys. */
export function serializeQuery(route: RouteDescriptor, values: Readonly<Record<string, unknown>>): string {
  let query = '';
  for (const spec of route.queryParams) {
    const value = ownValue(values, spec.name);
    if (value === undefined) continue;
    const key = encodeComponent(spec.name);
    for (const item of Array.isArray(value) ? (value as ParamValue[]) : [value as ParamValue]) {
      query += `${query ? '&' : ''}${key}=${encodeComponent(String(item))}`;
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

/** A `bytes` body as a transport gets it: a Uint8Array as it is, an iterable read once (StreamedBody). */
function bytesOf(route: RouteDescriptor, body: unknown): RequestBody | undefined {
  if (body === undefined) return undefined;
  if (!isBytesBody(body))
    throw new ValidationError([{ pointer: '/body', message: BYTES_BODY_PROBLEM }], {
      operationId: route.operationId,
    });
  return body instanceof Uint8Array ? body : new StreamedBody(body);
}

/** The body of a request, from what validation read (`sent`) or, for a caller that did not validate, from the input. */
function bodyOf(
  route: RouteDescriptor,
  values: Readonly<Record<string, unknown>>,
  sent: string | BytesBody | undefined,
): RequestBody | undefined {
  if (!route.body) return undefined;
  // The call's validation read the body once and gives it: a getter on the input is not run again.
  const value = sent ?? ownValue(values, 'body');
  if (route.body.encoding === 'bytes') return bytesOf(route, value);
  if (typeof sent === 'string') return sent;
  return value === undefined ? undefined : serializeBody(route, value);
}

/** The URL an absolute-URL route's input gives, checked as validation checks it (for a caller of buildRequest that did not validate). */
function absoluteUrlOf(route: RouteDescriptor, values: Readonly<Record<string, unknown>>): string {
  const url = ownValue(values, 'url');
  const problem = absoluteUrlProblem(url);
  if (problem) throw new ValidationError([{ pointer: '/url', message: problem }], { operationId: route.operationId });
  return url as string;
}

/**
 * The request a validated `input` describes for `route`: path values encoded into their segments,
 * query parameters in the descriptor's order (arrays as repeated keys), a JSON body (or bytes), and
 * headers (`accept: application/json`, then `defaultHeaders`, then the route's header parameters,
 * then `callHeaders`, names in lower case). A route with `absoluteUrl` goes to the input's `url`
 * as it is, without `defaultHeaders`: they are the API's, and its host is not.
 * @param body - the body as the call's validation read it: its JSON text, or its bytes; read from the input when left out.
 */
export function buildRequest(
  route: RouteDescriptor,
  input: unknown,
  baseUrl: string,
  defaultHeaders: Readonly<HeaderRecord>,
  callHeaders: Readonly<Record<string, string>> | undefined,
  body?: string | BytesBody,
): HttpRequest {
  const values = (input ?? {}) as Readonly<Record<string, unknown>>;
  const absolute = route.absoluteUrl === true;
  const headers: HeaderRecord = absolute ? { accept: 'application/json' } : { accept: 'application/json', ...defaultHeaders };
  const requestBody = bodyOf(route, values, body);
  // Bytes carry the content type the call's headers give them; JSON is JSON.
  if (typeof requestBody === 'string') headers['content-type'] = 'application/json';
  for (const spec of route.headerParams ?? []) {
    // Validation let strings alone through.
    const value = ownValue(values, spec.name) as string | undefined;
    if (value !== undefined) mergeHeaders(headers, { [spec.header]: value });
  }
  mergeHeaders(headers, callHeaders);
  const url = absolute ? absoluteUrlOf(route, values) : joinUrl(baseUrl, expandPath(route, values), serializeQuery(route, values));
  return { method: route.method, url, headers, body: requestBody };
}
