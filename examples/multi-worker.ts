/**
 * Several worker processes, one Genesys org limit: each worker's WebChatAPI takes its turns from a
 * RedisLimiter with the same id, so that together they stay within the limit however many they are.
 * Run it with `REDIS_URL=redis://127.0.0.1:6379 npm run example:multi-worker`.
 *
 * The parent starts the local emulator with a low org limit, forks the workers (`node:child_process`)
 * and gives each the connection details over IPC; the workers call as fast as the shared limiter
 * lets them until a common end, then report; the parent prints what each did.
 *
 * Environment: REDIS_URL (required), WORKERS (default 4), RUN_SECONDS (default 5),
 * ORG_LIMIT (default 20) per ORG_WINDOW_SECONDS (default 2), CONCURRENCY per worker (default 4).
 * All traffic goes to 127.0.0.1 (the emulator) and to Redis.
 */
import { type ChildProcess, fork } from 'node:child_process';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import type { Emulator } from '@switchboard/emulator';
import { WebChatAPI } from '@switchboard/webchat';
import { RedisLimiter } from '@switchboard/webchat/redis';
import { redisOptions } from './support/redis-options.js';
import { configError, numberSetting } from './support/settings.js';

/** What the parent tells a worker. */
interface Setup {
  readonly apiUrl: string;
  readonly loginUrl: string;
  readonly clientId: string;
  readonly clientSecret: string;
  readonly redisUrl: string;
  readonly limiterId: string;
  readonly limit: number;
  readonly intervalMs: number;
  readonly concurrency: number;
}

interface Go {
  readonly type: 'go';
  readonly startAt: number;
  readonly endAt: number;
}

interface Report {
  readonly type: 'report';
  /** Calls that succeeded before the end. */
  readonly calls: number;
  /** 429 answers seen (retried ones included). */
  readonly tooMany: number;
  /** Calls that failed before the end. */
  readonly failed: number;
}

/** The next IPC message from the parent (or from a child) that passes `accept`. */
function nextMessage<T>(from: NodeJS.Process | ChildProcess, accept: (message: unknown) => message is T): Promise<T> {
  return new Promise((resolve) => {
    const listener = (message: unknown): void => {
      if (!accept(message)) return;
      from.off('message', listener);
      resolve(message);
    };
    from.on('message', listener);
  });
}

const isType =
  <T>(type: string) =>
  (message: unknown): message is T =>
    typeof message === 'object' && message !== null && (message as { type?: unknown }).type === type;

async function worker(): Promise<void> {
  let reported = false;
  // The parent is gone (killed or crashed) before this worker reported: nothing more will come, and
  // the limiter's Redis connection would keep the process alive for good.
  process.once('disconnect', () => {
    if (!reported) process.exit(1);
  });
  const { setup } = await nextMessage(process, isType<{ type: 'setup'; setup: Setup }>('setup'));
  const limiter = new RedisLimiter({
    id: setup.limiterId,
    redis: redisOptions(setup.redisUrl),
    limit: setup.limit,
    intervalMs: setup.intervalMs,
  });
  await limiter.ready();
  const api = new WebChatAPI({
    baseUrl: setup.apiUrl,
    loginUrl: setup.loginUrl,
    oauth: { clientId: setup.clientId, clientSecret: setup.clientSecret },
    rateLimit: { limiter },
    onDeprecated: () => undefined,
  });
  let tooMany = 0;
  api.on('attempt.end', (event) => {
    if (event.status === 429) tooMany++;
  });
  const going = nextMessage(process, isType<Go>('go'));
  process.send?.({ type: 'ready' });
  const { startAt, endAt } = await going;
  await sleep(Math.max(0, startAt - Date.now()));
  let calls = 0;
  let failed = 0;
  await Promise.all(
    Array.from({ length: setup.concurrency }, async () => {
      while (Date.now() < endAt) {
        try {
          // The deadline ends a call still waiting for its turn at the common end.
          await api.getWebchatSettings({}, { deadline: endAt });
          if (Date.now() <= endAt) calls++;
        } catch {
          if (Date.now() < endAt) failed++;
        }
      }
    }),
  );
  await api.close();
  await limiter.close();
  const report: Report = { type: 'report', calls, tooMany, failed };
  reported = true;
  // Once the report is out, the IPC channel is all that keeps this process alive.
  process.send?.(report, () => process.disconnect());
}

/** The run's table, per worker and in total, next to what the org limit allowed and what the emulator saw. */
function printReport(
  reports: readonly Report[],
  children: readonly ChildProcess[],
  run: { seconds: number; windowSeconds: number; limit: number },
  emulator: Emulator,
): void {
  const rows = reports.map((report, index) => [
    String(index + 1),
    String(children[index]?.pid ?? ''),
    String(report.calls),
    String(report.tooMany),
    String(report.failed),
  ]);
  const calls = reports.reduce((sum, r) => sum + r.calls, 0);
  const tooMany = reports.reduce((sum, r) => sum + r.tooMany, 0);
  const failed = reports.reduce((sum, r) => sum + r.failed, 0);
  const table = [['worker', 'pid', 'calls', '429s', 'errors'], ...rows, ['total', '', String(calls), String(tooMany), String(failed)]];
  const widths = table[0]?.map((_, column) => Math.max(...table.map((row) => row[column]?.length ?? 0))) ?? [];
  console.log('');
  for (const row of table) console.log(row.map((cell, column) => cell.padStart(widths[column] ?? 0)).join('   '));
  // Fixed windows from the first request: in `seconds`, at most this many windows begin.
  const windows = Math.ceil(run.seconds / run.windowSeconds);
  console.log('');
  console.log(
    `The org limit allows at most ${run.limit * windows} calls in ${run.seconds} s (${run.limit} in each of ${windows} window${windows === 1 ? '' : 's'}); the workers made ${calls} and met ${tooMany} 429s.`,
  );
  const sent = emulator.stats.requests('getWebchatSettings');
  console.log(
    `The emulator received ${sent} of these calls (${emulator.stats.requests('getWebchatSettings', 200)} answered 200) and sent ${emulator.stats.tooManyRequests} 429s.`,
  );
}

