/**
 * What a rate limiter's turn costs when there is quota to spare: `acquire()` then `release()`, one
 * caller after another, so that nothing ever queues. LocalLimiter and RedisLimiter next to
 * bottleneck alone (`schedule()` of an empty job, in memory and clustered on the same Redis), in
 * interleaved rounds so that the machine's noise falls on every row alike.
 */
import { LocalLimiter } from '@switchboard/middleware';
import { RedisLimiter } from '@switchboard/middleware/redis';
import Bottleneck from 'bottleneck';
import { Redis } from 'ioredis';
import { startRedis } from '../test/support/redis.js';
import { fmt, percentile, printTable } from './stats.js';

interface Subject {
  readonly name: string;
  /** One turn: resolves when it is over. */
  turn(): Promise<void>;
  close(): Promise<void>;
}

const PLENTY = { limit: 1_000_000_000, intervalMs: 60_000 };

function bottleneckAlone(name: string, options: Bottleneck.ConstructorOptions): Subject {
  const limiter = new Bottleneck({
    reservoir: PLENTY.limit,
    reservoirRefreshAmount: PLENTY.limit,
    reservoirRefreshInterval: PLENTY.intervalMs,
    ...options,
  });
  const empty = () => Promise.resolve();
  return { name, turn: () => limiter.schedule(empty), close: () => limiter.disconnect() };
}

function ours(name: string, limiter: LocalLimiter | RedisLimiter): Subject {
  return {
    name,
    turn: async () => (await limiter.acquire({ operationId: 'bench', timeoutMs: 10_000 })).release(),
    close: () => limiter.close(),
  };
}

export async function runLimiterBench(options: { turns: number; rounds: number }): Promise<void> {
  const redis = await startRedis();
  const connection = { host: redis.host, port: redis.port };
  const run = Date.now();
  const subjects: Subject[] = [
    bottleneckAlone('bottleneck 2.19.5 alone, in memory', {}),
    ours('LocalLimiter', new LocalLimiter(PLENTY)),
    bottleneckAlone('bottleneck 2.19.5 alone, on Redis', {
      id: `bench-bottleneck-${run}`,
      datastore: 'ioredis',
      Redis,
      clientOptions: connection,
      clearDatastore: true,
    }),
    ours('RedisLimiter', new RedisLimiter({ id: `bench-limiter-${run}`, redis: connection, ...PLENTY })),
  ];
  const samples = new Map(subjects.map((s) => [s.name, [] as number[]]));
  try {
    await Promise.all(subjects.map(async (s) => s.turn())); // connected and warm
    for (let round = 0; round < options.rounds; round++) {
      for (const subject of subjects) {
        const times = samples.get(subject.name) as number[];
        for (let i = 0; i < options.turns; i++) {
          const started = performance.now();
          await subject.turn();
          times.push(performance.now() - started);
        }
      }
    }
  } finally {
    await Promise.all(subjects.map((s) => s.close()));
    await redis.stop();
  }
  console.log(
    `\nA limiter's turn with quota to spare (acquire + release, nothing queued), ${options.rounds} interleaved rounds of ${options.turns} turns, Redis on loopback\n`,
  );
  printTable(
    ['limiter', 'turns', 'p50 ms', 'p99 ms'],
    subjects.map((s) => {
      const times = samples.get(s.name) as number[];
      return [s.name, fmt(times.length), fmt(percentile(times, 50), 3), fmt(percentile(times, 99), 3)];
    }),
  );
}
