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

/**
 * Runs step `i` of `run` on `ctx`, turning a synchronous throw (or a plain return) into a promise
 * so that every `next()` is one. Its arguments are passed, not closed over: each `next` is then one
 * closure, not two, on every call.
 */
function stepOf<C>(run: (ctx: C, i: number) => Promise<HttpResponse>, ctx: C, i: number): Promise<HttpResponse> {
  try {
    // A middleware that returns a plain value instead of a promise still gives one.
    return Promise.resolve(run(ctx, i));
  } catch (error) {
    // Rethrown as is: whatever a middleware threw is the caller's to see.
    // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors
    return Promise.reject(error);
  }
}

export function compose(ordered: readonly Middleware[], transport: Transport): Runner {
  const outer = ordered.filter((m) => m.phase !== 'attempt');
  const inner = ordered.filter((m) => m.phase === 'attempt');

  const runInner = (attempt: Attempt, i: number): Promise<HttpResponse> => {
    const middleware = inner[i];
    if (middleware === undefined) {
      // Attempt middleware may have waited (for a token, for quota): Attempt.send checks again, last thing.
      return attempt.send(transport);
    }
    return middleware.handle(attempt, () => stepOf(runInner, attempt, i + 1));
  };

  const runOuter = (call: Call, i: number): Promise<HttpResponse> => {
    const middleware = outer[i];
    if (middleware === undefined) return runInner(call.beginAttempt(), 0);
    return middleware.handle(call, () => stepOf(runOuter, call, i + 1));
  };

  return (call) => stepOf(runOuter, call, 0);
}
