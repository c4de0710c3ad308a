/**
 * The client-wide pause after a 429 as a property, on a fake clock.
 *
 * fast-check generates scenarios: a run of server answers (429 with `Retry-After` 0, 1 or 2 s or
 * an HTTP-date, 429 with a fractional `inin-ratelimit-reset` only, 429 with no wait at all, or
 * 200; each after a random small latency) and callers (one looping, or a few side by side), whose
 * calls have no limit, a small deadline or an abort after a few ms. Each runs through
 * `createClient({ baseUrl, middleware: [retry(…), pauseAfter429(…)] })` with every timer, Date and
 * performance simulated (test/support/fake-clock.ts): the seconds a scenario waits take no real
 * time, and the times below are checked to the millisecond. Half the scenarios reach the server
 * in memory; the others reach a real loopback server through the ky or undici transport, so that
 * a 429's headers, an abort or a deadline while a request is out go through a real transport too.
 * The clock moves only while nothing is on a socket, so a round trip takes no simulated time there
 * either. The server notes when every request arrived and when it sent each 429 and what wait it
 * asked for. The rules under test:
 *
 * - the pause: no request that left the pause after the client had a 429 arrives before that
 *   429's pause is over, i.e. before `sent + min(max(asked, minPauseMs), maxPauseMs)`, not by one
 *   millisecond. A request already on its way when the client got the 429 cannot be held and is
 *   not counted. Nor is one held longer: a request that waited in the pause left it at the very
 *   millisecond a pause the client knew of ended;
 * - a call that starts while a known pause lasts to its deadline or past it fails at once (in no
 *   simulated time) with a RateLimitError and sends nothing; conversely, a RateLimitError with
 *   nothing sent is only ever due to a pause the client knew of by the time the call ended that
 *   lasts to its deadline or past it;
 * - every call settles, as a 200, a 429 HttpError (out of attempts), or a RateLimitError or
 *   TimeoutError (deadline calls only) or AbortError (aborted calls only); none after its
 *   deadline, a TimeoutError exactly at it, an aborted call exactly when aborted, and it sends
 *   nothing after its abort.
 *
 * To tell which 429s the client knew of when a request left, two probes run in the attempt phase
 * beside the pause: one outside it notes when a request came to the pause and when a 429 came back
 * through it (by then the pause has noted it), one inside it notes when each request left the
 * pause and tags it for the server. Many of these happen in one simulated millisecond, so which
 * came first is told by a counter of events, not by the clock.
 *
 * Each scenario also says where in a second the clock starts (where a `next-second` HTTP-date
 * lands) and the retry's jitter, so that a seed replays its scenarios exactly: replay a run with
 * `SWITCHBOARD_PROPERTY_SEED=<seed printed below> npx vitest run packages/middleware/test/pause-after-429.property.test.ts`.
 */
import fc from 'fast-check';
import { describe, expect, it, vi } from 'vitest';
import {
  AbortError,
  type CallOptions,
  createClient,
  HttpError,
  type HttpResponse,
  MAX_TIMER_MS,
  type Middleware,
  TimeoutError,
  type Transport,
  waitFor,
} from '@switchboard/core';
import { pauseAfter429, RateLimitError, retry } from '@switchboard/middleware';
import { runClockWithSocketsUntil, useFakeClock } from '../../../test/support/fake-clock.js';
import { respond, settledState } from '../../../test/support/fakes.js';
import { type Loopback, startLoopback } from '../../../test/support/loopback.js';
import { propertySeed } from '../../../test/support/property-seed.js';
import { ping } from '../../../test/support/routes.js';
import { sleep } from '../../../test/support/time.js';

// ---------------------------------------------------------------------------------------------

const SEED = propertySeed('pause-after-429.property.test.ts');

const NUM_RUNS = 30;
/** Runs (shrinking included) stop after this long: a failure is still reported, with the smallest case found so far. */
const SHRINK_LIMIT_MS = 60_000;
const DEFAULT_PAUSE_MS = 60;
const MAX_PAUSE_MS = 60_000;
/** Simulated time a scenario may take before it fails as stuck: far more than its waits add up to. */
const SCENARIO_LIMIT_MS = 120_000;
/** A whole second of the fake clock, which each scenario starts a few ms after. */
const CLOCK_EPOCH = Date.UTC(2030, 0, 1);

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
  /** `memory`: the server answers in memory; `ky`, `undici`: a loopback server, through that transport. */
  readonly transport: 'memory' | 'ky' | 'undici';
  /** Where in a second the clock starts, in ms: how far a `next-second` HTTP-date is. */
  readonly clockStartMs: number;
  /** The retry's jitter, used in turn. */
  readonly jitter: readonly number[];
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

