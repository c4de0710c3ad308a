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

/** What every {@link SwitchboardError} takes. */
export interface SwitchboardErrorOptions {
  /**
   * The operation the error belongs to.
   * @default `undefined`: the executor fills it in when the error passes through a call
   */
  readonly operationId?: string | undefined;
}

/**
 * The base of every typed error a Switchboard call rejects with. Each subclass has a stable
 * {@link SwitchboardError.code}; its message and {@link SwitchboardError.toJSON} carry only safe
 * fields (operation ids, path templates, statuses, error codes), never a URL, a header or a token.
 */
export abstract class SwitchboardError extends Error {
  /** A stable code for the kind of failure (`E_HTTP`, `E_TIMEOUT`, …), to branch on instead of the class or the message. */
  abstract readonly code: string;
  /** The operation the error belongs to; the executor fills it in where a transport could not. */
  operationId: string | undefined;
  /** How many attempts the call made before failing (0 when it failed before sending). */
  attempts = 0;
  /** Milliseconds the call spent waiting on purpose (backoff, Retry-After) before failing. */
  waitedMs = 0;

  /**
   * Makes the error; `operationId` is filled in later by the executor when not given.
   * @param message - the error's message: safe fields only.
   * @param options - the operation it belongs to.
   */
  constructor(message: string, options: SwitchboardErrorOptions = {}) {
    super(message);
    this.name = new.target.name;
    this.operationId = options.operationId;
  }

  /** Fields of the subclass for `toJSON`; all of them safe to log. */
  protected details(): Record<string, unknown> {
    return {};
  }

  /** The error as a plain object for loggers and `JSON.stringify`: name, code, message, operationId, attempts, waitedMs and the subclass's own safe fields. */
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
  /** Always `E_VALIDATION`. */
  readonly code = 'E_VALIDATION';
  /** Every problem found with the input, not just the first. */
  readonly problems: readonly ValidationProblem[];

  /**
   * Makes the error from every problem found; its message lists them all.
   * @param problems - what is wrong with the input.
   * @param options - the operation it belongs to.
   */
  constructor(problems: readonly ValidationProblem[], options: SwitchboardErrorOptions = {}) {
    const list = problems.map((p) => `${p.pointer || '(input)'} ${p.message}`).join('; ');
    super(`${prefix(options.operationId)}invalid input: ${list}`, options);
    this.problems = problems;
  }

  protected override details(): Record<string, unknown> {
    return { problems: this.problems };
  }
}

/** What an {@link HttpError} is built from: the response and how to describe it. */
export interface HttpErrorOptions extends SwitchboardErrorOptions {
  /** The response's status. */
  readonly status: number;
  /** The parsed response body. */
  readonly body: unknown;
  /** The response headers; only those that explain the failure are kept. */
  readonly headers: ResponseHeaders;
  /**
   * The server's correlation id for the response.
   * @default `undefined`
   */
  readonly correlationId?: string | undefined;
  /**
   * A safe, human description of the failure (the server's error code, say).
   * @default none: the message is just `HTTP <status>`
   */
  readonly detail?: string | undefined;
  /**
   * Applied to the body where the error is serialised (`toJSON`); secrets only by default.
   * @default {@link defaultRedaction}
   */
  readonly redaction?: Redaction | undefined;
}

/**
 * Response headers an HttpError keeps: those that explain the failure or say when to retry.
 * Others can carry secrets (`location` with a signed URL, `www-authenticate`, `set-cookie`,
 * vendor token headers), so they are left out rather than listed one by one.
 */
const KEPT_HEADER =
  /^(?:content-type|content-length|date|retry-after|server|via|x-request-id|[\w-]*correlation-id|inin-[\w-]+|x-ratelimit-[\w-]+|ratelimit(?:-[\w-]+)?)$/;

function keptHeaders(headers: ResponseHeaders): HeaderRecord {
  const all = headers.toObject();
  const kept: HeaderRecord = {};
  for (const name of Object.keys(all)) if (KEPT_HEADER.test(name)) kept[name] = all[name] as string;
  return kept;
}

