/**
 * What happens during a call, as plain typed events: the same facts feed the client's listeners,
 * the tracing and metrics middleware and the logs, so that they never disagree. No event carries
 * a header, a body or a token; URLs are redacted.
 */
import type { HttpRequest } from './http.js';

/** Why a call waited: `backoff`, `retry-after` and `rate-limit-reset` (the server's window) between attempts, `rate-limit-queue` for quota, `token-refresh` for credentials; middleware may add their own. */
export type WaitReason = 'backoff' | 'retry-after' | 'rate-limit-reset' | 'rate-limit-queue' | 'token-refresh' | (string & {});

interface CallEventBase {
  /** The `operationId` of the route being called. */
  readonly operationId: string;
  /** Epoch milliseconds when the event happened (for a wait or an attempt: when it ended). */
  readonly time: number;
}

/** A call began (after its input was validated): one per call, before any attempt. */
export interface CallStartEvent extends CallEventBase {
  /** The event's kind. */
  readonly type: 'call.start';
  /** The HTTP method of the route. */
  readonly method: string;
  /** The route's path template, such as `/api/v2/webchat/guest/conversations/{conversationId}`. */
  readonly urlTemplate: string;
  /** Whether the route is deprecated. */
  readonly deprecated: boolean;
}

/** A request is about to go to the transport. */
export interface AttemptStartEvent extends CallEventBase {
  /** The event's kind. */
  readonly type: 'attempt.start';
  /** The physical attempt: 1 for the first request sent, 2 for the first resend, … */
  readonly attempt: number;
  /** The request's HTTP method. */
  readonly method: string;
  /** The request's URL with secret-looking query values replaced. */
  readonly url: string;
}

/** A request came back with a response, or failed without one. */
export interface AttemptEndEvent extends CallEventBase {
  /** The event's kind. */
  readonly type: 'attempt.end';
  /** The physical attempt that ended (as numbered in {@link AttemptStartEvent.attempt}). */
  readonly attempt: number;
  /** Milliseconds from the attempt's start to its end, body read included. */
  readonly durationMs: number;
  /** The response's status; absent when no response came. */
  readonly status?: number;
  /** The status as text for 4xx/5xx, the error's code or class when there was no response. */
  readonly errorType?: string;
  /** The server's correlation id, from the response headers; absent when the response has none. */
  readonly correlationId?: string;
}

/** A retry middleware decided to try again; the wait before the next attempt follows as a {@link WaitEvent}. */
export interface RetryEvent extends CallEventBase {
  /** The event's kind. */
  readonly type: 'retry';
  /** The physical attempt that failed and is about to be retried (as numbered in attempt events). */
  readonly attempt: number;
  /** How long the call will wait before the next attempt. */
  readonly waitMs: number;
  /** What sets the wait: `backoff`, `retry-after`, `rate-limit-reset`, … */
  readonly reason: WaitReason;
  /** The status of the failed attempt's response; absent when no response came. */
  readonly status?: number;
  /** The failure as in {@link AttemptEndEvent.errorType}. */
  readonly errorType?: string;
}

/** Why a retry middleware did not try again although the outcome called for it: `budget` when the client's retry budget could not pay for the retry; middleware may add their own. */
export type RetryRefusalReason = 'budget' | (string & {});

/** A retry middleware would have tried again, and did not: the failed attempt's outcome stands. */
export interface RetryRefusedEvent extends CallEventBase {
  /** The event's kind. */
  readonly type: 'retry.refused';
  /** The physical attempt that failed and is not retried (as numbered in attempt events). */
  readonly attempt: number;
  /** Why it is not retried. */
  readonly reason: RetryRefusalReason;
  /** The status of the failed attempt's response; absent when no response came. */
  readonly status?: number;
  /** The failure as in {@link AttemptEndEvent.errorType}. */
  readonly errorType?: string;
}

/** The call waited on purpose (backoff, Retry-After, a rate-limit queue, a token request). */
export interface WaitEvent extends CallEventBase {
  /** The event's kind. */
  readonly type: 'wait';
  /** Why the call waited. */
  readonly reason: WaitReason;
  /** Epoch milliseconds when the wait began (`time` is when it ended). */
  readonly startTime: number;
  /** Milliseconds waited. */
  readonly durationMs: number;
  /** Requests sent before this wait ended. */
  readonly attempt: number;
}

/** The call is over: one per call, after its last attempt, whatever the outcome. */
export interface CallEndEvent extends CallEventBase {
  /** The event's kind. */
  readonly type: 'call.end';
  /** The HTTP method of the route. */
  readonly method: string;
  /** The route's path template, as in {@link CallStartEvent.urlTemplate}. */
  readonly urlTemplate: string;
  /** Milliseconds from the call's start to its end, waits included. */
  readonly durationMs: number;
  /** Requests sent. */
  readonly attempts: number;
  /** Milliseconds the call spent waiting on purpose (backoff, Retry-After, queues). */
  readonly waitedMs: number;
  /** The status of the last response; absent when the call ended without one. */
  readonly status?: number;
  /** The failure as in {@link AttemptEndEvent.errorType}; absent on success. */
  readonly errorType?: string;
  /** The server's correlation id from the last response, if it had one. */
  readonly correlationId?: string;
  /** `success` for 2xx, `http-error` for any other status, `failure` when an error was thrown (timeout, network, abort, a middleware's error such as RateLimitError; `status` then tells the response behind it, if any). */
  readonly outcome: 'success' | 'http-error' | 'failure';
}

/** Every event a call emits, told apart by `type`. */
export type CallEvent = CallStartEvent | AttemptStartEvent | AttemptEndEvent | RetryEvent | RetryRefusedEvent | WaitEvent | CallEndEvent;
/** The `type` of a {@link CallEvent}: `call.start`, `attempt.start`, `attempt.end`, `retry`, `retry.refused`, `wait` or `call.end`. */
export type CallEventType = CallEvent['type'];
/** The event whose `type` is `T`: `CallEventOf<'retry'>` is {@link RetryEvent}. */
export type CallEventOf<T extends CallEventType> = Extract<
  CallEvent,
  {
    /** The event's kind. */
    type: T;
  }
>;
/** A listener given to `Client.on`: called synchronously with each event of type `T` (every event by default); what it throws is ignored. */
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
   * Runs the transport call of each attempt (`send`), after `beforeSend`: the place to run it in a
   * context of the observer's, such as OpenTelemetry's with the HTTP instrumentation below
   * suppressed. It must call `send` once and return what it returns.
   */
  aroundSend?<T>(send: () => T): T;
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

/** `error.type` of a response: its status for a 4xx or 5xx (OpenTelemetry's convention), none otherwise. */
export function statusErrorType(status: number): string | undefined {
  return status >= 400 ? String(status) : undefined;
}
