/**
 * The retry middleware: p-retry runs the loop, decideRetry (pure) says what each outcome means,
 * and the waits are ours: honouring the server's Retry-After, bounded by the call's deadline,
 * cancelled at once by its signal, counted in the call's `waitedMs`. A budget per client keeps an
 * outage from multiplying traffic.
 */
import {
  type CallContext,
  ConfigurationError,
  createStateKey,
  errorTypeOf,
  type HttpResponse,
  isReplayable,
  type Middleware,
  type RetryEvent,
  stateEntry,
  type StateEntry,
} from '@switchboard/core';
import pRetry from 'p-retry';
import { type Decision, decideRetry, type Outcome, type RetrySettings, statusStands } from './retry-decision.js';
import { RetryBudget, type RetryBudgetOptions } from './retry-budget.js';

/**
 * What {@link RetryOptions.onRetry} is given: the call's `retry` event, the very one
 * `client.on('retry')` listeners get, numbered by the physical attempt that failed.
 * @deprecated Use `RetryEvent` of `@switchboard/core`; this name stays for code written against 0.1.
 */
export type RetryNotice = RetryEvent;

/**
 * What {@link retry} takes. Each {@link RetrySettings} field is optional here: a field left out
 * takes its value in {@link DEFAULT_RETRY_SETTINGS} (`maxAttempts` 4, `baseMs` 200, `capMs` 10 000,
 * `maxServerWaitMs` 60 000, `minWaitMs` 100).
 */
export interface RetryOptions extends Partial<RetrySettings> {
  /**
   * The client's retry budget; `false` for none. Default: a RetryBudget with its defaults.
   * @default a new {@link RetryBudget} with its default options
   */
  readonly budget?: RetryBudget | RetryBudgetOptions | false;
  /**
   * Given every retry's event before its wait (for logs and metrics): the same `retry` event
   * `client.on('retry')` listeners get.
   * @default nobody is told
   */
  readonly onRetry?: (event: RetryEvent) => void;
  /**
   * The random source of the backoff's jitter, a number in [0, 1).
   * @default `Math.random`
   */
  readonly random?: () => number;
  /**
   * Middleware name.
   * @default `'retry'`
   */
  readonly name?: string;
}

/** Per-call settings: `{ state: [retryPerCall({ maxAttempts: 1 })] }` turns retries off for one call. */
export interface RetryPerCall {
  /**
   * Attempts in all for this call, the first included (at least 1).
   * @default the middleware's `maxAttempts`
   */
  readonly maxAttempts?: number;
}

const perCallKey = createStateKey<RetryPerCall>('switchboard.retry');

/** A state entry for `CallOptions.state` that changes the retry settings of one call. */
export function retryPerCall(settings: RetryPerCall): StateEntry<RetryPerCall> {
  return stateEntry(perCallKey, settings);
}

/** The settings {@link retry} uses for every field its options leave out. */
export const DEFAULT_RETRY_SETTINGS: RetrySettings = {
  maxAttempts: 4,
  baseMs: 200,
  capMs: 10_000,
  maxServerWaitMs: 60_000,
  minWaitMs: 100,
};

/** @deprecated Renamed {@link DEFAULT_RETRY_SETTINGS}; this name stays until 1.0. */
export const DEFAULT_RETRY_POLICY: RetrySettings = DEFAULT_RETRY_SETTINGS;

/** p-retry's signal that an outcome should be tried again; never leaves this module. */
class RetryWanted extends Error {
  constructor(
    readonly outcome: Outcome,
    readonly decision: Extract<Decision, { action: 'retry' }>,
  ) {
    super('retry wanted');
  }
}

/**
 * An outcome that stands, wrapped so that p-retry only ever sees Error instances: it rewrites
 * other throwables into a TypeError whose message quotes them (which could quote a secret).
 */
class Final extends Error {
  constructor(readonly thrown: unknown) {
    super('final outcome');
  }
}

/** What stands once no retry follows: the last response, or the error to throw. */
function standingOutcome(error: unknown): HttpResponse {
  if (error instanceof Final) throw error.thrown;
  // Out of attempts or of budget: the last outcome stands.
  if (!(error instanceof RetryWanted)) throw error;
  if ('response' in error.outcome) return error.outcome.response;
  throw error.outcome.error;
}

/** What an attempt's outcome means for the call `ctx`: the response that stands, or a RetryWanted or Final to throw. */
function judgeOutcome(outcome: Outcome, ctx: CallContext, settings: RetrySettings, random: () => number): HttpResponse {
  const { operationId, idempotent } = ctx.route;
  const facts = { operationId, attempt: ctx.attempt, idempotent, timeLeftMs: ctx.timeLeft(), nowMs: Date.now(), random };
  const decision = decideRetry(outcome, facts, settings);
  // A streamed body the attempt read cannot go again (what is left of it is not all of it): the outcome stands.
  if (decision.action === 'retry' && isReplayable(ctx.request)) throw new RetryWanted(outcome, decision);
  if (decision.action === 'fail') throw new Final(decision.error);
  if ('response' in outcome) return outcome.response;
  throw new Final(outcome.error);
}

