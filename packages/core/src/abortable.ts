/**
 * The one home of "wait for something, or the caller's abort, whichever comes first": a call's
 * sleep, its race against its deadline, a guest's turn to send, an answer on a socket. Each of
 * them must reject with the caller's AbortError at once, and leave nothing behind whichever way it
 * ends (no timer, no abort listener: a long-lived signal would gather one per wait).
 */
import { AbortError } from './errors.js';

/**
 * Waits for what `arm` settles, or `signal`'s abort (an {@link AbortError} naming `operationId`),
 * whichever comes first. `arm` starts the wait and returns how to undo it (clear its timer, drop
 * its listener); that runs once the wait has ended either way, and the abort listener goes too.
 * An aborted signal rejects at once, without arming anything.
 */
export function waitFor<T>(
  arm: (settle: (value: T) => void, fail: (error: unknown) => void) => (() => void) | void,
  signal: AbortSignal | undefined,
  operationId: string,
): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    if (signal?.aborted) return reject(new AbortError(signal.reason, { operationId }));
    let done = false;
    // Not const: `finish` may run while `arm` is still arming, before there is anything to undo.
    // eslint-disable-next-line prefer-const
    let disarm: (() => void) | void;
    const finish = (): boolean => {
      if (done) return false;
      done = true;
      disarm?.();
      signal?.removeEventListener('abort', onAbort);
      return true;
    };
    const onAbort = (): void => {
      if (finish()) reject(new AbortError(signal?.reason, { operationId }));
    };
    disarm = arm(
      (value) => {
        if (finish()) resolve(value);
      },
      (error) => {
        // Passed on as it came.
        // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors
        if (finish()) reject(error);
      },
    );
    // Settled while arming: `finish` ran before there was anything to undo.
    if (done) disarm?.();
    else signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/** `promise`, or the AbortError of `signal` when it aborts first (the promise goes on, for whoever else waits on it). */
export function untilAborted<T>(promise: Promise<T>, signal: AbortSignal | undefined, operationId: string): Promise<T> {
  if (!signal) return promise;
  // Already aborted, waitFor arms nothing: the promise's failure, which nobody waits for now, must still be heard.
  if (signal.aborted) promise.then(undefined, () => undefined);
  return waitFor<T>((settle, fail) => void promise.then(settle, fail), signal, operationId);
}

/** Resolves after `ms` (0 for a negative one), or rejects with the AbortError of `signal` when it aborts first. */
export function abortableSleep(ms: number, signal: AbortSignal | undefined, operationId: string): Promise<void> {
  return waitFor<void>(
    (settle) => {
      const timer = setTimeout(settle, Math.max(0, ms));
      return () => clearTimeout(timer);
    },
    signal,
    operationId,
  );
}
