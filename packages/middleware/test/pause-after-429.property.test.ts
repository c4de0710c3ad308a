/**
 * The client-wide pause after a 429 as a property, against a loopback server.
 *
 * fast-check generates scenarios: a run of server answers (429 with `Retry-After` 0, 1 or 2 s or
 * an HTTP-date, 429 with a fractional `inin-ratelimit-reset` only, 429 with no wait at all, or
 * 200; each after a random small latency) and callers (one looping, or a few side by side), whose
 * calls have no limit, a small deadline or an abort after a few ms. Each runs through
 * `createClient({ baseUrl, middleware: [retry(…), pauseAfter429(…)] })`. The server notes, with
 * `performance.now()`, when every request arrived and when it sent each 429 and what wait it
 * asked for. The rules under test:
 *
 * - the pause: no request that left the pause after the client had a 429 arrives before that
 *   429's pause is over, i.e. before `sent + min(max(asked, minPauseMs), maxPauseMs)` (less 5 ms
 *   for timer and clock granularity). A request already on its way when the client got the 429
 *   cannot be held and is not counted. Load only makes gaps longer, so this holds on a slow
 *   machine; no upper bound on any time is checked;
 * - a call that starts while a known pause lasts past its deadline fails with a RateLimitError
 *   and sends nothing; conversely, a RateLimitError with nothing sent is only ever due to a pause
 *   the client knew of before the call ended that lasts past the deadline;
 * - every call settles, as a 200, a 429 HttpError (out of attempts), or a RateLimitError or
 *   TimeoutError (deadline calls only) or AbortError (aborted calls only); an aborted call sends
 *   nothing after its abort.
 *
 * To tell which 429s the client knew of when a request left, two probes run in the attempt phase
 * beside the pause: one outside it notes when a 429 came back through it (by then the pause has
 * noted it), one inside it notes when each request left the pause and tags it for the server.
 *
 * Replay a run with `SWITCHBOARD_PROPERTY_SEED=<seed printed below> npx vitest run packages/middleware/test/pause-after-429.property.test.ts`.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { AbortError, type CallOptions, createClient, HttpError, type Middleware, TimeoutError } from '@switchboard/core';
import { pauseAfter429, RateLimitError, retry } from '@switchboard/middleware';
import { type Handler, startLoopback } from '../../../test/support/loopback.js';
import { propertySeed } from '../../../test/support/property-seed.js';
import { ping } from '../../../test/support/routes.js';
import { sleep } from '../../../test/support/time.js';

// ---------------------------------------------------------------------------------------------

const SEED = propertySeed('pause-after-429.property.test.ts');

const NUM_RUNS = 30;
/** Runs (shrinking included) stop after this long: a failure is still reported, with the smallest case found so far. */
const SHRINK_LIMIT_MS = 60_000;
/** Timer and clock granularity: Date.now() is whole milliseconds, timers fire on whole milliseconds. */
const TOLERANCE_MS = 5;
const DEFAULT_PAUSE_MS = 60;
const MAX_PAUSE_MS = 60_000;

// ---------------------------------------------------------------------------------------------
// Scenarios.

type Answer = { readonly latencyMs: number } & (
  | { readonly kind: 'retry-after'; readonly seconds: 0 | 1 | 2 }
  /** An HTTP-date: 3 s ago (a wait of 0), or the next whole second (a wait of up to 1 s). */
  | { readonly kind: 'http-date'; readonly when: 'past' | 'next-second' }
  /** No Retry-After, only `inin-ratelimit-reset` in fractional seconds. */
  | { readonly kind: 'reset'; readonly ms: number }
  /** A 429 that says nothing of when to come back: the pause's defaultPauseMs. */
  | { readonly kind: 'bare' }
  | { readonly kind: 'ok' }
);

interface CallSpec {
  readonly deadlineMs?: number;
  readonly abortAfterMs?: number;
}

interface Scenario {
  readonly transport: 'ky' | 'undici';
  readonly minPauseMs: number;
  readonly retryMinWaitMs: number;
  readonly maxAttempts: number;
  /** The server's answers in turn; 200 once they run out. */
  readonly answers: readonly Answer[];
  /** Each caller calls again as soon as its call settles; callers run side by side. */
  readonly callers: readonly { readonly startAfterMs: number; readonly calls: readonly CallSpec[] }[];
}

const latency = fc.oneof({ weight: 3, arbitrary: fc.constant(0) }, { weight: 1, arbitrary: fc.integer({ min: 1, max: 40 }) });
const withLatency = <T extends object>(answer: fc.Arbitrary<T>): fc.Arbitrary<T & { latencyMs: number }> =>
  fc.tuple(answer, latency).map(([a, latencyMs]) => ({ ...a, latencyMs }));

