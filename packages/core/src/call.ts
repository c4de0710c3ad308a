/** The executor's own CallContext: one per call, and one per attempt derived from it. */
import type { CallContext } from './context.js';
import type { RouteDescriptor } from './descriptor.js';
import { AbortError, ConfigurationError, TimeoutError } from './errors.js';
import type { HttpRequest, TransportOptions } from './http.js';
import { CallState } from './state.js';

export class Call implements CallContext {
  /** On the call: attempts started so far. On an attempt's context: that attempt's number. */
  attempt = 0;
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
      throw new TimeoutError('deadline', Math.max(0, this.deadline - this.startedAt), { operationId });
    }
  }

  /**
   * The context of the next attempt: its own number and its own copy of the call's request as
   * the outer middleware left it, everything else (state, signal, deadline) read through to the
   * call. Attempts running side by side (a hedging middleware) therefore never share a request.
   */
  beginAttempt(): Call {
    this.assertCanSend();
    const attempt = Object.create(this) as Call;
    attempt.attempt = ++this.attempt;
    attempt.request = { ...this.request, headers: { ...this.request.headers } };
    return attempt;
  }

  transportOptions(): TransportOptions {
    if (!(this.attemptTimeout >= 0)) {
      throw new ConfigurationError(`attemptTimeout must be a non-negative number of milliseconds`, { operationId: this.route.operationId });
    }
    const left = this.timeLeft();
    const bound = left < this.attemptTimeout;
    return {
      signal: this.signal,
      timeout: bound ? left : this.attemptTimeout,
      timeoutKind: bound ? 'deadline' : 'attempt',
      operationId: this.route.operationId,
    };
  }
}
