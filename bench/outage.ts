/**
 * Retry amplification during an outage: the emulator answers every GET of the settings with 503
 * for a scripted window while calls arrive at a fixed rate (an open loop, as a service's own
 * traffic would); requests sent ÷ calls made, with the retry budget and without it.
 */
import { startEmulator } from '@switchboard/emulator';
import { WebChatAPI } from '@switchboard/webchat';
import { fmt, percentile, printTable } from './stats.js';

interface Run {
  readonly name: string;
  readonly calls: number;
  readonly requests: number;
  readonly failed: number;
  readonly p50Ms: number;
}

async function run(name: string, budget: boolean, seconds: number, intervalMs: number): Promise<Run> {
  const emulator = await startEmulator({
    rateLimit: { limit: 1_000_000, windowSeconds: 60 },
    orgRateLimit: { limit: 1_000_000, windowSeconds: 60 },
  });
  const api = new WebChatAPI({
    baseUrl: emulator.apiUrl,
    loginUrl: emulator.loginUrl,
    oauth: { clientId: emulator.client.clientId, clientSecret: emulator.client.clientSecret },
    retry: budget ? {} : { budget: false },
    onDeprecated: () => undefined,
  });
  await api.getWebchatSettings(); // the token, before the outage
  const before = emulator.stats.requests('getWebchatSettings');
  const rule = emulator.faults.add({ match: { operationId: 'getWebchatSettings' }, fault: { kind: 'status', status: 503 } });
  const durations: number[] = [];
  const pending: Promise<void>[] = [];
  let failed = 0;
  const end = performance.now() + seconds * 1000;
  while (performance.now() < end) {
    const started = performance.now();
    pending.push(
      api.getWebchatSettings().then(
        () => void durations.push(performance.now() - started),
        () => {
          failed++;
          durations.push(performance.now() - started);
        },
      ),
    );
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
  await Promise.all(pending);
  emulator.faults.remove(rule);
  const requests = emulator.stats.requests('getWebchatSettings') - before;
  await api.close();
  await emulator.stop();
  return { name, calls: pending.length, requests, failed, p50Ms: percentile(durations, 50) };
}

export async function runOutageBench(options: { seconds: number; intervalMs: number }): Promise<void> {
  const runs = [
    await run('retry with budget (default)', true, options.seconds, options.intervalMs),
    await run('retry without budget', false, options.seconds, options.intervalMs),
  ];
  console.log(
    `\nRetry amplification: a ${options.seconds} s outage (every call answered 503), one call every ${options.intervalMs} ms, default retry policy (4 attempts)\n`,
  );
  printTable(
    ['client', 'calls', 'requests sent', 'requests ÷ calls', 'failed calls', 'p50 call ms'],
    runs.map((r) => [r.name, fmt(r.calls), fmt(r.requests), fmt(r.requests / r.calls, 2), fmt(r.failed), fmt(r.p50Ms)]),
  );
}
