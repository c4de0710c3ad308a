/**
 * Web Messaging guest sessions against the emulator (`--session`): one session sending as fast as
 * the protocol allows for a while (messages echoed per second, 4029s, call-to-echo latency, which
 * includes the wait for its turn), and many sessions at once in one process (start time, memory
 * per session, the latency of one message each, every message echoed and answered).
 *
 * The emulator runs in this process (its sockets and the clients' share one event loop), so the
 * figures of the many-sessions table are a client's and a server's cost together.
 */
import { type Emulator, startEmulator } from '@switchboard/emulator';
import { type GuestSession, type SessionOptions, WebMessagingAPI } from '@switchboard/webmessaging';
import { fmt, percentile, printTable } from './stats.js';

/** A client of the emulator's Web Messaging, without telemetry (no SDK is registered here); its sessions behave as `session` says. */
export function clientOf(emulator: Emulator, session: SessionOptions = {}): WebMessagingAPI {
  return new WebMessagingAPI({
    baseUrl: emulator.apiUrl,
    webMessagingUrl: emulator.webMessagingUrl,
    deploymentId: emulator.webMessagingDeploymentId,
    tracing: false,
    metrics: false,
    session,
  });
}

/** One session, sends kept 2 ahead of their echoes for `seconds`. */
async function sustained(seconds: number): Promise<void> {
  const emulator = await startEmulator({ port: 0, agent: { replyDelayMs: 50 } });
  const api = clientOf(emulator);
  const session = await api.startSession();
  const latencies: number[] = [];
  const end = performance.now() + seconds * 1_000;
  const sender = async (): Promise<void> => {
    for (let i = 0; performance.now() < end; i++) {
      const started = performance.now();
      await session.sendMessage(`message ${i}`);
      latencies.push(performance.now() - started);
    }
  };
  const started = performance.now();
  await Promise.all([sender(), sender()]);
  const elapsed = (performance.now() - started) / 1_000;
  const { echoed, rateLimited, sent } = session.stats;
  await api.close();
  await emulator.stop();
  printTable(
    ['one session, 2 sends in flight', 'seconds', 'echoed', 'per second', '4029s', 'frames sent', 'p50 call→echo ms', 'p99 call→echo ms'],
    [
      [
        'default pace (2/s, 510 ms apart)',
        fmt(elapsed, 1),
        String(echoed),
        fmt(echoed / elapsed, 2),
        String(rateLimited),
        String(sent),
        fmt(percentile(latencies, 50)),
        fmt(percentile(latencies, 99)),
      ],
    ],
    'Web Messaging: one guest session sending as fast as it may',
  );
}

/** `count` sessions in one process: started together, one message each, every echo and answer awaited. */
async function many(count: number): Promise<void> {
  const emulator = await startEmulator({
    port: 0,
    agent: { joinDelayMs: 0, typingDelayMs: 10, replyDelayMs: 20 },
    rateLimit: { limit: 1_000_000, windowSeconds: 60 },
  });
  const api = clientOf(emulator);
  globalThis.gc?.();
  const heapBefore = process.memoryUsage().heapUsed;
  const startedAt = performance.now();
  const sessions: GuestSession[] = await Promise.all(Array.from({ length: count }, () => api.startSession()));
  const startMs = performance.now() - startedAt;
  globalThis.gc?.();
  const perSession = (process.memoryUsage().heapUsed - heapBefore) / count;
  const latencies: number[] = [];
  let answered = 0;
  await Promise.all(
    sessions.map(async (session, i) => {
      const answer = new Promise<void>((resolve) => {
        const stop = session.on('message', (event) => {
          if (event.message.direction === 'Outbound' && event.message.type !== 'Event') {
            answered++;
            stop();
            resolve();
          }
        });
      });
      const sent = performance.now();
      await session.sendMessage(`hello from session ${i}`);
      latencies.push(performance.now() - sent);
      await answer;
    }),
  );
  await api.close();
  await emulator.stop();
  printTable(
    ['sessions', 'start all (ms)', 'heap per session (KiB)', 'echoed', 'answered', 'p50 send→echo ms', 'p99 send→echo ms'],
    [
      [
        String(count),
        fmt(startMs),
        fmt(perSession / 1024, 1),
        String(latencies.length),
        String(answered),
        fmt(percentile(latencies, 50)),
        fmt(percentile(latencies, 99)),
      ],
    ],
    'Web Messaging: guest sessions at once in one process (emulator in the same process)',
  );
}

/** The session bench: `seconds` of one session sending, then `counts` sessions at once. */
export async function runSessionBench(options: { readonly seconds: number; readonly counts: readonly number[] }): Promise<void> {
  await sustained(options.seconds);
  for (const count of options.counts) await many(count);
}
