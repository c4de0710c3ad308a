/** The executor's own CallContext: one per call, advanced attempt by attempt. */
import type { CallContext } from './context.js';
import type { RouteDescriptor } from './descriptor.js';
import { AbortError, TimeoutError } from './errors.js';
import type { HttpRequest, TransportOptions } from './http.js';
import { CallState } from './state.js';

export class Call implements CallContext {
  attempt = 0;
  readonly state = new CallState();
  readonly startedAt = Date.now();
  #callRequest: HttpRequest;

  constructor(
    readonly route: RouteDescriptor,
    readonly input: unknown,
    public request: HttpRequest,
    readonly signal: AbortSignal | undefined,
    readonly deadline: number,
    public attemptTimeout: number,
  ) {
    this.#callRequest = request;
  }

  timeLeft(): number {
    return this.deadline === Infinity ? Infinity : Math.max(0, this.deadline - Date.now());
  }

  /** Throws instead of starting an attempt the caller no longer wants or has no time for. */
  beginAttempt(): void {
    const { operationId } = this.route;
    if (this.signal?.aborted) throw new AbortError(this.signal.reason, { operationId });
    if (this.deadline !== Infinity && Date.now() >= this.deadline) {
      throw new TimeoutError('deadline', this.deadline - this.startedAt, { operationId });
    }
    // Whatever outer middleware wrote before the first attempt belongs to every attempt.
    if (this.attempt === 0) this.#callRequest = this.request;
    this.attempt++;
    this.request = { ...this.#callRequest, headers: { ...this.#callRequest.headers } };
  }

  transportOptions(): TransportOptions {
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
