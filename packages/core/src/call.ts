/** The executor's CallContexts: one per call, and one per attempt that reads through to it. */
import type { CallContext, RetryReport } from './context.js';
import type { RouteDescriptor } from './descriptor.js';
import { AbortError, ConfigurationError, TimeoutError } from './errors.js';
import { type CallEndEvent, type CallEvent, type CallObserver, errorTypeOf, type RetryEvent, type WaitReason } from './events.js';
import type { HttpRequest, HttpResponse, ResponseHeaders, Transport, TransportOptions } from './http.js';
import type { Listeners } from './listeners.js';
import type { Redaction } from './redaction.js';
import { CallState } from './state.js';

/** What every call of one client shares for its events. */
export interface CallHub {
  readonly listeners: Listeners;
  readonly redaction: Redaction;
  correlationOf(headers: ResponseHeaders): string | undefined;
}

/** How the call ended for the caller; `call.end` reports it. */
export type CallOutcome = { readonly response: HttpResponse; readonly correlationId: string | undefined } | { readonly error: unknown };

/** `errorType` of a response: its status for 4xx/5xx (OpenTelemetry's convention), none otherwise. */
function statusErrorType(status: number): string | undefined {
  return status >= 400 ? String(status) : undefined;
}

export class Call implements CallContext {
  /** Attempts started so far. */
  attempt = 0;
  /** Requests handed to the transport so far: what results and errors report as attempts. */
  sent = 0;
  waitedMs = 0;
  #waitingSince: number | undefined;
  readonly state = new CallState();
  readonly startedAt = Date.now();
  readonly #started = performance.now();
  #observers: CallObserver[] | undefined;
  // call.end waits for all three: the caller's outcome, the pipeline, and every request still out
  // (a hedging middleware may return while a losing attempt is in flight).
  #outcome: CallOutcome | undefined;
  #pipelineSettled = false;
  #inFlight = 0;
  #ended = false;
  #onIdle: (() => void) | undefined;

  constructor(
    readonly route: RouteDescriptor,
    readonly input: unknown,
    public request: HttpRequest,
    readonly signal: AbortSignal | undefined,
    readonly deadline: number,
    public attemptTimeout: number,
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
    if (this.#observers) {
      for (const observer of this.#observers) {
        try {
          observer.event?.(event);
        } catch {
          // An observer's failure is not the call's.
        }
      }
    }
    this.hub.listeners.emit(event);
  }

  emitStart(): void {
    if (!this.observed) return;
    const { operationId, method, path, deprecated } = this.route;
    this.emit({ type: 'call.start', operationId, time: this.startedAt, method, urlTemplate: path, deprecated: deprecated === true });
  }

  /** The caller's outcome is known; call.end follows once the pipeline and every request have settled. */
  finish(outcome: CallOutcome): void {
    this.#outcome ??= outcome;
    this.#maybeDone();
  }

  /** The pipeline's promise has settled. */
  pipelineSettled(): void {
    this.#pipelineSettled = true;
    this.#maybeDone();
  }

  /** Called once, when the pipeline and every request it sent have settled: what close() waits for. */
  onIdle(callback: () => void): void {
    this.#onIdle = callback;
  }

