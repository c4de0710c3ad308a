/**
 * Web Messaging guest sessions through a 5 s outage (`--session`, or `--session-outage` alone):
 * each session sends a few texts, whose answers the emulator's agent stores while the session is
 * down; then the session's socket is dropped and every upgrade refused (503) for 5 s, so that its
 * reconnect backoff runs against refusals; then upgrades are allowed again. Measured: the time
 * from then until the session has delivered every message the emulator stored for it (its
 * catch-up), how much of it is the backoff's wait for the next attempt, the attempts made, the
 * messages delivered from the history and live, and, checked by id against the session's history
 * as a second session of the same token reads it afterwards, the messages lost, duplicated and
 * delivered out of order (each must be 0).
 *
 * The runs of a row go side by side, each against its own emulator in this process (refused
 * upgrades are an emulator's, not a session's); the rows go one after another.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { type Emulator, startEmulator } from '@switchboard/emulator';
import type { BackoffOptions } from '@switchboard/middleware';
import type { GuestSession, WebMessagingAPI } from '@switchboard/webmessaging';
import { clientOf } from './session.js';
import { fmt, percentile, printTable } from './stats.js';

/** Texts each session sends before the outage (2 a second: the protocol's pace). */
const SENDS = 4;
/**
 * The agent answers each text this long after it: the answers come, and are stored, during the
 * outage, which starts once every text of every session is echoed (about 1.5 s after the first,
 * later when a 4029 made a session wait a second) and ends 5 s later.
 */
const REPLY_DELAY_MS = 4_000;
/** A session not caught up this long after the outage ended counts as not caught up (its messages as lost). */
const CATCH_UP_LIMIT_MS = 20_000;
/** After the last session caught up, deliveries are still watched this long (past the reorder window) for late duplicates. */
const SETTLE_MS = 1_000;
const NO_LIMIT = { limit: 1_000_000, windowSeconds: 60 };

/** What one session did through one outage. */
interface SessionTally {
  readonly token: string;
  /** Ids in the order they were delivered, once each. */
  readonly delivered: string[];
  readonly seen: Set<string>;
  duplicated: number;
  fromHistory: number;
  live: number;
  /** Reconnect attempts since the drop. */
  attempts: number;
  dropped: boolean;
  /** The end of the outage (performance.now()), and the messages stored by then: what catching up means. */
  outageEnd?: number;
  target?: number;
  /** The first connection opened after the outage ended. */
  openedAt?: number;
  caughtUpAt?: number;
  caughtUp: () => void;
  readonly whenCaughtUp: Promise<void>;
}

/** One session's outcome, checked against its history. */
interface SessionOutcome {
  readonly catchUpMs: number | undefined;
  readonly backoffWaitMs: number | undefined;
  readonly attempts: number;
  readonly stored: number;
  readonly fromHistory: number;
  readonly live: number;
  readonly lost: number;
  readonly duplicated: number;
  /** Delivered but not in the history. */
  readonly unknown: number;
  readonly outOfOrder: boolean;
  /** The history as read back does not hold as many messages as the emulator says it stored. */
  readonly historyMismatch: boolean;
  readonly answeredDuringOutage: number;
}

/** A row of the table: a reconnect backoff and a number of sessions, over `runs` outages. */
interface OutageCase {
  readonly backoff: string;
  readonly reconnect: BackoffOptions | undefined;
  readonly sessions: number;
  readonly runs: number;
}

/** Watches a session's deliveries and reconnects from now on. */
function watch(session: GuestSession): SessionTally {
  let caughtUp = () => undefined as void;
  const whenCaughtUp = new Promise<void>((resolve) => (caughtUp = resolve));
  const tally: SessionTally = {
    token: session.token,
    delivered: [],
    seen: new Set(),
    duplicated: 0,
    fromHistory: 0,
    live: 0,
    attempts: 0,
    dropped: false,
    caughtUp,
    whenCaughtUp,
  };
  session.on('message', ({ message, recovered }) => {
    if (tally.seen.has(message.id)) tally.duplicated++;
    else {
      tally.seen.add(message.id);
      tally.delivered.push(message.id);
    }
    if (recovered) tally.fromHistory++;
    else tally.live++;
    checkCaughtUp(tally);
  });
  session.on('connection', (event) => {
    if (event.state === 'reconnecting' && tally.dropped) tally.attempts++;
    if (event.state === 'open' && tally.outageEnd !== undefined) tally.openedAt ??= performance.now();
  });
  return tally;
}

/** Caught up: the outage is over and as many messages as were stored by then have been delivered (which ones: checked afterwards against the history). */
function checkCaughtUp(tally: SessionTally): void {
  if (tally.caughtUpAt !== undefined || tally.target === undefined || tally.seen.size < tally.target) return;
  tally.caughtUpAt = performance.now();
  tally.caughtUp();
}