/**
 * A call as drawn: its deadline may be the scenario's pause floor, the most frequent pause, which
 * is drawn with the scenario. A call that starts the moment a 429 comes back then has its deadline on
 * the very millisecond that 429's pause ends, where the pause must refuse it rather than make it wait.
 */
type DrawnCallSpec = CallSpec | { readonly deadline: 'the pause floor' };

const callSpec: fc.Arbitrary<DrawnCallSpec> = fc.oneof(
  { weight: 3, arbitrary: fc.constant({}) },
  { weight: 2, arbitrary: fc.integer({ min: 5, max: 300 }).map((deadlineMs) => ({ deadlineMs })) },
  { weight: 1, arbitrary: fc.constant({ deadline: 'the pause floor' as const }) },
  { weight: 1, arbitrary: fc.integer({ min: 0, max: 120 }).map((abortAfterMs) => ({ abortAfterMs })) },
);

const scenario: fc.Arbitrary<Scenario> = fc
  .record({
    transport: fc.oneof(
      { weight: 2, arbitrary: fc.constant('memory' as const) },
      { weight: 1, arbitrary: fc.constant('ky' as const) },
      { weight: 1, arbitrary: fc.constant('undici' as const) },
    ),
    clockStartMs: fc.integer({ min: 0, max: 999 }),
    jitter: fc.array(fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }), { minLength: 1, maxLength: 4 }),
    minPauseMs: fc.constantFrom(20, 35, 50),
    retryMinWaitMs: fc.integer({ min: 0, max: 50 }),
    maxAttempts: fc.integer({ min: 1, max: 3 }),
    answers,
    callers: fc.array(
      fc.record({ startAfterMs: fc.integer({ min: 0, max: 20 }), calls: fc.array(callSpec, { minLength: 1, maxLength: 6 }) }),
      { minLength: 1, maxLength: 4 },
    ),
  })
  .map(({ callers, ...rest }) => ({
    ...rest,
    callers: callers.map(({ startAfterMs, calls }) => ({
      startAfterMs,
      calls: calls.map((spec): CallSpec => ('deadline' in spec ? { deadlineMs: rest.minPauseMs } : spec)),
    })),
  }));

// ---------------------------------------------------------------------------------------------
// One run: the server's log, the probes' log, each call's outcome.

/** When something happened: the simulated time, and its place in the order of events. */
interface Moment {
  readonly at: number;
  readonly seq: number;
}

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

/** A request leaving the pause: when, for which call, and when it had come to the pause. */
interface Dispatch extends Moment {
  readonly call: string;
  readonly entered: Moment | undefined;
}

interface CallRecord {
  readonly id: string;
  readonly spec: CallSpec;
  started: Moment;
  endedAt: number;
  aborted?: Moment;
  outcome?: { readonly status: number } | { readonly error: unknown };
}

/** What the rules checked over all runs, so that a run that checked nothing shows. */
const tally = {
  scenarios: 0,
  overSockets: 0,
  requests: 0,
  refusals: 0,
  pairsChecked: 0,
  inFlightExempt: 0,
  heldToAPauseEnd: 0,
  heldPastDeadline: 0,
  aborted: 0,
};

/**
 * The scripted server, reached in memory or over a loopback socket: its answers in turn, and its
 * log. `parked` holds the requests it is sitting on for their latency, a wait on the fake clock:
 * any other request the client has out is on a socket, and the clock must wait for it.
 */
function scriptedServer(s: Scenario) {
  const arrivals: Arrival[] = [];
  const refusals: Refusal[] = [];
  const parked = new Set<number>();

  async function serve(call: string, probe: number): Promise<{ status: number; headers: Record<string, string>; body: unknown }> {
    const index = arrivals.length;
    arrivals.push({ index, at: performance.now(), call, probe });
    const answer: Answer = s.answers[index] ?? { kind: 'ok', latencyMs: 0 };
    if (answer.latencyMs > 0) {
      parked.add(probe);
      await sleep(answer.latencyMs);
      parked.delete(probe);
    }
    const headers: Record<string, string> = { 'x-answer': String(index) };
    if (answer.kind === 'ok') return { status: 200, headers, body: {} };
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
    return { status: 429, headers, body: { code: 'too.many.requests' } };
  }

  return { arrivals, refusals, parked, serve };
}

