/** Turns a validated input into the HTTP request its descriptor describes. */
import type { ParamValue, RouteDescriptor } from './descriptor.js';
import type { HeaderRecord, HttpRequest } from './http.js';

/** Literal pieces of a path template with the parameter names between them. */
interface CompiledPath {
  readonly literals: readonly string[];
  readonly names: readonly string[];
}

// Descriptors are immutable data, so each template is split once.
const compiledPaths = new WeakMap<RouteDescriptor, CompiledPath>();

function compilePath(route: RouteDescriptor): CompiledPath {
  let compiled = compiledPaths.get(route);
  if (!compiled) {
    const parts = route.path.split(/\{([^}]+)\}/);
    compiled = {
      literals: parts.filter((_, i) => i % 2 === 0),
      names: parts.filter((_, i) => i % 2 === 1),
    };
    compiledPaths.set(route, compiled);
  }
  return compiled;
}

/** Path with every value encoded into its own segment: `/`, `?`, `#`, spaces, unicode included. */
export function expandPath(route: RouteDescriptor, values: Readonly<Record<string, unknown>>): string {
  const { literals, names } = compilePath(route);
  let path = literals[0] ?? '';
  for (let i = 0; i < names.length; i++) {
    path += encodeURIComponent(String(values[names[i] as string])) + (literals[i + 1] ?? '');
  }
  return path;
}

/** `a=1&b=true&tag=x&tag=y`; undefined values are left out, arrays become repeated keys. */
export function serializeQuery(route: RouteDescriptor, values: Readonly<Record<string, unknown>>): string {
  let query = '';
  for (const spec of route.queryParams) {
    const value = values[spec.name];
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

/** Lower-cases header names; later sources win. */
export function mergeHeaders(target: HeaderRecord, source: Readonly<Record<string, string>> | undefined): HeaderRecord {
  if (source) for (const name of Object.keys(source)) target[name.toLowerCase()] = source[name] as string;
  return target;
}

export function buildRequest(
  route: RouteDescriptor,
  input: unknown,
  baseUrl: string,
  defaultHeaders: Readonly<HeaderRecord>,
  callHeaders: Readonly<Record<string, string>> | undefined,
): HttpRequest {
  const values = (input ?? {}) as Readonly<Record<string, unknown>>;
  const headers: HeaderRecord = { accept: 'application/json', ...defaultHeaders };
  let body: string | undefined;
  if (route.body && values.body !== undefined) {
    body = JSON.stringify(values.body);
    headers['content-type'] = 'application/json';
  }
  mergeHeaders(headers, callHeaders);
  const url = joinUrl(baseUrl, expandPath(route, values), serializeQuery(route, values));
  return { method: route.method, url, headers, body };
}
