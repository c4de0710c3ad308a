/** The wire-level shapes a transport sends and returns, and the transport contract. */
import type { HttpMethod } from './descriptor.js';

/** Header names are lower case. */
export type HeaderRecord = Record<string, string>;

/**
 * A request body as a transport gets it: JSON (or other) text, bytes, or bytes streamed from an
 * async iterable (a route's `bytes` body), which a transport reads once, as it sends them.
 */
export type RequestBody = string | Uint8Array | AsyncIterable<Uint8Array>;

/** One request as a transport sends it. */
export interface HttpRequest {
  /** The HTTP method. */
  method: HttpMethod;
  /** The absolute URL, path and query encoded. */
  url: string;
  /** The request headers, names in lower case. */
  headers: HeaderRecord;
  /**
   * The body: JSON text for a route's JSON body; a Uint8Array or an AsyncIterable of them for a
   * `bytes` body (see {@link RequestBody}); undefined for none.
   */
  body: RequestBody | undefined;
}

/** Read-only response headers; names are case-insensitive. */
export interface ResponseHeaders {
  /** The header's value, repeated headers joined with ", "; undefined when absent. */
  get(name: string): string | undefined;
  /** Whether the response has the header. */
  has(name: string): boolean;
  /** Every header as a plain object with lower-case names. */
  toObject(): HeaderRecord;
}

/** One response as a transport returns it, body read and parsed. */
export interface HttpResponse {
  /** The HTTP status. */
  readonly status: number;
  /** The response headers. */
  readonly headers: ResponseHeaders;
  /** Parsed JSON for JSON responses, text for other bodies, undefined for none (204). */
  readonly data: unknown;
}

/** What a transport gets with each request besides the request itself. */
export interface TransportOptions {
  /** The caller's signal, if any: aborting it aborts the request and the body read. */
  readonly signal: AbortSignal | undefined;
  /** Milliseconds this attempt may take, headers and body included; Infinity for none. */
  readonly timeout: number;
  /** Which bound set `timeout`, so that the transport's TimeoutError can say so. */
  readonly timeoutKind: 'attempt' | 'deadline';
  /** The operation the request belongs to, for the errors the transport throws. */
  readonly operationId: string;
  /**
   * The most bytes the response body may have once decompressed, counted while it streams in: a
   * success over it is a ResponseTooLargeError; an error answer (status ≥ 300) is read up to 64 KiB
   * at most, and one over that comes without its body.
   * @default 8 MiB (`8 * 1024 * 1024`)
   */
  readonly maxResponseBytes?: number;
}

/**
 * Sends one request and reads its whole response. Any HTTP status resolves; a failure to get
 * one rejects with a typed SwitchboardError (NetworkError, TimeoutError, AbortError,
 * ResponseParseError), never a library's own error.
 */
export interface Transport {
  /** The transport's name, the last step of `identify()`: `ky`, `undici`, or your own. */
  readonly name: string;
  /** Sends `request` and reads its whole response; rejects only with a SwitchboardError. */
  send(request: HttpRequest, options: TransportOptions): Promise<HttpResponse>;
  /** Releases connections; the client calls it once, last, on `close()`. */
  close(): Promise<void>;
}
