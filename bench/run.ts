/**
 * `pnpm bench`: end-to-end throughput, latency and client CPU of our transports against
 * node:http and bare ky, on a server in another process on 127.0.0.1; then the pipeline's own
 * cost per call; then the emulator's own throughput. Options: --duration ms, --rounds n,
 * --warmup ms, --quick, --micro (the pipeline-cost table alone), --emulator (its table alone),
 * --outage (retry amplification during a 30 s outage; --outage-seconds N to change it),
 * --processes (1, 4 and 8 worker processes sharing one org limit; needs redis-server).
 */
import './node-dispatcher-first.js';
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { Agent as UndiciAgent } from 'undici';
import { type BenchClient, bareKyClient, bareUndiciClient, nodeHttpClient, pipelineClient } from './clients.js';
import { runEmulatorBench } from './emulator.js';
import { runMicro } from './micro.js';
import { runMultiprocessBench } from './multiprocess.js';
import { runOutageBench } from './outage.js';
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
    processes: { type: 'boolean', default: false },
    'outage-seconds': { type: 'string', default: '30' },
  },
});
const durationMs = args.quick ? 400 : Number(args.duration);
const rounds = args.quick ? 2 : Number(args.rounds);
const warmupMs = args.quick ? 200 : Number(args.warmup);

// The bench imports undici itself: make sure Node's fetch (and so ky) still runs on Node's own
// dispatcher, not on the npm undici Agent, or the ky rows would measure the wrong thing.
const globalDispatcher = (globalThis as Record<symbol, unknown>)[Symbol.for('undici.globalDispatcher.1')];
if (globalDispatcher instanceof UndiciAgent) throw new Error('the npm undici Agent became the global dispatcher; the ky rows would be wrong');

interface Sample {
  readonly rps: number;
  readonly cpuUsPerRequest: number;
  readonly latencies: Float64Array;
}

async function measure(client: BenchClient, concurrency: number, ms: number): Promise<Sample> {
  const latencies = new Float64Array(2_000_000);
  let count = 0;
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const end = t0 + ms;
  const worker = async (): Promise<void> => {
    while (performance.now() < end) {
      const started = performance.now();
      await client.send();
      if (count < latencies.length) latencies[count] = performance.now() - started;
      count++;
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  const elapsed = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  return { rps: (count / elapsed) * 1000, cpuUsPerRequest: (cpu.user + cpu.system) / count, latencies: latencies.subarray(0, count) };
}

async function startServer(): Promise<{ child: ChildProcess; url: string }> {
  const script = fileURLToPath(new URL('./server.ts', import.meta.url));
  const child = spawn(process.execPath, ['--import', 'tsx', script], { stdio: ['ignore', 'pipe', 'inherit'] });
  const [chunk] = (await once(child.stdout, 'data')) as [Buffer];
  return { child, url: `http://127.0.0.1:${chunk.toString().trim()}` };
}

if (args.processes) {
  await runMultiprocessBench({ seconds: args.quick ? 5 : 10, limit: 50, windowSeconds: 5 });
  process.exit(0);
}

if (args.outage) {
  await runOutageBench({ seconds: Number(args['outage-seconds']), intervalMs: 25 });
  process.exit(0);
}

if (args.emulator) {
  await runEmulatorBench({ durationMs, rounds, warmupMs });
  process.exit(0);
}

if (args.micro) {
  await runMicro({ calls: args.quick ? 50_000 : 200_000, rounds });
  process.exit(0);
}

const { child, url } = await startServer();
try {
  const clients = [nodeHttpClient(url), bareKyClient(url), pipelineClient(url, 'ky'), bareUndiciClient(url), pipelineClient(url, 'undici')];
  const [nodeHttp, bareKy, pipelineKy, , pipelineUndici] = clients;
  console.log(`Switchboard bench: Node ${process.version}, server in its own process on ${url}`);
  console.log(`${rounds} interleaved rounds of ${durationMs} ms per client and concurrency, after ${warmupMs} ms warm-up; medians.\n`);

  const ratios = new Map<string, number>();
  for (const concurrency of [1, 64]) {
    for (const client of clients) await measure(client, concurrency, warmupMs);
    const samples = new Map<BenchClient, Sample[]>(clients.map((c) => [c, []]));
    for (let round = 0; round < rounds; round++) {
      for (const client of clients) samples.get(client)?.push(await measure(client, concurrency, durationMs));
    }
    const rpsOf = (c: BenchClient | undefined) => median((samples.get(c!) ?? []).map((s) => s.rps));
    const rows = clients.map((client) => {
      const runs = samples.get(client) ?? [];
      const all = runs.map((s) => s.latencies);
      const pooled = new Float64Array(all.reduce((n, l) => n + l.length, 0));
      all.reduce((offset, l) => (pooled.set(l, offset), offset + l.length), 0);
      const rps = rpsOf(client);
      ratios.set(`${client.name}@${concurrency}/ky`, rps / rpsOf(bareKy));
      ratios.set(`${client.name}@${concurrency}/http`, rps / rpsOf(nodeHttp));
      return [
        client.name,
        fmt(rps),
        `${fmt(Math.min(...runs.map((s) => s.rps)))}–${fmt(Math.max(...runs.map((s) => s.rps)))}`,
        fmt(percentile(pooled, 50) * 1000),
        fmt(percentile(pooled, 99) * 1000),
        fmt(median(runs.map((s) => s.cpuUsPerRequest)), 1),
        fmt(rps / rpsOf(bareKy), 2),
        fmt(rps / rpsOf(nodeHttp), 2),
      ];
    });
    console.log(`Concurrency ${concurrency}\n`);
    printTable(['client', 'req/s', 'min–max', 'p50 µs', 'p99 µs', 'CPU µs/req', '× bare ky', '× node:http'], rows);
    console.log('');
  }

  const micro = await runMicro({ calls: args.quick ? 50_000 : 200_000, rounds });
  for (const client of clients) await client.close();

  const bars = [
    [`pipeline on ky ≥ 0.95 × bare ky req/s at concurrency 1`, ratios.get(`${pipelineKy?.name}@1/ky`) ?? 0, 0.95],
    [`pipeline on ky ≥ 0.95 × bare ky req/s at concurrency 64`, ratios.get(`${pipelineKy?.name}@64/ky`) ?? 0, 0.95],
    [`pipeline on undici ≥ 0.85 × node:http req/s at concurrency 64`, ratios.get(`${pipelineUndici?.name}@64/http`) ?? 0, 0.85],
  ] as const;
  console.log('\nBars\n');
  printTable(
    ['bar', 'measured', 'met'],
    [
      ...bars.map(([name, value, bar]) => [name, fmt(value, 3), value >= bar ? 'yes' : 'NO']),
      ['pipeline own CPU cost ≤ 2 µs per call (5 idle middleware)', `${fmt(micro.pipelineCpuNs / 1000, 2)} µs`, micro.pipelineCpuNs <= 2000 ? 'yes' : 'NO'],
    ],
  );
} finally {
  child.kill('SIGTERM');
}

await runEmulatorBench({ durationMs, rounds, warmupMs });
