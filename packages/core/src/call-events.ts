/** One call's events: who watches them (its observers, the client's listeners) and how each is built. */
import type { RouteDescriptor } from './descriptor.js';
import { type CallEndEvent, type CallEvent, type CallObserver, errorTypeOf, type RetryEvent, type WaitReason } from './events.js';
import type { HttpRequest, HttpResponse, ResponseHeaders } from './http.js';
import { isolated } from './listener-set.js';
import type { Listeners } from './listeners.js';
import type { RetryRefusedReport, RetryReport } from './context.js';
import type { Redaction } from './redaction.js';

/** What every call of one client shares for its events. */
export interface CallHub {
  readonly listeners: Listeners;
  readonly redaction: Redaction;
  correlationOf(headers: ResponseHeaders): string | undefined;
}

/** How the call ended for the caller; `call.end` reports it. */
export type CallOutcome = { readonly response: HttpResponse; readonly correlationId: string | undefined } | { readonly error: unknown };

/** The call's own figures that `call.end` carries. */
export interface CallTotals {
  readonly durationMs: number;
  readonly waitedMs: number;
}

/** Calls `fn` on each observer, isolated: an observer's failure is not the call's. Callers check for observers first, so no closure is made for none. */
function notify(observers: readonly CallObserver[], fn: (observer: CallObserver) => void): void {
  for (const observer of observers) isolated(fn, undefined, observer);
}

export class CallEvents {
  /**
   * Requests handed to the transport so far: the physical attempts, by which attempt events,
   * retries, waits, results and errors number and count. It may trail `CallContext.attempt`
   * (attempts started), since a started attempt can be refused before it is sent.
   */
  attemptsSent = 0;
  #observers: CallObserver[] | undefined;

  constructor(
    readonly route: RouteDescriptor,
    readonly hub: CallHub,
  ) {}

  /** Whether anyone watches this call: events are built only then, so an unwatched call pays nothing for them. */
  get observed(): boolean {
    return this.#observers !== undefined || this.hub.listeners.size > 0;
  }

  observe(observer: CallObserver): void {
    (this.#observers ??= []).push(observer);
  }

  emit(event: CallEvent): void {
    // Not notify(): this runs for every event of every watched call, and makes no closure.
    if (this.#observers) {
      // eslint-disable-next-line @typescript-eslint/unbound-method -- isolated() calls it on `observer`
      for (const observer of this.#observers) if (observer.event) isolated(observer.event, observer, event);
    }
    this.hub.listeners.emit(event);
  }

  start(time: number): void {
    if (!this.observed) return;
    const { operationId, method, path, deprecated } = this.route;
    this.emit({ type: 'call.start', operationId, time, method, urlTemplate: path, deprecated: deprecated === true });
  }

  end(outcome: CallOutcome, totals: CallTotals): void {
    if (!this.observed) return;
    let status: number | undefined;
    let kind: CallEndEvent['outcome'];
    let errorType: string | undefined;
    let correlationId: string | undefined;
    if ('response' in outcome) {
      status = outcome.response.status;
      kind = status >= 200 && status <= 299 ? 'success' : 'http-error';
      correlationId = outcome.correlationId;
    } else {
      // Whatever was thrown is a failure named by its class (RateLimitError, ResponseParseError…),
      // even when it carries the status of the response behind it.
      const failed = outcome.error as { status?: unknown; correlationId?: unknown } | null | undefined;
      status = typeof failed?.status === 'number' ? failed.status : undefined;
      kind = 'failure';
      correlationId = typeof failed?.correlationId === 'string' ? failed.correlationId : undefined;
      errorType = errorTypeOf(outcome.error);
    }
    if (kind === 'http-error') errorType = String(status);
    const { operationId, method, path } = this.route;
    // One literal, not a spread of a shared base: this runs once per observed call.
    const event: CallEndEvent = {
      type: 'call.end',
      operationId,
      time: Date.now(),
      method,
      urlTemplate: path,
      durationMs: totals.durationMs,
      attempts: this.attemptsSent,
      waitedMs: totals.waitedMs,
      status,
      errorType,
      correlationId,
      outcome: kind,
    };
    this.emit(event);
    const error = 'error' in outcome ? outcome.error : undefined;
    if (this.#observers) notify(this.#observers, (observer) => observer.ended?.(event, error));
  }

  wait(reason: WaitReason, durationMs: number): void {
    if (!this.observed) return;
    const time = Date.now();
    this.emit({
      type: 'wait',
      operationId: this.route.operationId,
      time,
      reason,
      startTime: time - durationMs,
      durationMs,
      attempt: this.attemptsSent,
    });
  }

  retry(report: RetryReport): RetryEvent {
    // Numbered like the attempt events: the physical attempt that failed is the last one sent.
    // Built even when nobody observes: a retry is rare, and the middleware hands it on.
    const event: RetryEvent = {
      type: 'retry',
      operationId: this.route.operationId,
      time: Date.now(),
      attempt: this.attemptsSent,
      ...report,
    };
    if (this.observed) this.emit(event);
    return event;
  }

  retryRefused(report: RetryRefusedReport): void {
    if (!this.observed) return;
    // Numbered as the retry it replaces would have been.
    this.emit({ type: 'retry.refused', operationId: this.route.operationId, time: Date.now(), attempt: this.attemptsSent, ...report });
  }

  /** `attempt.start`, then each observer's `beforeSend` with the attempt's own request. */
  attemptStart(attempt: number, request: HttpRequest): void {
    const { operationId, method } = this.route;
    this.emit({ type: 'attempt.start', operationId, time: Date.now(), attempt, method, url: this.hub.redaction.url(request.url) });
    if (this.#observers) notify(this.#observers, (observer) => observer.beforeSend?.(request, attempt));
  }

  attemptEnd(attempt: number, durationMs: number, status: number | undefined, errorType: string | undefined, correlationId?: string): void {
    this.emit({
      type: 'attempt.end',
      operationId: this.route.operationId,
      time: Date.now(),
      attempt,
      durationMs,
      status,
      errorType,
      correlationId,
    });
  }

  /** Runs `send` inside the `aroundSend` of every observer from `index` on, the first outermost. */
  aroundSend(send: () => Promise<HttpResponse>, index = 0): Promise<HttpResponse> {
    const observers = this.#observers ?? [];
    for (let i = index; i < observers.length; i++) {
      const observer = observers[i];
      if (observer?.aroundSend) return observer.aroundSend(() => this.aroundSend(send, i + 1));
    }
    return send();
  }
}