/** The server answered with a status outside 2xx. */
export class HttpError extends SwitchboardError {
  /** Always `E_HTTP`. */
  readonly code = 'E_HTTP';
  /** The response's status (outside 2xx). */
  readonly status: number;
  /** The response headers that explain the failure (content type, retry hints, correlation and rate-limit headers). */
  readonly headers: Readonly<HeaderRecord>;
  /** The server's correlation id for the response, when its headers carry one. */
  readonly correlationId: string | undefined;
  // Private, behind a getter: an error document may echo what was sent (a message, a token).
  // toJSON (what loggers use) and util.inspect give it through the redaction rule.
  readonly #body: unknown;
  readonly #redaction: Redaction;

  /**
   * Makes the error from a response; its message is `HTTP <status>` and the detail, if any.
   * @param options - the response and how to describe it.
   */
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
  [Symbol.for('nodejs.util.inspect.custom')](
    _depth: number,
    options: object,
    inspect: (value: unknown, options: object) => string,
  ): string {
    return `${this.stack ?? this.message} ${inspect(this.toJSON(), options)}`;
  }
}

/** Which bound ran out: one attempt's timeout, or the whole call's deadline. */
export type TimeoutKind = 'attempt' | 'deadline';

/** An attempt took longer than its timeout, or the call ran past its deadline. */
export class TimeoutError extends SwitchboardError {
  /** Always `E_TIMEOUT`. */
  readonly code = 'E_TIMEOUT';
  /** Which bound ran out. */
  readonly kind: TimeoutKind;
  /** The bound, in milliseconds: the attempt timeout, or the time from the call's start to its deadline. */
  readonly timeoutMs: number;

  /** False when the time ran out before the request went out (between attempts, in a queue). */
  readonly requestMayHaveBeenSent: boolean;

