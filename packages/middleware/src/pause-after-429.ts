/**
 * A client-wide pause after a 429 (attempt phase, before rate limiting and auth): when the server
 * answers 429, every call of the client in the same scope waits out the server's Retry-After (or
 * `inin-ratelimit-reset`) before it sends, not only the call that got it. Without it a caller that
 * loops on its calls turns a run of `429 Retry-After: 0` into a storm: each call's retries wait,
 * but the next call goes at once. The pause needs no rate limiter; with one, both hold the same
 * calls until the same time.
 *
 * A pause never ends sooner than `minPauseMs`, so `Retry-After: 0` cannot become a hot loop, and a
 * call whose deadline comes before the pause ends fails at once with a RateLimitError, sending
 * nothing. The wait is a `retry-after` wait in the call's events, spans and metrics.
 */
import type { CallContext, HttpResponse, Middleware, Next } from '@switchboard/core';
import { RateLimitError } from './errors.js';
import { type PauseBounds, pauseFor429, TOO_MANY_REQUESTS_DEFAULTS } from './too-many-requests.js';

/** What {@link pauseAfter429} takes. */
export interface PauseAfter429Options {
  /**
   * Which calls one 429 holds: those whose scope is the same. Servers count requests per
   * credential, so the default is the operation's auth scheme (WebChatAPI: per OAuth client, and
   * per conversation for the guest's JWT).
   * @default the route's `auth` scheme
   */
  readonly scopeOf?: (ctx: CallContext) => string;
  /**
   * The shortest pause, in ms, whatever the server says (a `Retry-After: 0` included).
   * @default `100`, the retry's `minWaitMs`
   */
  readonly minPauseMs?: number;
  /**
   * How long a 429 without a usable wait pauses, in ms.
   * @default `1_000`
   */
  readonly defaultPauseMs?: number;
  /**
   * The longest pause, in ms: a longer Retry-After (a daily limit) is left to the retry's cap.
   * @default `60_000`, the retry's `maxServerWaitMs`
   */
  readonly maxPauseMs?: number;
  /**
   * Middleware name.
   * @default `'pause-after-429'`
   */
  readonly name?: string;
}

/** The client-wide pause after a 429; see the module's description. */
export function pauseAfter429(options: PauseAfter429Options = {}): Middleware {
  const bounds: PauseBounds = {
    minMs: options.minPauseMs ?? TOO_MANY_REQUESTS_DEFAULTS.minWaitMs,
    defaultMs: options.defaultPauseMs ?? TOO_MANY_REQUESTS_DEFAULTS.defaultPauseMs,
    maxMs: options.maxPauseMs ?? TOO_MANY_REQUESTS_DEFAULTS.maxWaitMs,
  };
  const scopeOf = options.scopeOf ?? ((ctx: CallContext) => ctx.route.auth);
  /** Epoch ms until which each scope is held; a scope leaves when its pause is over. */
  const pausedUntil = new Map<string, number>();

  /** `response`, after starting or lengthening the scope's pause when it is a 429. */
  const noted = (scope: string, response: HttpResponse): HttpResponse => {
    if (response.status === 429) {
      const now = Date.now();
      pausedUntil.set(scope, Math.max(pausedUntil.get(scope) ?? 0, now + pauseFor429(response.headers, now, bounds)));
    }
    return response;
  };

  /** The attempt, once the scope's pause is over (or a refusal when it outlasts the call's time). */
  const waitThenSend = async (ctx: CallContext, scope: string, next: Next): Promise<HttpResponse> => {
    // Looked at again after every wait: a longer pause may have begun meanwhile (a 429 to a
    // request that was already out when this call began waiting).
    for (let until = pausedUntil.get(scope); until !== undefined; until = pausedUntil.get(scope)) {
      const waitMs = until - Date.now();
      if (waitMs <= 0) {
        pausedUntil.delete(scope);
        break;
      }
      if (waitMs >= ctx.timeLeft()) throw new RateLimitError(waitMs, 'deadline', { operationId: ctx.route.operationId });
      await ctx.sleep(waitMs, 'retry-after');
    }
    return noted(scope, await next());
  };

  return {
    name: options.name ?? 'pause-after-429',
    phase: 'attempt',
    handle(ctx, next) {
      try {
        const scope = scopeOf(ctx);
        // No pause on (nearly always): straight on, with only the answer to look at.
        if (!pausedUntil.has(scope)) return next().then((response) => noted(scope, response));
        return waitThenSend(ctx, scope, next);
      } catch (error) {
        // A failing scopeOf is a rejection, as from any middleware.
        // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors
        return Promise.reject(error);
      }
    },
  };
}
