/** A call's pipeline raced against its deadline and signal. */
import type { Call } from './call.js';
import { waitFor } from './abortable.js';
import { TimeoutError } from './errors.js';
import type { HttpResponse } from './http.js';
import { MAX_TIMER_MS } from './transports/attempt-timer.js';

/**
 * Settles with `pending`, or earlier when the deadline passes or the signal aborts: a
 * middleware that waits (a backoff, a queue) without watching them cannot hold the caller.
 * What it does afterwards cannot send: every attempt checks both before it goes out.
 */
export function bounded(pending: Promise<HttpResponse>, call: Call): Promise<HttpResponse> {
  const { signal, deadline, route } = call;
  return waitFor<HttpResponse>(
    (settle, fail) => {
      const left = call.timeLeft();
      const timer =
        left <= MAX_TIMER_MS
          ? setTimeout(
              () => fail(new TimeoutError('deadline', Math.max(0, deadline - call.startedAt), { operationId: route.operationId })),
              left,
            )
          : undefined;
      // Passed on as the pipeline settles, unless the deadline or the signal came first.
      pending.then(settle, fail);
      return () => clearTimeout(timer);
    },
    signal,
    route.operationId,
  );
}