/** The session's messages as its history holds them, oldest first: read by a second session of the same token. */
async function historyOf(api: WebMessagingAPI, token: string): Promise<string[]> {
  const reader = await api.startSession({ token });
  const ids: string[] = [];
  // The first listener gets what the session delivered as it started: its whole history.
  reader.on('message', ({ message }) => ids.push(message.id));
  await reader.close();
  return ids;
}

/** Checks a session's deliveries against its history. */
async function outcomeOf(
  api: WebMessagingAPI,
  emulator: Emulator,
  tally: SessionTally,
  answeredDuringOutage: number,
): Promise<SessionOutcome> {
  const stored = emulator.messaging.messagesStored(tally.token);
  const history = await historyOf(api, tally.token);
  const inHistory = new Set(history);
  const end = tally.outageEnd ?? Number.NaN;
  const deliveredInHistory = tally.delivered.filter((id) => inHistory.has(id));
  // The order is compared over the messages both hold (a lost one is counted as lost, not as out of order too).
  const historyDelivered = history.filter((id) => tally.seen.has(id));
  return {
    catchUpMs: tally.caughtUpAt === undefined ? undefined : tally.caughtUpAt - end,
    backoffWaitMs: tally.openedAt === undefined ? undefined : tally.openedAt - end,
    attempts: tally.attempts,
    stored,
    fromHistory: tally.fromHistory,
    live: tally.live,
    lost: history.filter((id) => !tally.seen.has(id)).length,
    duplicated: tally.duplicated,
    unknown: tally.delivered.length - deliveredInHistory.length,
    outOfOrder: deliveredInHistory.some((id, i) => historyDelivered[i] !== id),
    historyMismatch: history.length !== stored,
    answeredDuringOutage,
  };
}

/** Each session sends its texts; resolves once all are echoed. */
async function sendBeforeOutage(sessions: readonly GuestSession[]): Promise<void> {
  await Promise.all(sessions.flatMap((session) => Array.from({ length: SENDS }, (_, k) => session.sendMessage(`before the outage ${k}`))));
}

/** Drops every session's socket with upgrades refused, waits `outageMs`, allows upgrades again; returns the answers stored meanwhile, by token. */
async function outage(emulator: Emulator, tallies: readonly SessionTally[], outageMs: number): Promise<Map<string, number>> {
  const before = new Map(tallies.map((t) => [t.token, emulator.messaging.messagesStored(t.token)]));
  emulator.messaging.refuseUpgrades(Number.MAX_SAFE_INTEGER, 503);
  for (const tally of tallies) {
    tally.dropped = true;
    if (emulator.messaging.drop(tally.token) !== 1) throw new Error('the outage did not drop the session’s socket');
  }
  await sleep(outageMs);
  emulator.messaging.refuseUpgrades(0);
  const end = performance.now();
  const answered = new Map<string, number>();
  for (const tally of tallies) {
    tally.outageEnd = end;
    // Nothing is sent after the outage: what is stored now is everything the session must deliver.
    tally.target = emulator.messaging.messagesStored(tally.token);
    answered.set(tally.token, tally.target - (before.get(tally.token) ?? 0));
    checkCaughtUp(tally);
  }
  return answered;
}

/** One outage against its own emulator: `count` sessions, each through it; their outcomes. */
async function outageRun(count: number, reconnect: BackoffOptions | undefined, outageMs: number): Promise<SessionOutcome[]> {
  const emulator = await startEmulator({
    port: 0,
    agent: { joinDelayMs: 0, typingDelayMs: 10, replyDelayMs: REPLY_DELAY_MS },
    rateLimit: NO_LIMIT,
    orgRateLimit: NO_LIMIT,
  });
  const api = clientOf(emulator, reconnect ? { reconnect } : {});
  try {
    const sessions = await Promise.all(Array.from({ length: count }, () => api.startSession()));
    const tallies = sessions.map(watch);
    await sendBeforeOutage(sessions);
    const answered = await outage(emulator, tallies, outageMs);
    await Promise.race([Promise.all(tallies.map((t) => t.whenCaughtUp)), sleep(CATCH_UP_LIMIT_MS, undefined, { ref: false })]);
    await sleep(SETTLE_MS);
    await Promise.all(sessions.map((session) => session.close()));
    return await Promise.all(tallies.map((t) => outcomeOf(api, emulator, t, answered.get(t.token) ?? 0)));
  } finally {
    await api.close();
    await emulator.stop();
  }
}

const sum = (outcomes: readonly SessionOutcome[], pick: (o: SessionOutcome) => number): number =>
  outcomes.reduce((total, o) => total + pick(o), 0);

