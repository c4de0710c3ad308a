/** The wire-level shapes a transport sends and returns, and the transport contract. */
import type { HttpMethod } from './descriptor.js';

/** Header names are lower case. */
export type HeaderRecord = Record<string, string>;

export interface HttpRequest {
  method: HttpMethod;
  url: string;
  headers: HeaderRecord;
  /** Serialised body, or undefined for none. */
  body: string | undefined;
}

/** Read-only response headers; names are case-insensitive. */
export interface ResponseHeaders {
  /** The header's value, repeated headers joined with ", "; undefined when absent. */
  get(name: string): string | undefined;
  has(name: string): boolean;
  /** Every header as a plain object with lower-case names. */
  toObject(): HeaderRecord;
}

export interface HttpResponse {
  readonly status: number;
  readonly headers: ResponseHeaders;
  /** Parsed JSON for JSON responses, text for other bodies, undefined for none (204). */
  readonly data: unknown;
}

export interface TransportOptions {
  /** The caller's signal, if any: aborting it aborts the request and the body read. */
  readonly signal: AbortSignal | undefined;
  /** Milliseconds this attempt may take, headers and body included; Infinity for none. */
  readonly timeout: number;
  /** Which bound set `timeout`, so that the transport's TimeoutError can say so. */
  readonly timeoutKind: 'attempt' | 'deadline';
  readonly operationId: string;
}

/**
 * Sends one request and reads its whole response. Any HTTP status resolves; a failure to get
 * one rejects with a typed SwitchboardError (NetworkError, TimeoutError, AbortError,
 * ResponseParseError), never a library's own error.
 */
export interface Transport {
  readonly name: string;
  send(request: HttpRequest, options: TransportOptions): Promise<HttpResponse>;
  close(): Promise<void>;
}