function checkSettings(settings: RetrySettings): void {
  if (!Number.isInteger(settings.maxAttempts) || settings.maxAttempts < 1)
    throw new ConfigurationError('retry: maxAttempts must be a whole number of at least 1');
  for (const [name, value] of Object.entries(settings)) {
    if (!(typeof value === 'number' && value >= 0 && !Number.isNaN(value)))
      throw new ConfigurationError(`retry: ${name} must be a non-negative number`);
  }
}

function describe(outcome: Outcome): { status?: number; errorType: string } {
  if ('response' in outcome) return { status: outcome.response.status, errorType: String(outcome.response.status) };
  return { errorType: errorTypeOf(outcome.error) };
}

/**
 * The retry-phase middleware: 429 always retried (after the server's wait), 408 and 5xx, timeouts
 * and network errors retried when replaying is safe (see {@link decideRetry}), with full-jitter
 * backoff and a {@link RetryBudget} per client. Waits honour the call's deadline and signal.
 * Throws a ConfigurationError for a bad settings.
 */
export function retry(options: RetryOptions = {}): Middleware & {
  /** The middleware's retry budget; undefined with `budget: false`. */
  readonly budget: RetryBudget | undefined;
} {
  const settings: RetrySettings = {
    maxAttempts: options.maxAttempts ?? DEFAULT_RETRY_SETTINGS.maxAttempts,
    baseMs: options.baseMs ?? DEFAULT_RETRY_SETTINGS.baseMs,
    capMs: options.capMs ?? DEFAULT_RETRY_SETTINGS.capMs,
    maxServerWaitMs: options.maxServerWaitMs ?? DEFAULT_RETRY_SETTINGS.maxServerWaitMs,
    minWaitMs: options.minWaitMs ?? DEFAULT_RETRY_SETTINGS.minWaitMs,
  };
  checkSettings(settings);
  const budget =
    options.budget === false ? undefined : options.budget instanceof RetryBudget ? options.budget : new RetryBudget(options.budget);
  const random = options.random ?? Math.random;

  return {
    name: options.name ?? 'retry',
    phase: 'retry',
    budget,
    async handle(ctx, next) {
      // Most calls succeed at once, so the first attempt runs outside p-retry (setting up its loop
      // costs about 5 µs of CPU, several times the whole pipeline), and an answer that stands
      // whatever the facts (statusStands) returns before any of them is gathered.
      let first: Outcome;
      try {
        first = { response: await next() };
      } catch (error) {
        first = { error };
      }
      if ('response' in first && statusStands(first.response.status)) {
        if (first.response.status < 400) budget?.recordSuccess();
        return first.response;
      }
      const perCall = ctx.state.get(perCallKey);
      const callSettings: RetrySettings =
        perCall?.maxAttempts !== undefined ? { ...settings, maxAttempts: Math.max(1, perCall.maxAttempts) } : settings;
      const judge = (outcome: Outcome): HttpResponse => judgeOutcome(outcome, ctx, callSettings, random);

      const attemptOnce = async (): Promise<HttpResponse> => {
        let outcome: Outcome;
        try {
          outcome = { response: await next() };
        } catch (error) {
          outcome = { error };
        }
        return judge(outcome);
      };

      const prepareRetry = async (wanted: RetryWanted): Promise<boolean> => {
        // A 429 costs the budget nothing: the server said when to come back, the retry waits that
        // long (never less than minWaitMs) and pauseAfter429 holds the client's other calls too, so
        // it cannot multiply traffic, which is what the budget is for (outages: 5xx, timeouts).
        const throttled = 'response' in wanted.outcome && wanted.outcome.response.status === 429;
        if (budget && !throttled && !budget.tryTakeRetry()) return false;
        const { waitMs, reason } = wanted.decision;
        const event = ctx.reportRetry({ waitMs, reason, ...describe(wanted.outcome) });
        try {
          options.onRetry?.(event);
        } catch {
          // A listener's failure is not the call's.
        }
        await ctx.sleep(waitMs, reason);
        return true;
      };

      let response: HttpResponse;
      try {
        response = judge(first);
      } catch (thrown) {
        if (!(thrown instanceof RetryWanted) || callSettings.maxAttempts < 2 || !(await prepareRetry(thrown)))
          return standingOutcome(thrown);
        try {
          response = await pRetry(attemptOnce, {
            retries: callSettings.maxAttempts - 2,
            // The waits are ours (prepareRetry): p-retry's own delay is off.
            minTimeout: 0,
            maxTimeout: 0,
            factor: 1,
            shouldRetry: ({ error }) => (error instanceof RetryWanted ? prepareRetry(error) : false),
          });
        } catch (error) {
          return standingOutcome(error);
        }
      }
      if (response.status < 400) budget?.recordSuccess();
      return response;
    },
  };
}