  /** Once the pipeline and every request have settled: close() is told, and call.end goes out when the outcome is known. */
  #maybeDone(): void {
    if (!this.#pipelineSettled || this.#inFlight > 0) return;
    const idle = this.#onIdle;
    this.#onIdle = undefined;
    idle?.();
    if (this.#ended || this.#outcome === undefined) return;
    this.#ended = true;
    this.#emitEnd(this.#outcome);
  }

  #emitEnd(outcome: CallOutcome): void {
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
      durationMs: performance.now() - this.#started,
      attempts: this.sent,
      waitedMs: this.waitedSoFar(),
      status,
      errorType,
      correlationId,
      outcome: kind,
    };
    this.emit(event);
    const error = 'error' in outcome ? outcome.error : undefined;
    for (const observer of this.#observers ?? []) {
      try {
        observer.ended?.(event, error);
      } catch {
        // An observer's failure is not the call's.
      }
    }
  }

  reportWait(reason: WaitReason, durationMs: number): void {
    this.waitedMs += durationMs;
    if (!this.observed) return;
    const time = Date.now();
    this.emit({ type: 'wait', operationId: this.route.operationId, time, reason, startTime: time - durationMs, durationMs, attempt: this.sent });
  }

  reportRetry(report: RetryReport): RetryEvent {
    // Numbered like the attempt events: the physical attempt that failed is the last one sent.
    // Built even when nobody observes: a retry is rare, and the middleware hands it on.
    const event: RetryEvent = { type: 'retry', operationId: this.route.operationId, time: Date.now(), attempt: this.sent, ...report };
    if (this.observed) this.emit(event);
    return event;
  }

  /** Hands one attempt's request to the transport: the last checks, the attempt's number, its events. */
  send(attempt: Attempt, transport: Transport): Promise<HttpResponse> {
    attempt.assertCanSend();
    const options = attempt.transportOptions();
    const number = ++this.sent;
    if (!this.observed) return transport.send(attempt.request, options);
    const { operationId, method } = this.route;
    this.emit({ type: 'attempt.start', operationId, time: Date.now(), attempt: number, method, url: this.hub.redaction.url(attempt.request.url) });
    for (const observer of this.#observers ?? []) {
      try {
        observer.beforeSend?.(attempt.request, number);
      } catch {
        // An observer's failure is not the call's.
      }
    }
    const started = performance.now();
    this.#inFlight++;
    const settled = (status: number | undefined, errorType: string | undefined, correlationId?: string): void => {
      this.#inFlight--;
      try {
        this.emit({ type: 'attempt.end', operationId, time: Date.now(), attempt: number, durationMs: performance.now() - started, status, errorType, correlationId });
      } finally {
        this.#maybeDone();
      }
    };
    let sending: Promise<HttpResponse>;
    try {
      sending = this.#sendAround(0, () => transport.send(attempt.request, options));
    } catch (error) {
      // A transport that throws instead of rejecting still ends its attempt; passed on as thrown.
      // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors
      sending = Promise.reject(error);
    }
    return sending.then(
      (response) => {
        // Read defensively: a custom transport's malformed answer must still end the attempt
        // (the client then reports it as a ConfigurationError).
        const status = (response as HttpResponse | undefined)?.status;
        if (typeof status !== 'number') {
          settled(undefined, '_OTHER');
          return response;
        }
        let correlationId: string | undefined;
        try {
          correlationId = this.hub.correlationOf(response.headers);
        } catch {
          correlationId = undefined;
        }
        settled(status, statusErrorType(status), correlationId);
        return response;
      },
      (error: unknown) => {
        settled(undefined, errorTypeOf(error));
        throw error;
      },
    );
  }

  /** Runs `send` inside the aroundSend of every observer from `index` on, the first outermost. */
  #sendAround(index: number, send: () => Promise<HttpResponse>): Promise<HttpResponse> {
    const observers = this.#observers ?? [];
    for (let i = index; i < observers.length; i++) {
      const observer = observers[i];
      if (observer?.aroundSend) return observer.aroundSend(() => this.#sendAround(i + 1, send));
    }
    return send();
  }

  timeLeft(): number {
    return this.deadline === Infinity ? Infinity : Math.max(0, this.deadline - Date.now());
  }

  /** Throws instead of sending what the caller no longer wants or has no time for. */
  assertCanSend(): void {
    const { operationId } = this.route;
    if (this.signal?.aborted) throw new AbortError(this.signal.reason, { operationId });
    if (this.deadline !== Infinity && Date.now() >= this.deadline) {
      throw new TimeoutError('deadline', Math.max(0, this.deadline - this.startedAt), { operationId, requestMayHaveBeenSent: false });
    }
  }

  sleep(ms: number, reason: WaitReason = 'backoff'): Promise<void> {
    const { signal } = this;
    const operationId = this.route.operationId;
    const started = performance.now();
    this.#waitingSince = started;
    return new Promise<void>((resolve, reject) => {
      const abort = (): void => {
        clearTimeout(timer);
        reject(new AbortError(signal?.reason, { operationId }));
      };
      const timer = setTimeout(() => {
        signal?.removeEventListener('abort', abort);
        resolve();
      }, Math.max(0, ms));
      if (signal?.aborted) abort();
      else signal?.addEventListener('abort', abort, { once: true });
    }).finally(() => {
      this.#waitingSince = undefined;
      this.reportWait(reason, performance.now() - started);
    });
  }

  /** Time waited so far, including a wait still running (the call may end in the middle of one). */
  waitedSoFar(): number {
    return this.waitedMs + (this.#waitingSince === undefined ? 0 : performance.now() - this.#waitingSince);
  }

  /** The context of the next attempt, with its own number and its own copy of the request. */
  beginAttempt(): Attempt {
    this.assertCanSend();
    return new Attempt(this, ++this.attempt, { ...this.request, headers: { ...this.request.headers } });
  }
}

/**
 * One attempt's context: its own number, request and timeout; everything else (state, signal,
 * deadline) is the call's. Attempts running side by side (a hedging middleware) therefore never
 * share a request. A class rather than Object.create(call): an object used as a prototype costs
 * V8 several microseconds to re-shape, on every call.
 */
export class Attempt implements CallContext {
  attemptTimeout: number;

  constructor(
    readonly call: Call,
    readonly attempt: number,
    public request: HttpRequest,
  ) {
    this.attemptTimeout = call.attemptTimeout;
  }

  get route(): RouteDescriptor {
    return this.call.route;
  }
  get input(): unknown {
    return this.call.input;
  }
  get signal(): AbortSignal | undefined {
    return this.call.signal;
  }
  get deadline(): number {
    return this.call.deadline;
  }
  get startedAt(): number {
    return this.call.startedAt;
  }
  get state(): CallState {
    return this.call.state;
  }
  get waitedMs(): number {
    return this.call.waitedMs;
  }
  set waitedMs(ms: number) {
    this.call.waitedMs = ms;
  }

  timeLeft(): number {
    return this.call.timeLeft();
  }

  sleep(ms: number, reason?: WaitReason): Promise<void> {
    return this.call.sleep(ms, reason);
  }

  reportWait(reason: WaitReason, durationMs: number): void {
    this.call.reportWait(reason, durationMs);
  }

  reportRetry(report: RetryReport): RetryEvent {
    return this.call.reportRetry(report);
  }

  observe(observer: CallObserver): void {
    this.call.observe(observer);
  }

  assertCanSend(): void {
    this.call.assertCanSend();
  }

  transportOptions(): TransportOptions {
    const { operationId } = this.call.route;
    if (!(this.attemptTimeout >= 0)) throw new ConfigurationError('attemptTimeout must be a non-negative number of milliseconds', { operationId });
    const left = this.call.timeLeft();
    const bound = left < this.attemptTimeout;
    return { signal: this.call.signal, timeout: bound ? left : this.attemptTimeout, timeoutKind: bound ? 'deadline' : 'attempt', operationId };
  }
}
