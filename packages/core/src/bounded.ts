/** A call's pipeline raced against its deadline and signal. */
import type { Call } from './call.js';
import { AbortError, TimeoutError } from './errors.js';
import type { HttpResponse } from './http.js';
import { MAX_TIMER_MS } from './transports/attempt-timer.js';

/**
 * Settles with `pending`, or earlier when the deadline passes or the signal aborts: a
 * middleware that waits (a backoff, a queue) without watching them cannot hold the caller.
 * What it does afterwards cannot send: every attempt checks both before it goes out.
 */
export function bounded(pending: Promise<HttpResponse>, call: Call): Promise<HttpResponse> {
  const { signal, deadline, route } = call;
  return new Promise<HttpResponse>((resolve, reject) => {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const onAbort = (): void => end(() => reject(new AbortError(signal?.reason, { operationId: route.operationId })));
    // Whichever of the three comes first ends the race: the timer and the abort listener go, then the promise settles.
    const end = (settle: () => void): void => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
      settle();
    };
    const left = call.timeLeft();
    if (left <= MAX_TIMER_MS) {
      timer = setTimeout(
        () => end(() => reject(new TimeoutError('deadline', Math.max(0, deadline - call.startedAt), { operationId: route.operationId }))),
        left,
      );
    }
    signal?.addEventListener('abort', onAbort, { once: true });
    pending.then(
      (response) => end(() => resolve(response)),
      // Passed on as the pipeline threw it.
      // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors
      (error: unknown) => end(() => reject(error)),
    );
  });
}