/**
 * Forks the workers, with what the parent needs to follow them: when each has exited, each one's
 * report, and `bounded`, which fails a step that takes too long or a worker that ends before it reports.
 */
function forkWorkers(workers: number) {
  // A fork inherits this process's execArgv, so under tsx the workers run the TypeScript too.
  const children = Array.from({ length: workers }, () =>
    fork(fileURLToPath(import.meta.url), ['worker'], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] }),
  );
  const stopAll = (): void => {
    for (const child of children) if (child.exitCode === null) child.kill();
  };
  // 'close' rather than 'exit': it comes after the IPC channel has delivered the worker's last message.
  const exited = children.map((child) => new Promise<number | null>((resolve) => child.once('close', (code) => resolve(code))));
  const reported = children.map((child) => nextMessage(child, isType<Report>('report')));
  const hasReported = children.map(() => false);
  reported.forEach((report, index) => void report.then(() => (hasReported[index] = true)));
  // A worker that ends before it reports fails the run instead of leaving the parent waiting.
  const failure = new Promise<never>((_, reject) =>
    exited.forEach(
      (done, index) =>
        void done.then((code) => {
          if (!hasReported[index]) reject(new Error(`worker ${index + 1} exited (code ${code}) before it reported`));
        }),
    ),
  );
  failure.catch(() => undefined); // raced below
  const bounded = <T>(what: string, ms: number, work: Promise<T>): Promise<T> =>
    Promise.race([
      work,
      failure,
      sleep(ms, undefined, { ref: false }).then(() => Promise.reject(new Error(`${what} took more than ${ms / 1000} s`))),
    ]);
  return { children, stopAll, exited, reported, bounded };
}

async function parent(): Promise<void> {
  const redisUrl = process.env.REDIS_URL;
  if (!redisUrl) {
    configError(
      'REDIS_URL is not set: the workers share their limit through Redis. Start one and point REDIS_URL at it, for example:',
      '  redis-server --port 6379 --bind 127.0.0.1 --save "" --appendonly no   (or: docker run --rm -p 6379:6379 redis:7)',
      '  REDIS_URL=redis://127.0.0.1:6379 npm run example:multi-worker',
    );
  }
  const workers = numberSetting('WORKERS', 4, { whole: true, max: 32 });
  const seconds = numberSetting('RUN_SECONDS', 5, { whole: true, max: 300 });
  const limit = numberSetting('ORG_LIMIT', 20, { whole: true, max: 100_000 });
  const windowSeconds = numberSetting('ORG_WINDOW_SECONDS', 2, { whole: true, max: 3_600 });
  const concurrency = numberSetting('CONCURRENCY', 4, { whole: true, max: 64 });

  const { startEmulator } = await import('@switchboard/emulator');
  // The org limit is the one that binds: each worker's own token may do far more.
  const emulator = await startEmulator({ rateLimit: { limit: 100_000, windowSeconds: 60 }, orgRateLimit: { limit, windowSeconds } });
  console.log(`The emulator at ${emulator.apiUrl} allows the organisation ${limit} requests per ${windowSeconds} s.`);
  console.log(
    `Starting ${workers} worker processes, ${concurrency} calls at a time each, sharing that limit through Redis for ${seconds} s.`,
  );

  const setup: Setup = {
    apiUrl: emulator.apiUrl,
    loginUrl: emulator.loginUrl,
    clientId: emulator.client.clientId,
    clientSecret: emulator.client.clientSecret,
    redisUrl,
    // One id per org: every process that uses it shares one budget.
    limiterId: `multi-worker-example:${emulator.organizationId}`,
    limit,
    intervalMs: windowSeconds * 1000,
    concurrency,
  };
  const { children, stopAll, exited, reported, bounded } = forkWorkers(workers);
  // Ctrl-C reaches the workers too (one process group); the parent only has to tidy up.
  const onSignal = (): void => {
    stopAll();
    void emulator.stop().finally(() => process.exit(1));
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);

  let exitCode = 0;
  try {
    const ready = children.map((child) => nextMessage(child, isType<{ type: 'ready' }>('ready')));
    for (const child of children) child.send({ type: 'setup', setup });
    await bounded('starting the workers', 120_000, Promise.all(ready));
    const startAt = Date.now() + 300;
    const endAt = startAt + seconds * 1000;
    for (const child of children) child.send({ type: 'go', startAt, endAt });
    const reports = await bounded('the run', seconds * 1000 + 60_000, Promise.all(reported));

    printReport(reports, children, { seconds, windowSeconds, limit }, emulator);
  } catch (error) {
    console.error(`The run failed: ${error instanceof Error ? error.message : String(error)}`);
    stopAll();
    exitCode = 1;
  }
  await Promise.all(exited.map((done) => Promise.race([done, sleep(10_000, undefined, { ref: false })])));
  stopAll();
  await emulator.stop();
  // Ends by itself once everything is closed (so that stdout is written out); the timer only bounds that.
  process.exitCode = exitCode;
  setTimeout(() => process.exit(exitCode), 2_000).unref();
}

await (process.argv[2] === 'worker' ? worker() : parent());
