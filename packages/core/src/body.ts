/** How a response body becomes `data`: shared by every transport so they all agree. */
import { ResponseParseError } from './errors.js';

const JSON_TYPE = /^application\/(?:[\w.+-]+\+)?json\b/i;

export function hasNoBody(method: string, status: number): boolean {
  return method === 'HEAD' || status === 204 || status === 205 || status === 304 || (status >= 100 && status < 200);
}

/** JSON when the content type says so, text otherwise, undefined when empty. */
export function parseBody(status: number, contentType: string | undefined, text: string, operationId: string): unknown {
  if (text.length === 0) return undefined;
  if (contentType === undefined || !JSON_TYPE.test(contentType)) return text;
  try {
    // A UTF-8 byte order mark is allowed before JSON text (RFC 8259 §8.1) but not by JSON.parse.
    return JSON.parse(text.charCodeAt(0) === 0xfeff ? text.slice(1) : text) as unknown;
  } catch {
    throw new ResponseParseError(status, contentType, { operationId });
  }
}
