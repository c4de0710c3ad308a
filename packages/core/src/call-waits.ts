/** The time a call spends waiting on purpose: counted, reported as `wait` events, cancelled by the caller's signal. */
import type { CallEvents } from './call-events.js';
import { abortableSleep } from './abortable.js';
import type { WaitReason } from './events.js';

export class CallWaits {
  /** Milliseconds of the waits that have ended. */
  ms = 0;
  #since: number | undefined;

  constructor(
    private readonly events: CallEvents,
    private readonly signal: AbortSignal | undefined,
  ) {}

  report(reason: WaitReason, durationMs: number): void {
    this.ms += durationMs;
    this.events.wait(reason, durationMs);
  }

  sleep(ms: number, reason: WaitReason): Promise<void> {
    const { signal } = this;
    const { operationId } = this.events.route;
    const started = performance.now();
    this.#since = started;
    return abortableSleep(ms, signal, operationId).finally(() => {
      this.#since = undefined;
      this.report(reason, performance.now() - started);
    });
  }

  /** Time waited so far, including a wait still running (the call may end in the middle of one). */
  soFar(): number {
    return this.ms + (this.#since === undefined ? 0 : performance.now() - this.#since);
  }
}