/** A row of the table from every session of every run of a case. */
function row(c: OutageCase, outcomes: readonly SessionOutcome[]): string[] {
  const caughtUp = outcomes.filter((o) => o.catchUpMs !== undefined);
  const catchUp = caughtUp.map((o) => o.catchUpMs as number);
  const waited = sum(caughtUp, (o) => o.backoffWaitMs ?? Number.NaN);
  return [
    c.backoff,
    `${c.sessions} × ${c.runs}`,
    `${fmt(sum(outcomes, (o) => o.stored))} (${fmt(sum(outcomes, (o) => o.answeredDuringOutage))})`,
    fmt(sum(outcomes, (o) => o.fromHistory)),
    fmt(sum(outcomes, (o) => o.live)),
    fmt(sum(outcomes, (o) => o.lost)),
    fmt(sum(outcomes, (o) => o.duplicated)),
    fmt(sum(outcomes, (o) => (o.outOfOrder ? 1 : 0))),
    `${fmt(sum(outcomes, (o) => o.attempts) / outcomes.length, 1)} / ${fmt(Math.max(...outcomes.map((o) => o.attempts)))}`,
    fmt(percentile(catchUp, 50)),
    fmt(percentile(catchUp, 99)),
    fmt(Math.max(...catchUp)),
    `${fmt((100 * waited) / sum(caughtUp, (o) => o.catchUpMs as number))} %`,
  ];
}

/** What is wrong with one session's outcome, in words (empty when nothing is). */
function faultsOf(o: SessionOutcome): string[] {
  return [
    o.catchUpMs === undefined ? `not caught up ${CATCH_UP_LIMIT_MS / 1_000} s after the outage` : '',
    o.lost ? `${o.lost} lost` : '',
    o.duplicated ? `${o.duplicated} duplicated` : '',
    o.unknown ? `${o.unknown} delivered but not in the history` : '',
    o.outOfOrder ? 'delivered out of the history’s order' : '',
    o.historyMismatch ? 'the history read back does not hold what the emulator stored' : '',
    o.answeredDuringOutage !== SENDS ? `${o.answeredDuringOutage} answers stored during the outage, not ${SENDS}` : '',
  ].filter(Boolean);
}

/** The problems of a case, one line per kind with the sessions it hit (empty when there are none). */
function problems(c: OutageCase, outcomes: readonly SessionOutcome[]): string[] {
  const byKind = new Map<string, string[]>();
  outcomes.forEach((o, i) => {
    for (const what of faultsOf(o)) byKind.set(what, [...(byKind.get(what) ?? []), `${i} (stored ${o.stored})`]);
  });
  return [...byKind].map(
    ([what, sessions]) =>
      `${c.backoff}, ${c.sessions} sessions × ${c.runs}: ${what}: ${sessions.length} session(s): ${sessions.slice(0, 10).join(', ')}${sessions.length > 10 ? ', …' : ''}`,
  );
}

/** The outage bench: each case's runs side by side, the cases one after another; one table. */
export async function runSessionOutageBench(options: { readonly outageMs: number; readonly cases: readonly OutageCase[] }): Promise<void> {
  const rows: string[][] = [];
  const found: string[] = [];
  for (const c of options.cases) {
    const runs = await Promise.all(Array.from({ length: c.runs }, () => outageRun(c.sessions, c.reconnect, options.outageMs)));
    const outcomes = runs.flat();
    rows.push(row(c, outcomes));
    found.push(...problems(c, outcomes));
  }
  printTable(
    [
      `${options.outageMs / 1_000} s outage: reconnect backoff`,
      'sessions × runs',
      'stored (in outage)',
      'from history',
      'live',
      'lost',
      'duplicated',
      'out of order',
      'attempts mean / max',
      'p50 catch-up ms',
      'p99 catch-up ms',
      'max catch-up ms',
      'backoff share',
    ],
    rows,
    `Web Messaging: catching up after a ${options.outageMs / 1_000} s outage (emulator in the same process)`,
  );
  console.log(
    [
      '',
      `Each session sends ${SENDS} texts, whose answers the agent stores during the outage (upgrades refused with 503, the socket dropped); the runs of a row go side by side, each against its own emulator.`,
      'Catch-up: from the end of the outage (upgrades allowed again) until the session has delivered every message the emulator stored; backoff share: the part of it spent waiting for the next reconnect attempt, the rest is configureSession, getJwt and the history.',
      'Lost, duplicated and out of order (sessions): by message id, against the history as a second session of the same token reads it afterwards.',
      found.length
        ? `\nPROBLEMS:\n${found.join('\n')}`
        : 'Every session delivered every stored message once, in the history’s order, and caught up.',
    ].join('\n'),
  );
}

/** The rows: the default backoff and a tighter one, 1 session and 100. */
export function outageCases(quick: boolean): OutageCase[] {
  const tight: BackoffOptions = { baseMs: 100, capMs: 1_000 };
  const runs = quick ? 3 : 10;
  // 100 sessions make a herd that reconnects at once in one process (1 run: 100 samples; side by side, runs would share its CPU).
  return [
    { backoff: 'default (250 ms, cap 10 s)', reconnect: undefined, sessions: 1, runs },
    { backoff: 'default (250 ms, cap 10 s)', reconnect: undefined, sessions: 100, runs: 1 },
    { backoff: 'tight (100 ms, cap 1 s)', reconnect: tight, sessions: 1, runs },
    { backoff: 'tight (100 ms, cap 1 s)', reconnect: tight, sessions: 100, runs: 1 },
  ];
}
