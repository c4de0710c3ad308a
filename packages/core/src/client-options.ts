/** The options of `createClient` and of each call, and their checks: resolved once per client or call. */
import { checkBaseUrl } from './base-url.js';
import { ConfigurationError } from './errors.js';
import type { HttpResponse, ResponseHeaders, Transport } from './http.js';
import type { Middleware } from './middleware.js';
import { defaultRedaction, type Redaction } from './redaction.js';
import { checkProxySetting, type ProxySetting } from './proxy.js';
import { mergeHeaders } from './request.js';
import type { StateEntry } from './state.js';
import { createKyTransport } from './transports/ky.js';
import { DEFAULT_MAX_RESPONSE_BYTES } from './transports/response-body.js';
import { createUndiciTransport } from './transports/undici.js';

/** What {@link createClient} takes. */
export interface ClientOptions {
  /** Absolute http(s) URL that route paths are appended to. */
  readonly baseUrl: string;
  /**
   * `'ky'` (default), `'undici'` (the fast path), or your own Transport.
   * @default `'ky'`
   */
  readonly transport?: 'ky' | 'undici' | Transport;
  /**
   * The forward proxy of the built-in transports: a URL (`http://user:pass@proxy.example:3128`;
   * https targets go through a CONNECT tunnel), `false` to connect directly whatever the
   * environment says, or undefined to read `HTTPS_PROXY`, `HTTP_PROXY` and `NO_PROXY` (lower case
   * too) as undici's EnvHttpProxyAgent does. A Transport of your own takes no proxy from here.
   * The proxy's credentials appear in no error, log line or span.
   * @default the environment's proxy variables; a direct connection when they name none
   */
  readonly proxy?: ProxySetting;
  /**
   * Middleware for every call, placed by phase; see `identify()`.
   * @default none
   */
  readonly middleware?: readonly Middleware[];
  /**
   * Milliseconds one attempt may take, response body included. Default 30 000.
   * @default `30_000`
   */
  readonly timeout?: number;
  /**
   * The most bytes a response body may have, counted after decompression while it streams in. A
   * success over it fails with a ResponseTooLargeError (`E_RESPONSE_TOO_LARGE`, never retried) and
   * its connection is closed; an error answer is read up to 64 KiB at most (or this, when smaller)
   * and comes without its body beyond that. `Infinity` turns the limit off.
   * @default `8 * 1024 * 1024` (8 MiB: several times the largest answer of the Genesys APIs carried here)
   */
  readonly maxResponseBytes?: number;
  /**
   * Headers sent on every call.
   * @default none (besides `accept: application/json`, and `content-type` with a body)
   */
  readonly headers?: Readonly<Record<string, string>>;
  /**
   * Response headers that carry the server's correlation id, first match wins.
   * @default `['x-correlation-id', 'x-request-id']`
   */
  readonly correlationIdHeaders?: readonly string[];
  /**
   * A one-line description of an error response for HttpError's message; by default its `code`. The redaction rule is applied to it.
   * @default the response body's `code` property, when it is a string
   */
  readonly describeError?: (response: HttpResponse) => string | undefined;
  /**
   * What is hidden from events, URLs in spans and logs, and error messages; secrets only by default.
   * @default {@link defaultRedaction}
   */
  readonly redaction?: Redaction;
}

/** Per-call settings: the third argument of {@link Client.call}. */
export interface CallOptions {
  /**
   * Aborts the call: it then rejects with an AbortError, whatever it was doing.
   * @default none
   */
  readonly signal?: AbortSignal;
  /**
   * Milliseconds one attempt may take; the client's `timeout` by default.
   * @default the client's {@link ClientOptions.timeout}
   */
  readonly timeout?: number;
  /**
   * The most bytes this call's response body may have once decompressed; see {@link ClientOptions.maxResponseBytes}.
   * @default the client's {@link ClientOptions.maxResponseBytes}
   */
  readonly maxResponseBytes?: number;
  /**
   * Milliseconds the whole call may take, retries and waits included.
   * @default no limit
   */
  readonly totalTimeout?: number;
  /**
   * When the whole call must be over (a Date or epoch milliseconds); the earlier of this and totalTimeout wins.
   * @default no deadline
   */
  readonly deadline?: Date | number;
  /**
   * Headers for this call, over the client's.
   * @default none: the client's headers only
   */
  readonly headers?: Readonly<Record<string, string>>;
  /**
   * Middleware for this call only, placed among the client's by phase and anchors.
   * @default none
   */
  readonly middleware?: readonly Middleware[];
  /**
   * Values put into the call's state first, by which middleware take per-call settings (see each middleware's helpers).
   * @default none
   */
  readonly state?: readonly StateEntry[];
}