type ScriptedServer = ReturnType<typeof scriptedServer>;

/** The server in memory, behind a transport that gives up as the built-in ones do: on the caller's abort, or when the attempt's time runs out. */
function inMemoryTransport(server: ScriptedServer): Transport {
  return {
    name: 'in-memory',
    send(request, options): Promise<HttpResponse> {
      const answer = server.serve(request.headers['x-call'] ?? '?', Number(request.headers['x-probe']));
      return waitFor<HttpResponse>(
        (settle, fail) => {
          void answer.then(({ status, headers, body }) => settle(respond(status, body, headers)));
          const timer =
            options.timeout <= MAX_TIMER_MS
              ? setTimeout(
                  () => fail(new TimeoutError(options.timeoutKind, options.timeout, { operationId: options.operationId })),
                  options.timeout,
                )
              : undefined;
          return () => clearTimeout(timer);
        },
        options.signal,
        options.operationId,
      );
    },
    close: () => Promise.resolve(),
  };
}

/** The server on a real loopback socket. */
function overLoopback(server: ScriptedServer): Promise<Loopback> {
  return startLoopback(async (request, res) => {
    const { status, headers, body } = await server.serve(String(request.headers['x-call']), Number(request.headers['x-probe']));
    res.writeHead(status, { 'content-type': 'application/json', ...headers }).end(JSON.stringify(body));
  });
}

/** What one run leaves to check. */
interface RunLog {
  readonly arrivals: readonly Arrival[];
  readonly refusals: readonly Refusal[];
  /** Answer index → when the 429 came back out of the pause (which had noted it by then). */
  readonly known: ReadonlyMap<number, Moment>;
  /** Probe number → when the request left the pause. */
  readonly dispatches: readonly Dispatch[];
  readonly calls: readonly CallRecord[];
  /** When the run began, on the simulated performance clock. */
  readonly t0: number;
}

