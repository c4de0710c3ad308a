/**
 * When a call is over. Two moments: idle, once the pipeline and every request it sent have
 * settled (what `close()` waits for), and ended, once the caller's outcome is known too (when
 * `call.end` goes out). A hedging middleware may return while a losing attempt is still out, and a
 * bounded call may give its caller an answer before its pipeline settles: hence the counting.
 */
import type { CallOutcome } from './call-events.js';

export class CallLifecycle {
  #outcome: CallOutcome | undefined;
  #pipelineSettled = false;
  #requestsOut = 0;
  #ended = false;
  #onIdle: (() => void) | undefined;

  /** `call.ended` runs once, with the caller's outcome, when the call has ended. */
  constructor(private readonly call: { ended(outcome: CallOutcome): void }) {}

  /** Called once, when the pipeline and every request it sent have settled. */
  onIdle(callback: () => void): void {
    this.#onIdle = callback;
  }

  /** The caller's outcome is known (the first one given counts). */
  decided(outcome: CallOutcome): void {
    this.#outcome ??= outcome;
    this.#check();
  }

  /** The pipeline's promise has settled. */
  pipelineSettled(): void {
    this.#pipelineSettled = true;
    this.#check();
  }

  requestSent(): void {
    this.#requestsOut++;
  }

  requestSettled(): void {
    this.#requestsOut--;
    this.#check();
  }

  #check(): void {
    if (!this.#pipelineSettled || this.#requestsOut > 0) return;
    const idle = this.#onIdle;
    this.#onIdle = undefined;
    idle?.();
    if (this.#ended || this.#outcome === undefined) return;
    this.#ended = true;
    this.call.ended(this.#outcome);
  }
}
