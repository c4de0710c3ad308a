import type { RouteDescriptor } from './descriptor.js';
import type { CallObserver, RetryEvent, RetryRefusedEvent, WaitReason } from './events.js';
import type { HttpRequest } from './http.js';
import type { CallState } from './state.js';

/** What a middleware sees of one call. */
export interface CallContext {
  /** The operation being called. */
  readonly route: RouteDescriptor;
  /** The caller's validated input. */
  readonly input: unknown;
  /**
   * The request. Operation and retry middleware see the call's request: what they write applies
   * to every attempt that starts afterwards. Attempt middleware see their attempt's own copy:
   * what they write (an Authorization header) never leaks into another attempt.
   */
  request: HttpRequest;
  /**
   * For attempt middleware, this attempt's number (1, 2, …); for outer middleware, attempts started
   * so far. Events, results and errors count the attempts sent instead (`attempts`, and `attempt`
   * in attempt and retry events), which can be fewer: an attempt refused before it goes out (its
   * deadline passed while it waited for a token) was started but not sent.
   */
  readonly attempt: number;
  /** The caller's signal, if any. */
  readonly signal: AbortSignal | undefined;
  /** Epoch milliseconds by which the whole call must end; Infinity for none. */
  readonly deadline: number;
  /** Milliseconds one attempt may take; outer middleware change it for the attempts to come, attempt middleware for their own. */
  attemptTimeout: number;
  /** Epoch milliseconds when the call started. */
  readonly startedAt: number;
  /** Typed state that middleware share within this call. */
  readonly state: CallState;
  /** Milliseconds this call has spent waiting on purpose (backoff, Retry-After, a queue); middleware that wait add to it. */
  waitedMs: number;
  /** Milliseconds until the deadline (Infinity when there is none, 0 once it has passed). */
  timeLeft(): number;
  /**
   * Waits `ms`, counted in `waitedMs`; rejects at once with an AbortError when the caller's signal
   * aborts. Middleware that wait (backoff, a queue) use it so that every wait is reported and cancellable.
   */
  sleep(ms: number, reason?: WaitReason): Promise<void>;
  /** Reports a wait the middleware measured itself (a queue, a token request): counted in `waitedMs`, told to observers. */
  reportWait(reason: WaitReason, durationMs: number): void;
  /**
   * Reports a decision to try again, before its wait; returns the `retry` event it makes, the one
   * `client.on('retry')` listeners get, so that a middleware's own callback can be given the same.
   */
  reportRetry(report: RetryReport): RetryEvent;
  /** Reports a retry the outcome called for and the middleware did not make (its budget was spent): a `retry.refused` event. */
  reportRetryRefused(report: RetryRefusedReport): void;
  /**
   * Watches the rest of this call: its events and each attempt's request right before it is sent.
   * For operation-phase middleware (tracing, metrics, logging); observers are called synchronously
   * and their failures are ignored.
   */
  observe(observer: CallObserver): void;
}

/** What `reportRetry` takes: a RetryEvent without the fields the call fills in (the attempt is the last one sent). */
export type RetryReport = Omit<RetryEvent, 'type' | 'operationId' | 'time' | 'attempt'>;

/** What `reportRetryRefused` takes: a RetryRefusedEvent without the fields the call fills in (the attempt is the last one sent). */
export type RetryRefusedReport = Omit<RetryRefusedEvent, 'type' | 'operationId' | 'time' | 'attempt'>;
