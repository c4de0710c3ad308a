/** Credentials go over TLS, except to this machine (the emulator, a test server). */
import { isIPv4 } from 'node:net';
import { AuthError } from './errors.js';
import { isOn } from './url-origin.js';

const LOOPBACK = new Set(['localhost', '127.0.0.1', '[::1]', '::1']);

// The last origin judged safe: a client sends every attempt to one or two, and parsing a URL
// costs more than the rest of the auth middleware's work on an attempt.
let lastSafeOrigin: string | undefined;

/** Whether credentials may be sent to `url`: https, or plain http to loopback only (`localhost`, `127.0.0.0/8`, `::1`). */
export function isSafeForCredentials(url: string): boolean {
  if (lastSafeOrigin !== undefined && isOn(url, lastSafeOrigin)) return true;
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return false;
  }
  const { protocol, hostname, origin } = parsed;
  // 127.0.0.0/8 as an address only: a name such as 127.example.com is anyone's.
  const safe =
    protocol === 'https:' || (protocol === 'http:' && (LOOPBACK.has(hostname) || (isIPv4(hostname) && hostname.startsWith('127.'))));
  // Only an origin the URL spells as its parser does (no user info, a lower-case host) is remembered.
  if (safe && isOn(url, origin)) lastSafeOrigin = origin;
  return safe;
}

export function assertSafeForCredentials(url: string, what: string, operationId?: string): void {
  if (!isSafeForCredentials(url)) {
    throw new AuthError(`refusing to send credentials to ${what} over plain http; use https (plain http is allowed to loopback only)`, {
      operationId,
    });
  }
}
