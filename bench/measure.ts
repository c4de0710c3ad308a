/**
 * How the end-to-end tables measure: clients in interleaved rounds (so that the machine's noise
 * falls on every row alike) against the small-JSON server of bench/server.ts in a process of its
 * own. One home for run.ts's tables and hostile.ts's.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import type { BenchClient } from './clients.js';
import { fmt, fmtRange, median, percentile } from './stats.js';

export interface Sample {
  readonly rps: number;
  readonly cpuUsPerRequest: number;
  readonly latencies: Float64Array;
}

/** How long to warm up and measure each client, and how many interleaved rounds. */
export interface RoundSettings {
  readonly durationMs: number;
  readonly rounds: number;
  readonly warmupMs: number;
}

/** `concurrency` callers sending one request after another for `ms`: req/s, this process's CPU per request, every latency. */
export async function measure(client: BenchClient, concurrency: number, ms: number): Promise<Sample> {
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

/** Warms every client up, then measures them one after another, `rounds` times over: each client's samples. */
export async function measureInterleaved(
  clients: readonly BenchClient[],
  concurrency: number,
  settings: RoundSettings,
): Promise<Map<BenchClient, Sample[]>> {
  for (const client of clients) await measure(client, concurrency, settings.warmupMs);
  const samples = new Map<BenchClient, Sample[]>(clients.map((c) => [c, []]));
  for (let round = 0; round < settings.rounds; round++) {
    for (const client of clients) samples.get(client)?.push(await measure(client, concurrency, settings.durationMs));
  }
  return samples;
}

/** The latencies of every round in one array, for percentiles over the whole run. */
export function pooledLatencies(runs: readonly Pick<Sample, 'latencies'>[]): Float64Array {
  const pooled = new Float64Array(runs.reduce((n, s) => n + s.latencies.length, 0));
  runs.reduce((offset, s) => (pooled.set(s.latencies, offset), offset + s.latencies.length), 0);
  return pooled;
}

/** The cells every throughput table starts a row with: the name, median req/s, its min–max, p50 and p99 latency in µs over every round. */
export function throughputCells(name: string, runs: readonly Pick<Sample, 'rps' | 'latencies'>[]): string[] {
  const pooled = pooledLatencies(runs);
  const rps = runs.map((run) => run.rps);
  return [name, fmt(median(rps)), fmtRange(rps), fmt(percentile(pooled, 50) * 1000), fmt(percentile(pooled, 99) * 1000)];
}

/**
 * Runs `args` (a script and its options) under tsx in a process of its own, and waits until what
 * it prints matches `pattern` (its port, its URLs): the child and the match. Kill the child when done.
 */
export async function startScript(args: readonly string[], pattern: RegExp): Promise<{ child: ChildProcess; match: RegExpExecArray }> {
  const child = spawn(process.execPath, ['--import', 'tsx', ...args], { stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  for (;;) {
    const [chunk] = (await once(child.stdout, 'data')) as [Buffer];
    out += chunk.toString();
    const match = pattern.exec(out);
    if (match) return { child, match };
  }
}

/** A bench script beside this file, by its name. */
export const benchScript = (name: string): string => fileURLToPath(new URL(name, import.meta.url));

/** Starts bench/server.ts (small JSON on every path) in a process of its own; kill the child when done. */
export async function startServer(): Promise<{ child: ChildProcess; url: string }> {
  const { child, match } = await startScript([benchScript('./server.ts')], /^(\d+)\n/);
  return { child, url: `http://127.0.0.1:${match[1] ?? ''}` };
}