/** Runs the scenario on the fake clock until every call has settled and the client has closed. */
async function simulate(s: Scenario): Promise<RunLog> {
  const server = scriptedServer(s);
  let seq = 0;
  const now = (): Moment => ({ at: performance.now(), seq: ++seq });
  const known = new Map<number, Moment>();
  /** Each time a request came to the pause. */
  const entries: Moment[] = [];
  const dispatches: Dispatch[] = [];
  /** The probe numbers of the requests gone to the transport and not yet back. */
  const out = new Set<number>();
  const calls: CallRecord[] = [];

  const outsideThePause: Middleware = {
    name: 'probe-outside-the-pause',
    phase: 'attempt',
    async handle(ctx, next) {
      ctx.request.headers['x-entry'] = String(entries.length);
      entries.push(now());
      const response = await next();
      if (response.status === 429) known.set(Number(response.headers.get('x-answer')), now());
      return response;
    },
  };
  const insideThePause: Middleware = {
    name: 'probe-inside-the-pause',
    phase: 'attempt',
    async handle(ctx, next) {
      const probe = dispatches.length;
      ctx.request.headers['x-probe'] = String(probe);
      dispatches.push({ ...now(), call: ctx.request.headers['x-call'] ?? '?', entered: entries[Number(ctx.request.headers['x-entry'])] });
      out.add(probe);
      try {
        return await next();
      } finally {
        out.delete(probe);
      }
    },
  };
  /** Nothing on a socket: every request out is one the server sits on, on the fake clock. */
  const idle = (): boolean => [...out].every((probe) => server.parked.has(probe));

  const loopback = s.transport === 'memory' ? undefined : await overLoopback(server);
  useFakeClock();
  vi.setSystemTime(CLOCK_EPOCH + s.clockStartMs);
  try {
    const t0 = performance.now();
    let jitterTurn = 0;
    const client = createClient({
      baseUrl: loopback?.url ?? 'http://127.0.0.1:9',
      transport: s.transport === 'memory' ? inMemoryTransport(server) : s.transport,
      middleware: [
        retry({
          maxAttempts: s.maxAttempts,
          minWaitMs: s.retryMinWaitMs,
          baseMs: 10,
          capMs: 50,
          budget: false,
          random: () => s.jitter[jitterTurn++ % s.jitter.length] ?? 0,
        }),
        outsideThePause,
        pauseAfter429({ minPauseMs: s.minPauseMs, defaultPauseMs: DEFAULT_PAUSE_MS, maxPauseMs: MAX_PAUSE_MS }),
        insideThePause,
      ],
    });
    const runCaller = async ({ startAfterMs, calls: specs }: Scenario['callers'][number]): Promise<void> => {
      await sleep(startAfterMs);
      for (const spec of specs) {
        const record: CallRecord = { id: `c${calls.length}`, spec, started: now(), endedAt: 0 };
        calls.push(record);
        const controller = spec.abortAfterMs === undefined ? undefined : new AbortController();
        const timer =
          controller &&
          setTimeout(() => {
            record.aborted = now();
            controller.abort();
          }, spec.abortAfterMs);
        const options: CallOptions = {
          headers: { 'x-call': record.id },
          ...(spec.deadlineMs === undefined ? {} : { totalTimeout: spec.deadlineMs }),
          ...(controller ? { signal: controller.signal } : {}),
        };
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
    const run = settledState(Promise.all(s.callers.map(runCaller)));
    await runClockWithSocketsUntil(() => run.current !== 'pending', idle, 'every call to settle', SCENARIO_LIMIT_MS);
    const closed = settledState(client.close());
    await runClockWithSocketsUntil(() => closed.current !== 'pending', idle, 'the client to close', SCENARIO_LIMIT_MS);
    return { arrivals: server.arrivals, refusals: server.refusals, known, dispatches, calls, t0 };
  } finally {
    // Also when the run failed: fast-check goes on with the next scenario (a smaller one, when shrinking).
    vi.useRealTimers();
    await loopback?.close();
  }
}

// ---------------------------------------------------------------------------------------------
// The rules.

/** What fast-check runs: the scenario, then its rules; a violation fails it, with the run's log. */
async function runScenario(s: Scenario): Promise<void> {
  const log = await simulate(s);
  const violations = violationsOf(s, log);
  if (violations.length > 0) throw new Error([...violations, ...runText(s, log)].join('\n'));
}

const pauseOf = (s: Scenario, r: Refusal): number => Math.min(Math.max(r.askedMs ?? DEFAULT_PAUSE_MS, s.minPauseMs), MAX_PAUSE_MS);
/** When the 429's pause is over, on the simulated performance clock. */
const endOf = (s: Scenario, r: Refusal): number => r.sentAt + pauseOf(s, r);

/** The run's breaches of the rules of the file's description; the tally counts what was checked. */
function violationsOf(s: Scenario, { arrivals, refusals, known, dispatches, calls, t0 }: RunLog): string[] {
  const violations: string[] = [];
  const t = (at: number | undefined): string => (at === undefined ? '-' : `${at - t0}`);
  tally.scenarios++;
  if (s.transport !== 'memory') tally.overSockets++;
  tally.requests += arrivals.length;
  tally.refusals += refusals.length;

  // What makes the times exact: no simulated time passes while a request or an answer travels.
  for (const a of arrivals) {
    const left = dispatches[a.probe];
    if (left !== undefined && a.at !== left.at)
      violations.push(`harness: request #${a.index} left the pause at ${t(left.at)} ms but arrived at ${t(a.at)} ms`);
  }
  for (const r of refusals) {
    const knownAt = known.get(r.index)?.at;
    if (knownAt !== undefined && knownAt !== r.sentAt)
      violations.push(`harness: 429 #${r.index} was sent at ${t(r.sentAt)} ms but reached the client at ${t(knownAt)} ms`);
  }

  // The pause: a request that left after the client had a 429 arrives once that 429's pause is over.
  for (const a of arrivals) {
    const left = dispatches[a.probe];
    if (left === undefined) {
      violations.push(`request #${a.index} (${a.call}) arrived without passing the probe inside the pause`);
      continue;
    }
    for (const r of refusals) {
      const knownWhen = known.get(r.index);
      if (knownWhen === undefined || r.index === a.index) continue;
      if (knownWhen.seq > left.seq) {
        if (a.index > r.index) tally.inFlightExempt++;
        continue;
      }
      tally.pairsChecked++;
      if (a.at < endOf(s, r)) {
        violations.push(
          `request #${a.index} (${a.call}) arrived at ${t(a.at)} ms, ${a.at - r.sentAt} ms after 429 #${r.index} (${r.header}) was sent at ${t(r.sentAt)} ms, ` +
            `whose pause is ${pauseOf(s, r)} ms; the client had that 429 at ${t(knownWhen.at)} ms, before the request left the pause at ${t(left.at)} ms`,
        );
      }
    }
  }
  // ...and no longer: a request held in the pause left it when a pause the client knew of ended.
  for (const [probe, d] of dispatches.entries()) {
    if (d.entered === undefined) {
      violations.push(`request ${probe} (${d.call}) left the pause without passing the probe outside it`);
      continue;
    }
    if (d.at === d.entered.at) continue;
    tally.heldToAPauseEnd++;
    const ended = refusals.find((r) => (known.get(r.index)?.at ?? Infinity) <= d.at && endOf(s, r) === d.at);
    if (!ended)
      violations.push(
        `request ${probe} (${d.call}) came to the pause at ${t(d.entered.at)} ms and left it at ${t(d.at)} ms, when no pause the client knew of ended`,
      );
  }

  for (const c of calls) {
    const sent = dispatches.filter((d) => d.call === c.id).length;
    const arrived = arrivals.filter((a) => a.call === c.id);
    const what = `call ${c.id} ${JSON.stringify(c.spec)} started at ${t(c.started.at)} ms`;
    const error = c.outcome && 'error' in c.outcome ? c.outcome.error : undefined;
    if (c.spec.deadlineMs !== undefined) {
      const deadline = c.started.at + c.spec.deadlineMs;
      // A known pause that lasts to the deadline or past it: a RateLimitError at once, nothing sent.
      const holding = refusals.find((r) => (known.get(r.index)?.seq ?? Infinity) < c.started.seq && endOf(s, r) >= deadline);
      if (holding) {
        tally.heldPastDeadline++;
        if (!(error instanceof RateLimitError) || c.endedAt !== c.started.at || sent > 0 || arrived.length > 0) {
          violations.push(
            `${what}, held by the pause of 429 #${holding.index} (until ${t(endOf(s, holding))} ms, past its deadline), ended at ${t(c.endedAt)} ms with ${outcomeText(c.outcome)} after sending ${sent} (${arrived.length} arrived)`,
          );
        }
      }
      if (error instanceof RateLimitError && sent === 0) {
        const justified = refusals.some((r) => (known.get(r.index)?.at ?? Infinity) <= c.endedAt && endOf(s, r) >= deadline);
        if (!justified)
          violations.push(
            `${what} failed at ${t(c.endedAt)} ms with a RateLimitError having sent nothing, though no pause the client knew of lasted to its deadline`,
          );
      }
      if (c.endedAt > deadline) violations.push(`${what} ended at ${t(c.endedAt)} ms, after its deadline at ${t(deadline)} ms`);
      if (error instanceof TimeoutError && c.endedAt !== deadline)
        violations.push(`${what} failed with a TimeoutError at ${t(c.endedAt)} ms, not at its deadline at ${t(deadline)} ms`);
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
    // An aborted call ends then, and sends nothing once aborted.
    if (c.aborted !== undefined) {
      tally.aborted++;
      if (!(error instanceof AbortError) || c.endedAt !== c.aborted.at)
        violations.push(`${what}, aborted at ${t(c.aborted.at)} ms, ended at ${t(c.endedAt)} ms with ${outcomeText(c.outcome)}`);
      for (const a of arrived) {
        const left = dispatches[a.probe];
        if (left && left.seq > c.aborted.seq)
          violations.push(`${what}, aborted at ${t(c.aborted.at)} ms, sent request #${a.index} at ${t(left.at)} ms`);
      }
    }
  }
  return violations;
}

/** The run as a log, in ms from its start: what a failure shows below its violations. */
function runText(s: Scenario, { arrivals, refusals, known, dispatches, calls, t0 }: RunLog): string[] {
  const t = (at: number | undefined): string => (at === undefined ? '-' : `${at - t0}`);
  const requests = arrivals.map((a) => {
    const r = refusals.find((x) => x.index === a.index);
    return `  #${a.index} ${a.call} left ${t(dispatches[a.probe]?.at)} arrived ${t(a.at)}${r ? ` → 429 (${r.header}) sent ${t(r.sentAt)}, pause until ${t(endOf(s, r))}, client had it ${t(known.get(r.index)?.at)}` : ' → 200'}`;
  });
  const outcomes = calls.map(
    (c) =>
      `  ${c.id} ${JSON.stringify(c.spec)} started ${t(c.started.at)}${c.aborted === undefined ? '' : ` aborted ${t(c.aborted.at)}`} ended ${t(c.endedAt)}: ${outcomeText(c.outcome)}`,
  );
  return [`over ${s.transport}; requests (ms from the start):`, ...requests, 'calls:', ...outcomes];
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
