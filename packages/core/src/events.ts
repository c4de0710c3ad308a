/**
 * What happens during a call, as plain typed events: the same facts feed the client's listeners,
 * the tracing and metrics middleware and the logs, so that they never disagree. No event carries
 * a header, a body or a token; URLs are redacted.
 */
import type { HttpRequest } from './http.js';

/** Why a call waited: `backoff`, `retry-after` and `rate-limit-reset` (the server's window) between attempts, `rate-limit-queue` for quota, `token-refresh` for credentials; middleware may add their own. */
export type WaitReason = 'backoff' | 'retry-after' | 'rate-limit-reset' | 'rate-limit-queue' | 'token-refresh' | (string & {});

interface CallEventBase {
  readonly operationId: string;
  /** Epoch milliseconds when the event happened (for a wait or an attempt: when it ended). */
  readonly time: number;
}

export interface CallStartEvent extends CallEventBase {
  readonly type: 'call.start';
  readonly method: string;
  /** The route's path template, such as `/api/v2/webchat/guest/conversations/{conversationId}`. */
  readonly urlTemplate: string;
  readonly deprecated: boolean;
}

export interface AttemptStartEvent extends CallEventBase {
  readonly type: 'attempt.start';
  /** The physical attempt: 1 for the first request sent, 2 for the first resend, … */
  readonly attempt: number;
  readonly method: string;
  /** The request's URL with secret-looking query values replaced. */
  readonly url: string;
}


export interface AttemptEndEvent extends CallEventBase {
  readonly type: 'attempt.end';
  readonly attempt: number;
  readonly durationMs: number;
  /** The response's status; absent when no response came. */
  readonly status?: number;
  /** The status as text for 4xx/5xx, the error's code or class when there was no response. */
  readonly errorType?: string;
  readonly correlationId?: string;
}

export interface RetryEvent extends CallEventBase {
  readonly type: 'retry';
  /** The physical attempt that failed and is about to be retried (as numbered in attempt events). */
  readonly attempt: number;
  /** How long the call will wait before the next attempt. */
  readonly waitMs: number;
  readonly reason: WaitReason;
  readonly status?: number;
  readonly errorType?: string;
}

export interface WaitEvent extends CallEventBase {
  readonly type: 'wait';
  readonly reason: WaitReason;
  /** Epoch milliseconds when the wait began (`time` is when it ended). */
  readonly startTime: number;
  readonly durationMs: number;
  /** Requests sent before this wait ended. */
  readonly attempt: number;
}

export interface CallEndEvent extends CallEventBase {
  readonly type: 'call.end';
  readonly method: string;
  readonly urlTemplate: string;
  readonly durationMs: number;
  /** Requests sent. */
  readonly attempts: number;
  readonly waitedMs: number;
  readonly status?: number;
  readonly errorType?: string;
  readonly correlationId?: string;
  /** `success` for 2xx, `http-error` for any other status, `failure` when an error was thrown (timeout, network, abort, a middleware's error such as RateLimitError; `status` then tells the response behind it, if any). */
  readonly outcome: 'success' | 'http-error' | 'failure';
}

export type CallEvent = CallStartEvent | AttemptStartEvent | AttemptEndEvent | RetryEvent | WaitEvent | CallEndEvent;
export type CallEventType = CallEvent['type'];
export type CallEventOf<T extends CallEventType> = Extract<CallEvent, { type: T }>;
export type CallEventListener<T extends CallEventType = CallEventType> = (event: CallEventOf<T>) => void;

/** What an operation-phase middleware can watch of its call (see `CallContext.observe`). */
export interface CallObserver {
  /** Every event of the call, as it happens. */
  event?(event: CallEvent): void;
  /**
   * Runs right before attempt `attempt` goes to the transport, after every attempt middleware,
   * with that attempt's own request: the place to add a `traceparent` for exactly that attempt.
   */
  beforeSend?(request: HttpRequest, attempt: number): void;
  /**
   * Right after `call.end`, with the error the caller got (undefined for a response): for
   * observers that describe the failure, through the redaction rule. Never given to listeners.
   */
  ended?(event: CallEndEvent, error: unknown): void;
}

/**
 * A low-cardinality name for a thrown value (OpenTelemetry's `error.type`): a network error's
 * cause code (`ECONNRESET`), else the error's class (`TimeoutError`), else `_OTHER`.
 */
export function errorTypeOf(error: unknown): string {
  const causeCode = (error as { causeCode?: unknown } | null | undefined)?.causeCode;
  if (typeof causeCode === 'string' && /^[A-Z0-9_]{1,64}$/.test(causeCode)) return causeCode;
  if (error instanceof Error && /^[\w$.]{1,64}$/.test(error.name)) return error.name;
  return '_OTHER';
}
