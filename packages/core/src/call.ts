/**
 * The executor's context for one call: what outer middleware see, and what starts each attempt.
 * Its parts live beside it: events (call-events.ts), waits (call-waits.ts), the moment it is over
 * (call-lifecycle.ts), and the attempt that hands a request to the transport (attempt.ts).
 */
import { Attempt } from './attempt.js';
import { CallEvents, type CallHub, type CallOutcome } from './call-events.js';
import { CallLifecycle } from './call-lifecycle.js';
import { CallScope } from './call-scope.js';
import { CallWaits } from './call-waits.js';
import type { RouteDescriptor } from './descriptor.js';
import type { HttpRequest } from './http.js';
import { CallState } from './state.js';

export type { CallHub, CallOutcome } from './call-events.js';

export class Call extends CallScope {
  declare request: HttpRequest;
  declare attemptTimeout: number;
  /** Attempts started so far (see CallEvents.attemptsSent for those sent). */
  declare attempt: number;
  declare readonly lifecycle: CallLifecycle;
  /** performance.now() at the start, for the call's duration. */
  declare readonly started: number;

  constructor(
    route: RouteDescriptor,
    input: unknown,
    request: HttpRequest,
    signal: AbortSignal | undefined,
    /** When the call started and when it must be over, in epoch milliseconds (one clock read for both). */
    times: { readonly startedAt: number; readonly deadline: number },
    limits: { readonly attemptTimeout: number; readonly maxResponseBytes: number },
    hub: CallHub,
  ) {
    const events = new CallEvents(route, hub);
    const { maxResponseBytes } = limits;
    super({
      route,
      input,
      signal,
      deadline: times.deadline,
      maxResponseBytes,
      startedAt: times.startedAt,
      state: new CallState(),
      events,
      waits: new CallWaits(events, signal),
    });
    this.request = request;
    this.attemptTimeout = limits.attemptTimeout;
    this.attempt = 0;
    this.lifecycle = new CallLifecycle(this);
    this.started = performance.now();
  }

  /** The lifecycle's word that the call has ended: `call.end` goes out. */
  ended(outcome: CallOutcome): void {
    // Checked here, before the totals are measured: an unwatched call pays nothing for them.
    if (this.events.observed) this.events.end(outcome, { durationMs: performance.now() - this.started, waitedMs: this.waits.soFar() });
  }

  /** Requests handed to the transport so far: what results and errors report as attempts. */
  get attemptsSent(): number {
    return this.events.attemptsSent;
  }

  /** The context of the next attempt, with its own number and its own copy of the request. */
  beginAttempt(): Attempt {
    this.assertCanSend();
    // Object.assign, not a spread: middleware add headers to the copy (authorization, traceparent),
    // and on Node 20 a property added to an object made by spread costs about 0.65 µs (V8 11.3).
    return new Attempt(this, ++this.attempt, { ...this.request, headers: Object.assign({}, this.request.headers) });
  }
}
