/**
 * `pnpm bench`: the pipeline's own cost per call in memory; WebChat's getWebchatSettings through
 * WebChatAPI (both transports) next to bare undici and ky, fetch, axios, got, ofetch, Genesys'
 * official SDK and node:http, on a server in another process on 127.0.0.1 (bench/peers.ts); then
 * with an OpenTelemetry SDK and a logger in the process, WebChatAPI fully observed next to the same
 * telemetry written by hand, end to end and in memory; a guest session's send path next to a raw
 * ws client; the emulator's own throughput; and every goal beside what was measured, in one table.
 *
 * Options: --duration ms, --rounds n, --warmup ms, --quick; one part alone: --micro (the pipeline's
 * cost), --observed (telemetry's cost in memory, with an SDK registered), --peers (the end-to-end
 * tables; written to bench/results/peers.json and peers.svg), --allocations (bytes allocated per
 * request), --send-path, --emulator; and what the whole run leaves out: --outage (retry
 * amplification during a 30 s outage; --outage-seconds N to
 * change it), --limiter (a limiter's turn with quota to spare, next to bottleneck alone; needs
 * redis-server), --processes (1, 4, 8 and 16 worker processes sharing one org limit; needs
 * redis-server), --storm (requests sent in a 2 s run of 429 Retry-After: 0, with and without the
 * pause after a 429), --hostile (what the response-size limit costs on a small answer, peak memory
 * under an endless body and gzip and brotli bombs with the limit and without it, and the cost of a
 * hop through a local tinyproxy), --session (Web Messaging guest sessions against the emulator: one
 * sending for 60 s as fast as the protocol allows, then 100 and 1,000 sessions at once in one
 * process, the send path, then 1 and 100 sessions catching up after a 5 s outage;
 * --session-outage for that table alone).
 *
 * Our packages are measured as users run them, built (`pnpm bench` builds first): through tsx's
 * on-the-fly transform of the TypeScript sources, which wraps every closure to keep its name,
 * the same calls cost 1.5 to 3 times the CPU (measured on the in-memory pipeline).
 */
import './node-dispatcher-first.js';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { Agent as UndiciAgent } from 'undici';
import { runEmulatorBench } from './emulator.js';
import { runHostileBench } from './hostile.js';
import { microGoals, observedGoals, runMicro, runObservedMicro } from './micro.js';
import { type BenchLogger, type BenchTelemetry, benchLogger, installBenchTelemetry } from './observability.js';
import { runLimiterBench } from './limiter.js';
import { runMultiprocessBench } from './multiprocess.js';
import { runOutageBench } from './outage.js';
import { runStormBench } from './storm.js';
import { runSessionBench } from './session.js';
import { runSendPathBench } from './send-path.js';
import { outageCases, runSessionOutageBench } from './session-outage.js';
import { runPeersBench } from './peers.js';
import { runAllocationBench } from './allocations.js';
import { type Goal, printGoals } from './goals.js';
import { writeResults } from './results.js';

const { values: args } = parseArgs({
  options: {
    duration: { type: 'string', default: '500' },
    rounds: { type: 'string', default: '15' },
    warmup: { type: 'string', default: '600' },
    quick: { type: 'boolean', default: false },
    micro: { type: 'boolean', default: false },
    emulator: { type: 'boolean', default: false },
    outage: { type: 'boolean', default: false },
    storm: { type: 'boolean', default: false },
    processes: { type: 'boolean', default: false },
    limiter: { type: 'boolean', default: false },
    observed: { type: 'boolean', default: false },
    hostile: { type: 'boolean', default: false },
    session: { type: 'boolean', default: false },
    peers: { type: 'boolean', default: false },
    'session-outage': { type: 'boolean', default: false },
    'send-path': { type: 'boolean', default: false },
    allocations: { type: 'boolean', default: false },
    'outage-seconds': { type: 'string', default: '30' },
  },
});
// Many short rounds rather than a few long ones: the ratios are taken round by round, and the
// more the clients take turns, the less the machine's drift over a run weighs (see compare.ts).
const durationMs = args.quick ? 200 : Number(args.duration);
const rounds = args.quick ? 4 : Number(args.rounds);
/** The in-memory tables' and the send path's rounds: each of theirs is long enough that five take turns well. */
const inMemoryRounds = args.quick ? 2 : 5;
const warmupMs = args.quick ? 200 : Number(args.warmup);