  /**
   * Makes the error; its message says which bound ran out and after how long.
   * @param kind - which bound ran out.
   * @param timeoutMs - the bound, in milliseconds.
   * @param options - the operation, and whether the request may have been sent (true unless given).
   */
  constructor(
    kind: TimeoutKind,
    timeoutMs: number,
    options: SwitchboardErrorOptions & {
      /**
       * False when the time ran out before the request went out.
       * @default `true`
       */
      readonly requestMayHaveBeenSent?: boolean;
    } = {},
  ) {
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

/** Error codes of failures to open a connection: nothing went out on it. */
export const CONNECT_FAILURE_CODES: ReadonlySet<string> = new Set([
  'ECONNREFUSED',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'UND_ERR_CONNECT_TIMEOUT',
]);

/** Error codes of failures that happen before a request can have reached the server. */
const NOT_SENT_CODES = new Set([...CONNECT_FAILURE_CODES, 'UND_ERR_INVALID_ARG', 'ERR_BAD_PORT', 'ERR_INVALID_REQUEST']);

/** What {@link NetworkError} takes besides its code. */
export interface NetworkErrorOptions extends SwitchboardErrorOptions {
  /**
   * The proxy that failed (its origin, never its credentials), when the failure was at the proxy:
   * it could not be reached, or it refused the request (`causeCode` `PROXY_<status>`).
   * @default none: the failure was on a direct connection, or beyond the proxy
   */
  readonly proxy?: string | undefined;
}

/** No HTTP response: the connection failed, was reset, or closed early. */
export class NetworkError extends SwitchboardError {
  /** Always `E_NETWORK`. */
  readonly code = 'E_NETWORK';
  /**
   * The system or library error code (`ECONNREFUSED`, `ECONNRESET`, `UND_ERR_SOCKET`, …), or
   * `PROXY_<status>` when the proxy refused the request (`PROXY_407`: it wants credentials).
   */
  readonly causeCode: string;
  /**
   * False only when the failure proves the server never got the request (connection refused,
   * name not resolved, the proxy refused it): the one case where replaying a non-idempotent call is safe.
   */
  readonly requestMayHaveBeenSent: boolean;
  /** The proxy's origin when the failure was at the proxy (see {@link NetworkErrorOptions.proxy}). */
  readonly proxy: string | undefined;

  /**
   * Makes the error; whether the request may have been sent follows from the code.
   * @param causeCode - the system or library error code, or `PROXY_<status>`.
   * @param options - the operation it belongs to, and the proxy when it failed there.
   */
  constructor(causeCode: string, options: NetworkErrorOptions = {}) {
    const sent = !NOT_SENT_CODES.has(causeCode) && !causeCode.startsWith('PROXY_');
    const outcome = sent ? 'the server may have received the request' : 'the request was not sent';
    const where = options.proxy === undefined ? '' : ` at the proxy ${options.proxy}`;
    super(`${prefix(options.operationId)}network error ${causeCode}${where}; ${outcome}`, options);
    this.causeCode = causeCode;
    this.requestMayHaveBeenSent = sent;
    this.proxy = options.proxy;
  }

  protected override details(): Record<string, unknown> {
    return {
      causeCode: this.causeCode,
      requestMayHaveBeenSent: this.requestMayHaveBeenSent,
      ...(this.proxy === undefined ? {} : { proxy: this.proxy }),
    };
  }
}

/** The caller's signal aborted the call. */
export class AbortError extends SwitchboardError {
  /** Always `E_ABORTED`. */
  readonly code = 'E_ABORTED';
  /** The signal's reason, as the caller gave it. */
  readonly reason: unknown;

  /**
   * Makes the error for an aborted call.
   * @param reason - the signal's reason.
   * @param options - the operation it belongs to.
   */
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
  /** Always `E_RESPONSE_PARSE`. */
  readonly code = 'E_RESPONSE_PARSE';
  /** The response's status. */
  readonly status: number;
  /** The response's `content-type`. */
  readonly contentType: string;

  /**
   * Makes the error for a response that is not the JSON it says it is.
   * @param status - the response's status.
   * @param contentType - the response's `content-type`.
   * @param options - the operation it belongs to.
   */
  constructor(status: number, contentType: string, options: SwitchboardErrorOptions = {}) {
    super(`${prefix(options.operationId)}HTTP ${status} response is not valid JSON (${contentType})`, options);
    this.status = status;
    this.contentType = contentType;
  }

  protected override details(): Record<string, unknown> {
    return { status: this.status, contentType: this.contentType };
  }
}

/**
 * A response body was larger than the call's `maxResponseBytes`, counted after decompression as
 * it streamed in: the read stopped there, the connection was closed, and nothing was kept. The
 * server did answer (a write was processed), so it is never retried.
 */
export class ResponseTooLargeError extends SwitchboardError {
  /** Always `E_RESPONSE_TOO_LARGE`. */
  readonly code = 'E_RESPONSE_TOO_LARGE';
  /** The response's status. */
  readonly status: number;
  /** The limit that was passed, in bytes (`maxResponseBytes`). */
  readonly limitBytes: number;

  /**
   * Makes the error for a body that went over `limitBytes`.
   * @param status - the response's status.
   * @param limitBytes - the limit, in bytes.
   * @param options - the operation it belongs to.
   */
  constructor(status: number, limitBytes: number, options: SwitchboardErrorOptions = {}) {
    super(`${prefix(options.operationId)}HTTP ${status} response body is larger than maxResponseBytes (${limitBytes} bytes)`, options);
    this.status = status;
    this.limitBytes = limitBytes;
  }

  protected override details(): Record<string, unknown> {
    return { status: this.status, limitBytes: this.limitBytes };
  }
}

/** The client or its middleware are set up wrongly (duplicate names, unknown anchors). */
export class ConfigurationError extends SwitchboardError {
  /** Always `E_CONFIG`. */
  readonly code = 'E_CONFIG';
}

/** The call was made after `client.close()`. */
export class ClientClosedError extends SwitchboardError {
  /** Always `E_CLOSED`. */
  readonly code = 'E_CLOSED';
}
