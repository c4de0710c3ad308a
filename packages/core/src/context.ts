/** What a middleware sees of one call. */
import type { RouteDescriptor } from './descriptor.js';
import type { HttpRequest } from './http.js';
import type { CallState } from './state.js';

export interface CallContext {
  /** The operation being called. */
  readonly route: RouteDescriptor;
  /** The caller's validated input. */
  readonly input: unknown;
  /**
   * The request about to be sent. Each attempt starts from a fresh copy of the call's request,
   * so what an attempt-phase middleware writes (an Authorization header) never leaks into the
   * next attempt; what an operation- or retry-phase middleware writes before the first attempt
   * applies to all of them.
   */
  request: HttpRequest;
  /** 0 before the first attempt, then 1, 2, … */
  readonly attempt: number;
  /** The caller's signal, if any. */
  readonly signal: AbortSignal | undefined;
  /** Epoch milliseconds by which the whole call must end; Infinity for none. */
  readonly deadline: number;
  /** Milliseconds one attempt may take; middleware may change it for the attempts to come. */
  attemptTimeout: number;
  /** Epoch milliseconds when the call started. */
  readonly startedAt: number;
  /** Typed state that middleware share within this call. */
  readonly state: CallState;
  /** Milliseconds until the deadline (Infinity when there is none, 0 once it has passed). */
  timeLeft(): number;
}
