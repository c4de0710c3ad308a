/**
 * Many worker processes against one org limit on the emulator: the shared Redis limiter next to
 * per-process limiters (each paced at the full limit on its own), with and without following the
 * server's headers; pacing alone is what simpler clients do.
 * Allowed rate, achieved rate and their ratio, 429s, the p99 time a call waited, and the workers'
 * resident memory at the end of the run.
 */
import { fileURLToPath } from 'node:url';
import { startEmulator } from '@switchboard/emulator';
import { startRedis } from '../test/support/redis.js';
import { runWorkers } from '../test/support/workers.js';
import { fmt, percentile, printTable } from './stats.js';

export async function runMultiprocessBench(options: { seconds: number; limit: number; windowSeconds: number }): Promise<void> {
  const redis = await startRedis();
  const { port } = redis;
  const rows: string[][] = [];
  try {
    for (const mode of ['redis', 'local', 'naive'] as const) {
      for (const workers of [1, 4, 8, 16]) {
        const emulator = await startEmulator({
          rateLimit: { limit: 1_000_000, windowSeconds: 60 },
          orgRateLimit: { limit: options.limit, windowSeconds: options.windowSeconds },
        });
        const setup = {
          apiUrl: emulator.apiUrl,
          loginUrl: emulator.loginUrl,
          clientId: emulator.client.clientId,
          clientSecret: emulator.client.clientSecret,
          redisPort: port,
          limiterId: `bench-${mode}-${workers}-${Date.now()}`,
          limit: options.limit,
          intervalMs: options.windowSeconds * 1000,
          mode,
          concurrency: 4,
        };
        const reports = await runWorkers(
          fileURLToPath(new URL('../test/integration/redis-worker.mjs', import.meta.url)),
          setup,
          workers,
          options.seconds * 1000,
          fileURLToPath(new URL('../test', import.meta.url)),
        );
        const ok = reports.reduce((n, r) => n + r.ok, 0);
        const allowedRate = options.limit / options.windowSeconds;
        const achieved = ok / options.seconds;
        const waits = reports.flatMap((r) => r.queueWaits);
        const rssMiB = reports.map((r) => r.rssBytes / 2 ** 20);
        rows.push([
          { redis: 'shared Redis limiter', local: 'per-process, following the server', naive: 'per-process pacing only' }[mode],
          String(workers),
          fmt(allowedRate, 1),
          fmt(achieved, 1),
          fmt(achieved / allowedRate, 2),
          fmt(emulator.stats.tooManyRequests),
          fmt(percentile(waits, 99)),
          fmt(rssMiB.reduce((a, b) => a + b, 0) / rssMiB.length, 0),
          fmt(
            rssMiB.reduce((a, b) => a + b, 0),
            0,
          ),
        ]);
        await emulator.stop();
      }
    }
  } finally {
    await redis.stop();
  }
  console.log(
    `\nMany processes, one org limit of ${options.limit} per ${options.windowSeconds} s on the emulator, ${options.seconds} s per run, 4 calls in flight per process\n`,
  );
  printTable(
    [
      'limiter',
      'processes',
      'allowed req/s',
      'achieved req/s',
      'achieved ÷ allowed',
      '429s',
      'p99 wait ms',
      'RSS per worker MiB',
      'RSS all workers MiB',
    ],
    rows,
  );
}
