/** The end-to-end comparison table of run.ts and peers.ts: clients side by side, a table per concurrency. */
import type { BenchClient } from './clients.js';
import { measureInterleaved, type RoundSettings, type Sample, throughputCells } from './measure.js';
import { fmt, median, printTable } from './stats.js';

/** What compare() measured: the ratios (see compare()) and each client's samples by round, as `name@concurrency`. */
export interface Comparison {
  readonly ratios: Map<string, number>;
  readonly rounds: Map<string, readonly Sample[]>;
}

/**
 * Measures `clients` side by side (interleaved rounds) at concurrency 1 and 64, prints a table per
 * concurrency, and returns each client's req/s relative to bare ky and node:http as
 * `name@concurrency/ky` and `name@concurrency/http` (when those clients are in the list), and its
 * median CPU µs per request as `name@concurrency/cpu`; and over each of `reference.others` (not
 * printed) as `name@concurrency/key`.
 *
 * A ratio is the median of the ratios of each round, not the ratio of the medians: the clients of
 * one round run within seconds of each other, while the machine's speed drifts over a run (on a
 * shared 2-core machine, by a third between runs of the same code), so a round's ratio cancels the
 * drift that the rounds' medians keep.
 */
export async function compare(
  clients: readonly BenchClient[],
  reference: { ky: BenchClient; http?: BenchClient; others?: Readonly<Record<string, BenchClient>> },
  heading: string,
  settings: RoundSettings,
): Promise<Comparison> {
  const ratios = new Map<string, number>();
  const rounds = new Map<string, Sample[]>();
  for (const concurrency of [1, 64]) {
    const samples = await measureInterleaved(clients, concurrency, settings);
    /** The median over rounds of `client`'s req/s over `reference`'s in the same round. */
    const ratioOf = (client: BenchClient, reference: BenchClient): number => {
      const theirs = samples.get(reference) ?? [];
      return median((samples.get(client) ?? []).map((sample, round) => sample.rps / (theirs[round]?.rps ?? Number.NaN)));
    };
    const rows = clients.map((client) => {
      const runs = samples.get(client) ?? [];
      rounds.set(`${client.name}@${concurrency}`, runs);
      const overKy = ratioOf(client, reference.ky);
      const overHttp = reference.http ? ratioOf(client, reference.http) : Number.NaN;
      ratios.set(`${client.name}@${concurrency}/ky`, overKy);
      ratios.set(`${client.name}@${concurrency}/cpu`, median(runs.map((s) => s.cpuUsPerRequest)));
      if (reference.http) ratios.set(`${client.name}@${concurrency}/http`, overHttp);
      for (const [key, other] of Object.entries(reference.others ?? {}))
        ratios.set(`${client.name}@${concurrency}/${key}`, ratioOf(client, other));
      return [
        ...throughputCells(client.name, runs),
        fmt(median(runs.map((s) => s.cpuUsPerRequest)), 1),
        fmt(overKy, 2),
        ...(reference.http ? [fmt(overHttp, 2)] : []),
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
  return { ratios, rounds };
}
