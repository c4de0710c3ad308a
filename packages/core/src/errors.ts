/**
 * The typed errors every Switchboard call rejects with. Each has a stable `code`.
 *
 * They are built only from safe fields: operation ids, path templates, statuses, error codes.
 * Never from a URL, a request, or a library's error, whose messages and properties carry full
 * URLs (query-string secrets) and request headers (Authorization).
 */
import type { ValidationProblem } from './descriptor.js';
import type { HeaderRecord, ResponseHeaders } from './http.js';
import { defaultRedaction, type Redaction } from './redaction.js';

export interface SwitchboardErrorOptions {
  readonly operationId?: string | undefined;
}

export abstract class SwitchboardError extends Error {
  abstract readonly code: string;
  /** The operation the error belongs to; the executor fills it in where a transport could not. */
  operationId: string | undefined;
  /** How many attempts the call made before failing (0 when it failed before sending). */
  attempts = 0;
  /** Milliseconds the call spent waiting on purpose (backoff, Retry-After) before failing. */
  waitedMs = 0;

  constructor(message: string, options: SwitchboardErrorOptions = {}) {
    super(message);
    this.name = new.target.name;
    this.operationId = options.operationId;
  }

  /** Fields of the subclass for `toJSON`; all of them safe to log. */
  protected details(): Record<string, unknown> {
    return {};
  }

  toJSON(): Record<string, unknown> {
    return {
      name: this.name,
      code: this.code,
      message: this.message,
      operationId: this.operationId,
      attempts: this.attempts,
      waitedMs: this.waitedMs,
      ...this.details(),
    };
  }
}

function prefix(operationId: string | undefined): string {
  return operationId ? `${operationId}: ` : '';
}

/** The input does not satisfy the descriptor: nothing was sent. */
export class ValidationError extends SwitchboardError {
  readonly code = 'E_VALIDATION';
  readonly problems: readonly ValidationProblem[];

  constructor(problems: readonly ValidationProblem[], options: SwitchboardErrorOptions = {}) {
    const list = problems.map((p) => `${p.pointer || '(input)'} ${p.message}`).join('; ');
    super(`${prefix(options.operationId)}invalid input: ${list}`, options);
    this.problems = problems;
  }

  protected override details(): Record<string, unknown> {
    return { problems: this.problems };
  }
}

export interface HttpErrorOptions extends SwitchboardErrorOptions {
  readonly status: number;
  readonly body: unknown;
  readonly headers: ResponseHeaders;
  readonly correlationId?: string | undefined;
  /** A safe, human description of the failure (the server's error code, say). */
  readonly detail?: string | undefined;
  /** Applied to the body where the error is serialised (`toJSON`); secrets only by default. */
  readonly redaction?: Redaction | undefined;
}

/**
 * Response headers an HttpError keeps: those that explain the failure or say when to retry.
 * Others can carry secrets (`location` with a signed URL, `www-authenticate`, `set-cookie`,
 * vendor token headers), so they are left out rather than listed one by one.
 */
const KEPT_HEADER = /^(?:content-type|content-length|date|retry-after|server|via|x-request-id|[\w-]*correlation-id|inin-[\w-]+|x-ratelimit-[\w-]+|ratelimit(?:-[\w-]+)?)$/;

function keptHeaders(headers: ResponseHeaders): HeaderRecord {
  const all = headers.toObject();
  const kept: HeaderRecord = {};
  for (const name of Object.keys(all)) if (KEPT_HEADER.test(name)) kept[name] = all[name] as string;
  return kept;
}

/** The server answered with a status outside 2xx. */
export class HttpError extends SwitchboardError {
  readonly code = 'E_HTTP';
  readonly status: number;
  /** The response headers that explain the failure (content type, retry hints, correlation and rate-limit headers). */
  readonly headers: Readonly<HeaderRecord>;
  readonly correlationId: string | undefined;
  // Private, behind a getter: an error document may echo what was sent (a message, a token).
  // toJSON (what loggers use) and util.inspect give it through the redaction rule.
  readonly #body: unknown;
  readonly #redaction: Redaction;

  constructor(options: HttpErrorOptions) {
    const detail = options.detail ? `: ${options.detail}` : '';
    super(`${prefix(options.operationId)}HTTP ${options.status}${detail}`, options);
    this.status = options.status;
    this.#body = options.body;
    this.#redaction = options.redaction ?? defaultRedaction;
    this.headers = keptHeaders(options.headers);
    this.correlationId = options.correlationId;
  }