/** Answers that cost little time: waits of at most 150 ms (or the pause's floor). */
const quickAnswer: fc.Arbitrary<Answer> = fc.oneof(
  { weight: 2, arbitrary: withLatency(fc.constant({ kind: 'ok' as const })) },
  { weight: 3, arbitrary: withLatency(fc.constant({ kind: 'retry-after' as const, seconds: 0 as const })) },
  { weight: 3, arbitrary: withLatency(fc.integer({ min: 0, max: 150 }).map((ms) => ({ kind: 'reset' as const, ms }))) },
  { weight: 1, arbitrary: withLatency(fc.constant({ kind: 'http-date' as const, when: 'past' as const })) },
  { weight: 1, arbitrary: withLatency(fc.constant({ kind: 'bare' as const })) },
);

/** Answers that cost up to 2 s: at most one a scenario, in about a third of them. */
const slowAnswer: fc.Arbitrary<Answer> = fc.oneof(
  withLatency(fc.constant({ kind: 'retry-after' as const, seconds: 1 as const })),
  withLatency(fc.constant({ kind: 'http-date' as const, when: 'next-second' as const })),
  withLatency(fc.constant({ kind: 'retry-after' as const, seconds: 2 as const })),
);

const answers: fc.Arbitrary<readonly Answer[]> = fc
  .tuple(
    fc.array(quickAnswer, { minLength: 1, maxLength: 8 }),
    fc.oneof({ weight: 2, arbitrary: fc.constant(undefined) }, { weight: 1, arbitrary: slowAnswer }),
    fc.nat(),
  )
  .map(([quick, slow, at]) =>
    slow === undefined ? quick : [...quick.slice(0, at % (quick.length + 1)), slow, ...quick.slice(at % (quick.length + 1))],
  );

const callSpec: fc.Arbitrary<CallSpec> = fc.oneof(
  { weight: 3, arbitrary: fc.constant({}) },
  { weight: 2, arbitrary: fc.integer({ min: 5, max: 300 }).map((deadlineMs) => ({ deadlineMs })) },
  { weight: 1, arbitrary: fc.integer({ min: 0, max: 120 }).map((abortAfterMs) => ({ abortAfterMs })) },
);

const scenario: fc.Arbitrary<Scenario> = fc.record({
  transport: fc.constantFrom('ky' as const, 'undici' as const),
  minPauseMs: fc.constantFrom(20, 35, 50),
  retryMinWaitMs: fc.integer({ min: 0, max: 50 }),
  maxAttempts: fc.integer({ min: 1, max: 3 }),
  answers,
  callers: fc.array(
    fc.record({ startAfterMs: fc.integer({ min: 0, max: 20 }), calls: fc.array(callSpec, { minLength: 1, maxLength: 6 }) }),
    { minLength: 1, maxLength: 4 },
  ),
});

// ---------------------------------------------------------------------------------------------
// One run: the server's log, the probes' log, each call's outcome.

interface Arrival {
  readonly index: number;
  readonly at: number;
  readonly call: string;
  readonly probe: number;
}

interface Refusal {
  /** The arrival it answered. */
  readonly index: number;
  readonly sentAt: number;
  /** The wait it asked for, in ms; undefined when it gave none. */
  readonly askedMs: number | undefined;
  readonly header: string;
}

interface CallRecord {
  readonly id: string;
  readonly spec: CallSpec;
  startedAt: number;
  endedAt: number;
  abortedAt?: number;
  outcome?: { readonly status: number } | { readonly error: unknown };
}

/** How many pairs of (request, earlier 429) were checked, and how many were exempt as already on their way. */
const tally = { scenarios: 0, requests: 0, refusals: 0, pairsChecked: 0, inFlightExempt: 0, heldPastDeadline: 0 };

