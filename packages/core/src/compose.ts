/**
 * Composes ordered middleware and a transport into one function: outer phases, then the attempt
 * boundary (an attempt context with its own request copy; abort and deadline checks), then
 * attempt middleware, then the transport. `next` may be called any number of times, also
 * concurrently: each call is one more attempt.
 */
import type { Attempt } from './attempt.js';
import type { Call } from './call.js';
import type { HttpResponse, Transport } from './http.js';
import type { Middleware } from './middleware.js';

export type Runner = (call: Call) => Promise<HttpResponse>;

/** Runs `step`, turning a synchronous throw (or a plain return) into a promise so that every `next()` is one. */
function asPromise(step: () => Promise<HttpResponse>): Promise<HttpResponse> {
  try {
    // A middleware that returns a plain value instead of a promise still gives one.
    return Promise.resolve(step());
  } catch (error) {
    // Rethrown as is: whatever a middleware threw is the caller's to see.
    // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors
    return Promise.reject(error);
  }
}

export function compose(ordered: readonly Middleware[], transport: Transport): Runner {
  const outer = ordered.filter((m) => m.phase !== 'attempt');
  const inner = ordered.filter((m) => m.phase === 'attempt');

  // Each `next` is one closure: it runs the next step and turns a throw into a rejection itself
  // (asPromise would cost a second closure per middleware and call).
  const runInner = (attempt: Attempt, i: number): Promise<HttpResponse> => {
    const middleware = inner[i];
    if (middleware === undefined) {
      // Attempt middleware may have waited (for a token, for quota): Attempt.send checks again, last thing.
      return attempt.send(transport);
    }
    return middleware.handle(attempt, () => {
      try {
        return Promise.resolve(runInner(attempt, i + 1));
      } catch (error) {
        // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors
        return Promise.reject(error);
      }
    });
  };

  const runOuter = (call: Call, i: number): Promise<HttpResponse> => {
    const middleware = outer[i];
    if (middleware === undefined) return runInner(call.beginAttempt(), 0);
    return middleware.handle(call, () => {
      try {
        return Promise.resolve(runOuter(call, i + 1));
      } catch (error) {
        // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors
        return Promise.reject(error);
      }
    });
  };

  return (call) => asPromise(() => runOuter(call, 0));
}