  /** The parsed response body (an error document, usually), as the server sent it. */
  get body(): unknown {
    return this.#body;
  }

  protected override details(): Record<string, unknown> {
    return { status: this.status, correlationId: this.correlationId, body: this.#redaction.value(this.#body) };
  }

  /** util.inspect (console.log) shows the stack and the redacted fields, with the caller's options: never the raw body. */
  [Symbol.for('nodejs.util.inspect.custom')](_depth: number, options: object, inspect: (value: unknown, options: object) => string): string {
    return `${this.stack ?? this.message} ${inspect(this.toJSON(), options)}`;
  }
}

export type TimeoutKind = 'attempt' | 'deadline';

/** An attempt took longer than its timeout, or the call ran past its deadline. */
export class TimeoutError extends SwitchboardError {
  readonly code = 'E_TIMEOUT';
  readonly kind: TimeoutKind;
  readonly timeoutMs: number;

  /** False when the time ran out before the request went out (between attempts, in a queue). */
  readonly requestMayHaveBeenSent: boolean;

  constructor(kind: TimeoutKind, timeoutMs: number, options: SwitchboardErrorOptions & { readonly requestMayHaveBeenSent?: boolean } = {}) {
    const what = kind === 'deadline' ? 'call deadline exceeded' : 'attempt timed out';
    super(`${prefix(options.operationId)}${what} after ${Math.round(timeoutMs)} ms`, options);
    this.kind = kind;
    this.timeoutMs = timeoutMs;
    this.requestMayHaveBeenSent = options.requestMayHaveBeenSent ?? true;
  }

  protected override details(): Record<string, unknown> {
    return { kind: this.kind, timeoutMs: this.timeoutMs, requestMayHaveBeenSent: this.requestMayHaveBeenSent };
  }
}

/** Error codes of failures that happen before a request can have reached the server. */
const NOT_SENT_CODES = new Set([
  'ECONNREFUSED',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_INVALID_ARG',
  'ERR_BAD_PORT',
  'ERR_INVALID_REQUEST',
]);

/** No HTTP response: the connection failed, was reset, or closed early. */
export class NetworkError extends SwitchboardError {
  readonly code = 'E_NETWORK';
  /** The system or library error code (`ECONNREFUSED`, `ECONNRESET`, `UND_ERR_SOCKET`, …). */
  readonly causeCode: string;
  /**
   * False only when the failure proves the server never got the request (connection refused,
   * name not resolved): the one case where replaying a non-idempotent call is safe.
   */
  readonly requestMayHaveBeenSent: boolean;

  constructor(causeCode: string, options: SwitchboardErrorOptions = {}) {
    const sent = !NOT_SENT_CODES.has(causeCode);
    const outcome = sent ? 'the server may have received the request' : 'the request was not sent';
    super(`${prefix(options.operationId)}network error ${causeCode}; ${outcome}`, options);
    this.causeCode = causeCode;
    this.requestMayHaveBeenSent = sent;
  }

  protected override details(): Record<string, unknown> {
    return { causeCode: this.causeCode, requestMayHaveBeenSent: this.requestMayHaveBeenSent };
  }
}

/** The caller's signal aborted the call. */
export class AbortError extends SwitchboardError {
  readonly code = 'E_ABORTED';
  /** The signal's reason, as the caller gave it. */
  readonly reason: unknown;

  constructor(reason: unknown, options: SwitchboardErrorOptions = {}) {
    super(`${prefix(options.operationId)}aborted`, options);
    this.reason = reason;
  }

  protected override details(): Record<string, unknown> {
    const reason = this.reason instanceof Error ? this.reason.name : typeof this.reason;
    return { reason };
  }
}

/** The response said it was JSON but was not. */
export class ResponseParseError extends SwitchboardError {
  readonly code = 'E_RESPONSE_PARSE';
  readonly status: number;
  readonly contentType: string;

  constructor(status: number, contentType: string, options: SwitchboardErrorOptions = {}) {
    super(`${prefix(options.operationId)}HTTP ${status} response is not valid JSON (${contentType})`, options);
    this.status = status;
    this.contentType = contentType;
  }

  protected override details(): Record<string, unknown> {
    return { status: this.status, contentType: this.contentType };
  }
}

/** The client or its middleware are set up wrongly (duplicate names, unknown anchors). */
export class ConfigurationError extends SwitchboardError {
  readonly code = 'E_CONFIG';
}

/** The call was made after `client.close()`. */
export class ClientClosedError extends SwitchboardError {
  readonly code = 'E_CLOSED';
}