async function runScenario(s: Scenario): Promise<void> {
  const arrivals: Arrival[] = [];
  const refusals: Refusal[] = [];
  /** Answer index → when the 429 came back out of the pause (which had noted it by then). */
  const known = new Map<number, number>();
  /** Probe number → when the request left the pause, and its call. */
  const dispatches: { readonly at: number; readonly call: string }[] = [];

  const handler: Handler = async (request, res) => {
    const at = performance.now();
    const index = arrivals.length;
    arrivals.push({ index, at, call: String(request.headers['x-call']), probe: Number(request.headers['x-probe']) });
    const answer: Answer = s.answers[index] ?? { kind: 'ok', latencyMs: 0 };
    if (answer.latencyMs > 0) await sleep(answer.latencyMs);
    const headers: Record<string, string> = { 'content-type': 'application/json', 'x-answer': String(index) };
    if (answer.kind === 'ok') {
      res.writeHead(200, headers).end('{}');
      return;
    }
    const sentAt = performance.now();
    const now = Date.now();
    let askedMs: number | undefined;
    switch (answer.kind) {
      case 'retry-after':
        headers['retry-after'] = String(answer.seconds);
        askedMs = answer.seconds * 1000;
        break;
      case 'http-date': {
        const at = answer.when === 'past' ? now - 3_000 : Math.ceil((now + 1) / 1000) * 1000;
        headers['retry-after'] = new Date(at).toUTCString();
        askedMs = Math.max(0, at - now);
        break;
      }
      case 'reset':
        headers['inin-ratelimit-reset'] = (answer.ms / 1000).toFixed(3);
        askedMs = answer.ms;
        break;
      case 'bare':
        askedMs = undefined;
        break;
    }
    refusals.push({
      index,
      sentAt,
      askedMs,
      header: headers['retry-after'] ?? (headers['inin-ratelimit-reset'] ? `reset ${headers['inin-ratelimit-reset']}` : 'none'),
    });
    res.writeHead(429, headers).end('{"code":"too.many.requests"}');
  };

  const answersSeen: Middleware = {
    name: 'probe-answers',
    phase: 'attempt',
    async handle(_ctx, next) {
      const response = await next();
      if (response.status === 429) known.set(Number(response.headers.get('x-answer')), performance.now());
      return response;
    },
  };
  const sendsSeen: Middleware = {
    name: 'probe-sends',
    phase: 'attempt',
    handle(ctx, next) {
      const call = ctx.request.headers['x-call'] ?? '?';
      ctx.request.headers['x-probe'] = String(dispatches.length);
      dispatches.push({ at: performance.now(), call });
      return next();
    },
  };

  const server = await startLoopback(handler);
  const t0 = performance.now();
  const client = createClient({
    baseUrl: server.url,
    transport: s.transport,
    middleware: [
      retry({ maxAttempts: s.maxAttempts, minWaitMs: s.retryMinWaitMs, baseMs: 10, capMs: 50, budget: false }),
      answersSeen,
      pauseAfter429({ minPauseMs: s.minPauseMs, defaultPauseMs: DEFAULT_PAUSE_MS, maxPauseMs: MAX_PAUSE_MS }),
      sendsSeen,
    ],
  });
  const calls: CallRecord[] = [];
  const runCaller = async ({ startAfterMs, calls: specs }: Scenario['callers'][number]): Promise<void> => {
    await sleep(startAfterMs);
    for (const spec of specs) {
      const record: CallRecord = { id: `c${calls.length}`, spec, startedAt: 0, endedAt: 0 };
      calls.push(record);
      const controller = spec.abortAfterMs === undefined ? undefined : new AbortController();
      const timer =
        controller &&
        setTimeout(() => {
          record.abortedAt = performance.now();
          controller.abort();
        }, spec.abortAfterMs);
      const options: CallOptions = {
        headers: { 'x-call': record.id },
        ...(spec.deadlineMs === undefined ? {} : { totalTimeout: spec.deadlineMs }),
        ...(controller ? { signal: controller.signal } : {}),
      };
      record.startedAt = performance.now();
      try {
        record.outcome = { status: (await client.call(ping, {}, options)).status };
      } catch (error) {
        record.outcome = { error };
      } finally {
        record.endedAt = performance.now();
        clearTimeout(timer);
      }
    }
  };
  try {
    await Promise.all(s.callers.map(runCaller));
    await client.close();
  } finally {
    await server.close();
  }

  // ------------------------------------------------------------------------------------------
  // The rules.
  const violations: string[] = [];
  const t = (at: number | undefined): string => (at === undefined ? '-' : `${(at - t0).toFixed(1)}`);
  const pauseOf = (r: Refusal): number => Math.min(Math.max(r.askedMs ?? DEFAULT_PAUSE_MS, s.minPauseMs), MAX_PAUSE_MS);
  const endOf = (r: Refusal): number => r.sentAt + pauseOf(r);
  tally.scenarios++;
  tally.requests += arrivals.length;
  tally.refusals += refusals.length;

  // The pause: a request that left after the client had a 429 arrives after that 429's pause.
  for (const a of arrivals) {
    const left = dispatches[a.probe];
    if (left === undefined) {
      violations.push(`request #${a.index} (${a.call}) arrived without passing the probe inside the pause`);
      continue;
    }
    for (const r of refusals) {
      const knownAt = known.get(r.index);
      if (knownAt === undefined || r.index === a.index) continue;
      if (knownAt >= left.at) {
        if (a.index > r.index) tally.inFlightExempt++;
        continue;
      }
      tally.pairsChecked++;
      if (a.at < endOf(r) - TOLERANCE_MS) {
        violations.push(
          `request #${a.index} (${a.call}) arrived at ${t(a.at)} ms, ${(a.at - r.sentAt).toFixed(1)} ms after 429 #${r.index} (${r.header}) was sent at ${t(r.sentAt)} ms, ` +
            `whose pause is ${pauseOf(r).toFixed(1)} ms; the client had that 429 at ${t(knownAt)} ms and the request left the pause at ${t(left.at)} ms`,
        );
      }
    }
  }

  for (const c of calls) {
    const sent = dispatches.filter((d) => d.call === c.id).length;
    const arrived = arrivals.filter((a) => a.call === c.id);
    const what = `call ${c.id} ${JSON.stringify(c.spec)} started at ${t(c.startedAt)} ms`;
    const error = c.outcome && 'error' in c.outcome ? c.outcome.error : undefined;
    // A known pause that lasts past the call's deadline: RateLimitError, nothing sent.
    if (c.spec.deadlineMs !== undefined) {
      const deadline = c.startedAt + c.spec.deadlineMs;
      const holding = refusals.find((r) => (known.get(r.index) ?? Infinity) < c.startedAt && endOf(r) >= deadline + TOLERANCE_MS);
      if (holding) {
        tally.heldPastDeadline++;
        if (!(error instanceof RateLimitError) || sent > 0 || arrived.length > 0) {
          violations.push(
            `${what}, held by the pause of 429 #${holding.index} (until ${t(endOf(holding))} ms, past its deadline), ended with ${outcomeText(c.outcome)} after sending ${sent} (${arrived.length} arrived)`,
          );
        }
      }
      if (error instanceof RateLimitError && sent === 0) {
        const justified = refusals.some(
          (r) => (known.get(r.index) ?? Infinity) < c.endedAt && (known.get(r.index) ?? Infinity) + pauseOf(r) + TOLERANCE_MS >= deadline,
        );
        if (!justified)
          violations.push(
            `${what} failed with a RateLimitError having sent nothing, though no pause the client knew of lasted past its deadline`,
          );
      }
    }
    // Every call settles, in one of the ways its options allow.
    const allowed =
      c.outcome !== undefined &&
      ('status' in c.outcome
        ? c.outcome.status === 200
        : (error instanceof HttpError && error.status === 429) ||
          (error instanceof RateLimitError && error.reason === 'deadline' && c.spec.deadlineMs !== undefined) ||
          (error instanceof TimeoutError && error.kind === 'deadline' && c.spec.deadlineMs !== undefined) ||
          (error instanceof AbortError && c.spec.abortAfterMs !== undefined));
    if (!allowed) violations.push(`${what} ended with ${outcomeText(c.outcome)}`);
    // An aborted call sends nothing once aborted.
    if (c.abortedAt !== undefined) {
      for (const a of arrived) {
        const left = dispatches[a.probe];
        if (left && left.at > c.abortedAt)
          violations.push(`${what}, aborted at ${t(c.abortedAt)} ms, sent request #${a.index} at ${t(left.at)} ms`);
      }
    }
  }

  if (violations.length > 0) {
    const log = arrivals.map((a) => {
      const r = refusals.find((x) => x.index === a.index);
      return `  #${a.index} ${a.call} left ${t(dispatches[a.probe]?.at)} arrived ${t(a.at)}${r ? ` → 429 (${r.header}) sent ${t(r.sentAt)}, pause until ${t(endOf(r))}, client had it ${t(known.get(r.index))}` : ' → 200'}`;
    });
    const outcomes = calls.map(
      (c) =>
        `  ${c.id} ${JSON.stringify(c.spec)} started ${t(c.startedAt)}${c.abortedAt === undefined ? '' : ` aborted ${t(c.abortedAt)}`}: ${outcomeText(c.outcome)}`,
    );
    throw new Error([...violations, 'requests (ms from the start):', ...log, 'calls:', ...outcomes].join('\n'));
  }
}

function outcomeText(outcome: CallRecord['outcome']): string {
  if (outcome === undefined) return 'nothing (not settled)';
  if ('status' in outcome) return `status ${outcome.status}`;
  const { error } = outcome;
  return error instanceof Error
    ? `${error.constructor.name} (${(error as { code?: string }).code ?? ''}: ${error.message})`
    : String(error);
}

describe('pauseAfter429, property-based', () => {
  it(`holds every call after a 429 until its pause is over, fails calls it holds past their deadline at once, and settles every call (${NUM_RUNS} scenarios, seed ${SEED})`, async () => {
    await fc.assert(fc.asyncProperty(scenario, runScenario), { seed: SEED, numRuns: NUM_RUNS, skipAllAfterTimeLimit: SHRINK_LIMIT_MS });
    console.log(`pause-after-429.property.test.ts: ${JSON.stringify(tally)}`);
    expect(tally.pairsChecked).toBeGreaterThan(0);
  }, 120_000);
});