/** Writes the tables printed so far to bench/results (JSON and the SVG chart, `latest.*` unless named) and says where. */
function saveResults(name?: string): void {
  const written = writeResults(
    fileURLToPath(new URL('./results/', import.meta.url)),
    { node: process.version, quick: args.quick, rounds, durationMs, warmupMs },
    name,
  );
  console.log(`\nThe tables are in ${written.json}, and req/s and CPU per request by client and concurrency are drawn in ${written.svg}.`);
}

// The bench imports undici itself: make sure Node's fetch (and so ky) still runs on Node's own
// dispatcher, not on the npm undici Agent, or the ky rows would measure the wrong thing.
const globalDispatcher = (globalThis as Record<symbol, unknown>)[Symbol.for('undici.globalDispatcher.1')];
if (globalDispatcher instanceof UndiciAgent)
  throw new Error('the npm undici Agent became the global dispatcher; the ky rows would be wrong');

const sendPathSettings = { messages: args.quick ? 500 : 2_000, rounds: inMemoryRounds };

if (args['send-path']) {
  printGoals([await runSendPathBench(sendPathSettings)]);
  process.exit(0);
}

if (args.session || args['session-outage']) {
  let goals: Goal[] = [];
  if (args.session) {
    await runSessionBench({ seconds: args.quick ? 10 : 60, counts: args.quick ? [100] : [100, 1_000] });
    goals = [await runSendPathBench(sendPathSettings)];
  }
  await runSessionOutageBench({ outageMs: 5_000, cases: outageCases(args.quick) });
  if (goals.length > 0) printGoals(goals);
  saveResults();
  process.exit(0);
}

/** Registers the bench's OpenTelemetry SDK and logger, once per process (the API takes one global registration). */
let telemetry: { log: BenchLogger; sdk: BenchTelemetry } | undefined;
function withSdk(): BenchLogger {
  if (!telemetry) {
    const log = benchLogger();
    telemetry = { log, sdk: installBenchTelemetry(log) };
  }
  return telemetry.log;
}

if (args.peers) {
  printGoals(await runPeersBench({ durationMs, rounds, warmupMs }, withSdk));
  await telemetry?.sdk.shutdown();
  saveResults('peers');
  process.exit(0);
}

if (args.hostile) {
  await runHostileBench({ durationMs, rounds, warmupMs });
  process.exit(0);
}

if (args.limiter) {
  await runLimiterBench({ turns: args.quick ? 200 : 1_000, rounds: inMemoryRounds });
  process.exit(0);
}

if (args.processes) {
  await runMultiprocessBench({ seconds: args.quick ? 5 : 10, limit: 50, windowSeconds: 5 });
  process.exit(0);
}

if (args.storm) {
  await runStormBench({ stormMs: 2_000 });
  process.exit(0);
}

if (args.outage) {
  await runOutageBench({ seconds: Number(args['outage-seconds']), intervalMs: 25 });
  process.exit(0);
}

if (args.emulator) {
  await runEmulatorBench({ durationMs, rounds, warmupMs });
  saveResults();
  process.exit(0);
}

const microCalls = args.quick ? 50_000 : 200_000;
const observedCalls = args.quick ? 20_000 : 100_000;

const allocationRequests = args.quick ? 1_000 : 5_000;

if (args.allocations) {
  await runAllocationBench({ requests: allocationRequests });
  process.exit(0);
}

if (args.micro) {
  printGoals(microGoals(await runMicro({ calls: microCalls, rounds: inMemoryRounds })));
  process.exit(0);
}

if (args.observed) {
  printGoals(observedGoals(await runObservedMicro({ calls: observedCalls, rounds: inMemoryRounds, logger: withSdk().logger })));
  await telemetry?.sdk.shutdown();
  process.exit(0);
}

// The whole run: everything without an OpenTelemetry SDK first (the API takes one global
// registration per process), then the same with one; then the send path and the emulator; then
// every goal in one table.
console.log(`Switchboard bench: Node ${process.version}; the end-to-end server in its own process on 127.0.0.1.`);
const micro = await runMicro({ calls: microCalls, rounds: inMemoryRounds });
await runAllocationBench({ requests: allocationRequests });
const peers = await runPeersBench({ durationMs, rounds, warmupMs }, withSdk);
const observed = await runObservedMicro({ calls: observedCalls, rounds: inMemoryRounds, logger: withSdk().logger });
await telemetry?.sdk.shutdown();
const sendPath = await runSendPathBench(sendPathSettings);
await runEmulatorBench({ durationMs, rounds, warmupMs });
printGoals([...peers, ...observedGoals(observed), ...microGoals(micro), sendPath]);
saveResults();
