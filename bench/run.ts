/**
 * `pnpm bench`: end-to-end throughput, latency and client CPU of our transports against
 * node:http and bare ky, on a server in another process on 127.0.0.1; then the pipeline's own
 * cost per call; then the same with an OpenTelemetry SDK and a logger in the process, and what
 * tracing, metrics and logging cost; then the emulator's own throughput. Options: --duration ms, --rounds n,
 * --warmup ms, --quick, --micro (the pipeline-cost table alone), --observed (the telemetry-cost table
 * alone, with an SDK registered), --emulator (its table alone),
 * --outage (retry amplification during a 30 s outage; --outage-seconds N to change it),
 * --limiter (a limiter's turn with quota to spare, next to bottleneck alone; needs redis-server),
 * --processes (1, 4, 8 and 16 worker processes sharing one org limit; needs redis-server), --storm (requests
 * sent in a 2 s run of 429 Retry-After: 0, with and without the pause after a 429), --hostile (what the
 * response-size limit costs on a small answer, peak memory under an endless body and gzip and
 * brotli bombs with the limit and without it, and the cost of a hop through a local tinyproxy),
 * --session (Web Messaging guest sessions against the emulator: one sending for 60 s as fast as
 * the protocol allows, then 100 and 1,000 sessions at once in one process, then 1 and 100 sessions
 * catching up after a 5 s outage; --session-outage for that table alone).
 *
 * Our packages are measured as users run them, built (`pnpm bench` builds first): through tsx's
 * on-the-fly transform of the TypeScript sources, which wraps every closure to keep its name,
 * the same calls cost 1.5 to 3 times the CPU (measured on the in-memory pipeline).
 */
import './node-dispatcher-first.js';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { Agent as UndiciAgent } from 'undici';
import { type BenchClient, bareKyClient, bareUndiciClient, nodeHttpClient, pipelineClient } from './clients.js';
import { runEmulatorBench } from './emulator.js';
import { runHostileBench } from './hostile.js';
import { measureInterleaved, pooledLatencies, startServer } from './measure.js';
import { runMicro, runObservedMicro } from './micro.js';
import { benchLogger, handObservedClient, installBenchTelemetry, observedPipelineClient } from './observability.js';
import { runLimiterBench } from './limiter.js';
import { runMultiprocessBench } from './multiprocess.js';
import { runOutageBench } from './outage.js';
import { runStormBench } from './storm.js';
import { runSessionBench } from './session.js';
import { outageCases, runSessionOutageBench } from './session-outage.js';
import { writeResults } from './results.js';
import { fmt, median, percentile, printTable } from './stats.js';

const { values: args } = parseArgs({
  options: {
    duration: { type: 'string', default: '1500' },
    rounds: { type: 'string', default: '5' },
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
    'session-outage': { type: 'boolean', default: false },
    'outage-seconds': { type: 'string', default: '30' },
  },
});
const durationMs = args.quick ? 400 : Number(args.duration);
const rounds = args.quick ? 2 : Number(args.rounds);
const warmupMs = args.quick ? 200 : Number(args.warmup);

/** Writes the tables printed so far to bench/results (JSON and the SVG chart) and says where. */
function saveResults(): void {
  const written = writeResults(fileURLToPath(new URL('./results/', import.meta.url)), {
    node: process.version,
    quick: args.quick,
    rounds,
    durationMs,
    warmupMs,
  });
  console.log(`\nThe tables are in ${written.json}, and req/s and CPU per request by client and concurrency are drawn in ${written.svg}.`);
}

// The bench imports undici itself: make sure Node's fetch (and so ky) still runs on Node's own
// dispatcher, not on the npm undici Agent, or the ky rows would measure the wrong thing.
const globalDispatcher = (globalThis as Record<symbol, unknown>)[Symbol.for('undici.globalDispatcher.1')];
if (globalDispatcher instanceof UndiciAgent)
  throw new Error('the npm undici Agent became the global dispatcher; the ky rows would be wrong');

if (args.session || args['session-outage']) {
  if (args.session) await runSessionBench({ seconds: args.quick ? 10 : 60, counts: args.quick ? [100] : [100, 1_000] });
  await runSessionOutageBench({ outageMs: 5_000, cases: outageCases(args.quick) });
  saveResults();
  process.exit(0);
}

