/** The executor's CallContexts: one per call, and one per attempt that reads through to it. */
import type { CallContext } from './context.js';
import type { RouteDescriptor } from './descriptor.js';
import { AbortError, ConfigurationError, TimeoutError } from './errors.js';
import type { HttpRequest, TransportOptions } from './http.js';
import { CallState } from './state.js';

export class Call implements CallContext {
  /** Attempts started so far. */
  attempt = 0;
  /** Requests handed to the transport so far: what results and errors report as attempts. */
  sent = 0;
  waitedMs = 0;
  #waitingSince: number | undefined;
  readonly state = new CallState();
  readonly startedAt = Date.now();

  constructor(
    readonly route: RouteDescriptor,
    readonly input: unknown,
    public request: HttpRequest,
    readonly signal: AbortSignal | undefined,
    readonly deadline: number,
    public attemptTimeout: number,
  ) {}

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

  sleep(ms: number): Promise<void> {
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
      this.waitedMs += performance.now() - started;
      this.#waitingSince = undefined;
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

  sleep(ms: number): Promise<void> {
    return this.call.sleep(ms);
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
