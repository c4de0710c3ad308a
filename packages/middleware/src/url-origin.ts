/**
 * A URL's origin read as text, for the caches keyed by origin (span attributes, the credentials
 * check): parsing a URL costs about a microsecond, and a client talks to one or two origins.
 */

/** The scheme, host and port of `url`: everything before its path. */
export function originOf(url: string): string {
  const schemeEnd = url.indexOf('//');
  const pathStart = schemeEnd < 0 ? -1 : url.indexOf('/', schemeEnd + 2);
  return pathStart < 0 ? url : url.slice(0, pathStart);
}

/**
 * Whether `url` is on `origin`, without parsing it: it starts with the origin, and a path (or
 * nothing) follows, so that `http://localhost.example.com` is not on `http://localhost`, nor
 * `:10` on `:1`.
 */
export function isOn(url: string, origin: string): boolean {
  return url.startsWith(origin) && (url.length === origin.length || url.charCodeAt(origin.length) === 47); /* '/' */
}