if (args.hostile) {
  await runHostileBench({ durationMs, rounds, warmupMs });
  process.exit(0);
}

if (args.limiter) {
  await runLimiterBench({ turns: args.quick ? 200 : 1_000, rounds: args.quick ? 2 : rounds });
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

if (args.micro) {
  await runMicro({ calls: args.quick ? 50_000 : 200_000, rounds });
  process.exit(0);
}

if (args.observed) {
  const log = benchLogger();
  const telemetry = installBenchTelemetry(log);
  await runObservedMicro({ calls: args.quick ? 20_000 : 100_000, rounds, logger: log.logger });
  await telemetry.shutdown();
  process.exit(0);
}

/**
 * Measures `clients` side by side (interleaved rounds) at concurrency 1 and 64, prints a table per
 * concurrency, and returns each client's req/s relative to bare ky and node:http as
 * `name@concurrency/ky` and `name@concurrency/http` (when those clients are in the list), and its
 * median CPU µs per request as `name@concurrency/cpu`.
 */
async function compare(
  clients: readonly BenchClient[],
  reference: { ky: BenchClient; http?: BenchClient },
  heading: string,
): Promise<Map<string, number>> {
  const ratios = new Map<string, number>();
  for (const concurrency of [1, 64]) {
    const samples = await measureInterleaved(clients, concurrency, { durationMs, rounds, warmupMs });
    const rpsOf = (c: BenchClient) => median((samples.get(c) ?? []).map((s) => s.rps));
    const rows = clients.map((client) => {
      const runs = samples.get(client) ?? [];
      const pooled = pooledLatencies(runs);
      const rps = rpsOf(client);
      ratios.set(`${client.name}@${concurrency}/ky`, rps / rpsOf(reference.ky));
      ratios.set(`${client.name}@${concurrency}/cpu`, median(runs.map((s) => s.cpuUsPerRequest)));
      if (reference.http) ratios.set(`${client.name}@${concurrency}/http`, rps / rpsOf(reference.http));
      return [
        client.name,
        fmt(rps),
        `${fmt(Math.min(...runs.map((s) => s.rps)))}–${fmt(Math.max(...runs.map((s) => s.rps)))}`,
        fmt(percentile(pooled, 50) * 1000),
        fmt(percentile(pooled, 99) * 1000),
        fmt(median(runs.map((s) => s.cpuUsPerRequest)), 1),
        fmt(rps / rpsOf(reference.ky), 2),
        ...(reference.http ? [fmt(rps / rpsOf(reference.http), 2)] : []),
      ];
    });
    console.log(`${heading}, concurrency ${concurrency}\n`);
    printTable(
      ['client', 'req/s', 'min–max', 'p50 µs', 'p99 µs', 'CPU µs/req', '× bare ky', ...(reference.http ? ['× node:http'] : [])],
      rows,
      `${heading}, concurrency ${concurrency}`,
    );
    console.log('');
  }
  return ratios;
}

const { child, url } = await startServer();
try {
  const log = benchLogger();
  const nodeHttp = nodeHttpClient(url);
  const bareKy = bareKyClient(url);
  const pipelineKy = pipelineClient(url, 'ky');
  const pipelineUndici = pipelineClient(url, 'undici');
  // The observed undici pipeline before any SDK is registered: what the SDK's work costs is the difference.
  const unobservedUndici = {
    ...observedPipelineClient(url, 'undici', log.logger),
    name: 'pipeline on undici, retry + tracing + metrics + logging (no SDK)',
  };
  const clients = [nodeHttp, bareKy, pipelineKy, bareUndiciClient(url), pipelineUndici, unobservedUndici];
  console.log(`Switchboard bench: Node ${process.version}, server in its own process on ${url}`);
  console.log(`${rounds} interleaved rounds of ${durationMs} ms per client and concurrency, after ${warmupMs} ms warm-up; medians.\n`);
  const unobserved = await compare(clients, { ky: bareKy, http: nodeHttp }, 'No OpenTelemetry SDK');

  const micro = await runMicro({ calls: args.quick ? 50_000 : 200_000, rounds });
  for (const client of clients) await client.close();

  // From here on the process has what a traced production service has: an SDK, a context manager, a logger.
  const telemetry = installBenchTelemetry(log);
  const tracedBareKy = bareKyClient(url);
  const observedKy = observedPipelineClient(url, 'ky', log.logger);
  const observedUndici = observedPipelineClient(url, 'undici', log.logger);
  const tracedClients = [
    tracedBareKy,
    handObservedClient(url, 'ky', log.logger),
    pipelineClient(url, 'ky'),
    observedKy,
    bareUndiciClient(url),
    handObservedClient(url, 'undici', log.logger),
    observedUndici,
  ];
  console.log(
    '\nWith an OpenTelemetry SDK registered (AsyncLocalStorage context manager, W3C propagator, batch span processor, meter provider) and pino at info level writing to a stream that discards its lines:\n',
  );
  const traced = await compare(tracedClients, { ky: tracedBareKy }, 'SDK registered');
  const produced = await telemetry.report();
  console.log(
    `The observed clients produced ${fmt(produced.spans)} spans, ${fmt(produced.logLines)} log lines and ${fmt(produced.metricPoints)} metric series (one per metric and attribute set; the rows above did the work they claim).`,
  );
  const observedMicro = await runObservedMicro({ calls: args.quick ? 20_000 : 100_000, rounds, logger: log.logger });
  for (const client of tracedClients) await client.close();
  await telemetry.shutdown();

  const sdkCostUs = (traced.get(`${observedUndici.name}@64/cpu`) ?? 0) - (unobserved.get(`${unobservedUndici.name}@64/cpu`) ?? 0);
  const bars: (readonly [string, number, number, 'min' | 'max', string])[] = [
    ['pipeline on ky ≥ 0.95 × bare ky req/s at concurrency 1', unobserved.get(`${pipelineKy.name}@1/ky`) ?? 0, 0.95, 'min', ''],
    ['pipeline on ky ≥ 0.95 × bare ky req/s at concurrency 64', unobserved.get(`${pipelineKy.name}@64/ky`) ?? 0, 0.95, 'min', ''],
    [
      'pipeline on undici ≥ 0.85 × node:http req/s at concurrency 64',
      unobserved.get(`${pipelineUndici.name}@64/http`) ?? 0,
      0.85,
      'min',
      '',
    ],
    ['pipeline own CPU cost ≤ 2 µs per call (5 idle middleware)', micro.pipelineCpuNs / 1000, 2, 'max', ' µs'],
    ['tracing + metrics without an OTel provider ≤ 0.5 µs CPU per call', micro.unobservedCostNs / 1000, 0.5, 'max', ' µs'],
    ['tracing + metrics + logging with the SDK ≤ 10 µs CPU per call (in memory)', observedMicro.observedCostNs / 1000, 10, 'max', ' µs'],
    [
      'observed pipeline on ky ≥ 0.90 × bare ky req/s under the SDK, concurrency 1',
      traced.get(`${observedKy.name}@1/ky`) ?? 0,
      0.9,
      'min',
      '',
    ],
    [
      'observed pipeline on ky ≥ 0.90 × bare ky req/s under the SDK, concurrency 64',
      traced.get(`${observedKy.name}@64/ky`) ?? 0,
      0.9,
      'min',
      '',
    ],
    ['observed pipeline on undici: the SDK adds ≤ 20 µs CPU per request at concurrency 64', sdkCostUs, 20, 'max', ' µs'],
  ];
  console.log('\nBars\n');
  printTable(
    ['bar', 'measured', 'met'],
    [
      ...bars.map(([name, value, bar, kind, unit]) => [
        name,
        `${fmt(value, unit ? 2 : 3)}${unit}`,
        (kind === 'min' ? value >= bar : value <= bar) ? 'yes' : 'NO',
      ]),
      [
        'hand-written span, histogram point and log line, CPU per call (in memory, for comparison)',
        `${fmt(observedMicro.handCostNs / 1000, 2)} µs`,
        '-',
      ],
    ],
    'Bars',
  );
} finally {
  child.kill('SIGTERM');
}

await runEmulatorBench({ durationMs, rounds, warmupMs });
saveResults();