const DEFAULT_TIMEOUT_MS = 30_000;
const DEFAULT_CORRELATION_HEADERS = ['x-correlation-id', 'x-request-id'];

/** A client's options, checked and with their defaults: what every call of the client shares. */
export interface ClientSettings {
  readonly baseUrl: string;
  readonly transport: Transport;
  readonly middleware: readonly Middleware[];
  /** The client's headers, names in lower case. */
  readonly headers: Record<string, string>;
  readonly attemptTimeout: number;
  readonly maxResponseBytes: number;
  readonly describeError: (response: HttpResponse) => string | undefined;
  readonly redaction: Redaction;
  /** The server's correlation id in `headers`: the first of the client's correlation headers present. */
  readonly correlationOf: (headers: ResponseHeaders) => string | undefined;
}

function describeByCode(response: HttpResponse): string | undefined {
  const code = (response.data as { code?: unknown } | undefined)?.code;
  return typeof code === 'string' ? code : undefined;
}

function resolveTransport(choice: ClientOptions['transport'], proxy: ProxySetting): Transport {
  if (choice === undefined || choice === 'ky') return createKyTransport({ proxy });
  if (choice === 'undici') return createUndiciTransport({ proxy });
  return choice;
}

/** Throws a ConfigurationError unless `value` is absent or a non-negative number of milliseconds. */
export function checkMs(name: string, value: number | undefined): void {
  if (value !== undefined && !(value >= 0)) throw new ConfigurationError(`${name} must be a non-negative number of milliseconds`);
}

/** Throws a ConfigurationError unless `value` is absent or a positive whole number of bytes (or Infinity, no limit). */
export function checkByteLimit(value: number | undefined): void {
  if (value !== undefined && !(value === Infinity || (Number.isSafeInteger(value) && value > 0))) {
    throw new ConfigurationError('maxResponseBytes must be a positive whole number of bytes, or Infinity for no limit');
  }
}

/** Checks `options` and fills in the defaults; throws a ConfigurationError for a bad base URL or timeout. */
export function resolveClientSettings(options: ClientOptions): ClientSettings {
  checkBaseUrl(options.baseUrl);
  checkMs('timeout', options.timeout);
  checkByteLimit(options.maxResponseBytes);
  checkProxySetting(options.proxy);
  const correlationHeaders = (options.correlationIdHeaders ?? DEFAULT_CORRELATION_HEADERS).map((h) => h.toLowerCase());
  return {
    baseUrl: options.baseUrl,
    transport: resolveTransport(options.transport, options.proxy),
    middleware: options.middleware ?? [],
    headers: mergeHeaders({}, options.headers),
    attemptTimeout: options.timeout ?? DEFAULT_TIMEOUT_MS,
    maxResponseBytes: options.maxResponseBytes ?? DEFAULT_MAX_RESPONSE_BYTES,
    describeError: options.describeError ?? describeByCode,
    redaction: options.redaction ?? defaultRedaction,
    correlationOf: (headers) => {
      for (const name of correlationHeaders) {
        const value = headers.get(name);
        if (value !== undefined) return value;
      }
      return undefined;
    },
  };
}

/** When the call must be over, in epoch milliseconds: the earlier of `totalTimeout` from `now` and `deadline`. */
export function deadlineOf(options: CallOptions, now: number): number {
  checkMs('totalTimeout', options.totalTimeout);
  const fromTotal = options.totalTimeout === undefined ? Infinity : now + options.totalTimeout;
  const absolute = options.deadline instanceof Date ? options.deadline.getTime() : (options.deadline ?? Infinity);
  if (Number.isNaN(absolute)) throw new ConfigurationError('deadline must be a valid Date or epoch milliseconds');
  return Math.min(fromTotal, absolute);
}
