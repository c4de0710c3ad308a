/**
 * A fake clock for tests of the timing middleware (the retry, the pause after a 429, the rate
 * limiter): every clock they read or wait on is simulated, so a wait is checked to the millisecond
 * and takes no real time. Sockets stay real, and take no simulated time. Only for vitest files.
 */
import { setImmediate as realImmediate } from 'node:timers/promises';
import { expect, vi } from 'vitest';
import { settledState } from './fakes.js';

/**
 * Fakes timers (the retry's and the pause's waits, bottleneck's turn timers and its reservoir's
 * refill interval), Date (when a pause ends) and performance (the time a call reports it waited).
 * With `immediates`, setImmediate too: a LocalLimiter's turns go through it (bottleneck-fast-turns.ts),
 * and left real they run outside the simulated time, after the clock has moved on. A fake immediate
 * queued while the clock advances runs one simulated millisecond later, so each turn takes a few.
 */
export function useFakeClock(options: { readonly immediates?: boolean } = {}): void {
  vi.useFakeTimers({
    toFake: [
      'setTimeout',
      'clearTimeout',
      'setInterval',
      'clearInterval',
      'Date',
      'performance',
      ...(options.immediates ? (['setImmediate', 'clearImmediate'] as const) : []),
    ],
  });
}

/**
 * Runs the fake clock from timer to timer until `done()` is true, so that the clock stops where
 * that came (a test may go on from that moment), and at most `limitMs` further. The test fails
 * there, saying what it waited for, when `done()` is still false then, rather than hang until its
 * timeout. For what waits only on the fake clock (an in-memory transport), not on sockets.
 */
export async function runClockUntil(done: () => boolean, what: string, limitMs: number): Promise<void> {
  const limit = Date.now() + limitMs;
  // What is due now first (a 0 ms timer, the first steps of what was just started), then one timer after another.
  await vi.advanceTimersByTimeAsync(0);
  while (!done() && Date.now() < limit) {
    // No timer left may only mean that the promises the last one set going have not yet set the
    // next: advancing by nothing lets them run first.
    if (vi.getTimerCount() === 0) await vi.advanceTimersByTimeAsync(0);
    if (done() || vi.getTimerCount() === 0) break;
    await vi.advanceTimersToNextTimerAsync();
  }
  expect(done(), `${what}, within ${limitMs} ms of the fake clock`).toBe(true);
}

/** `work`'s outcome, once {@link runClockUntil} has run the fake clock until it settled. */
export async function runClockUntilSettled<T>(work: Promise<T>, limitMs: number): Promise<T> {
  const state = settledState(work);
  await runClockUntil(() => state.current !== 'pending', 'the work to settle', limitMs);
  return work;
}

/** How long {@link runClockWithSocketsUntil} waits, in real time, for a request or an answer on a socket. */
const SOCKET_PATIENCE_MS = 10_000;

/**
 * {@link runClockUntil} for work that also goes over real sockets (a loopback server on the fake
 * clock): the clock moves on only while `idle()` says nothing is on its way over one (no request
 * on its way to the server, no answer on its way back), so that a round trip takes no simulated
 * time and every time stays exact. Until then it lets the real event loop turn, at most
 * 10 s of real time each time, then fails saying so rather than hang. Timers are fired one
 * at a time, each followed by a real turn (by then every promise it set going has run as far as
 * it can, which a turn of the event loop guarantees).
 */
export async function runClockWithSocketsUntil(done: () => boolean, idle: () => boolean, what: string, limitMs: number): Promise<void> {
  const limit = Date.now() + limitMs;
  for (;;) {
    const since = process.hrtime.bigint();
    do {
      await realImmediate();
      if (process.hrtime.bigint() - since > BigInt(SOCKET_PATIENCE_MS) * 1_000_000n)
        throw new Error(`${what}: something was still on a socket after ${SOCKET_PATIENCE_MS} ms of real time`);
    } while (!idle());
    if (done() || vi.getTimerCount() === 0 || Date.now() >= limit) break;
    vi.advanceTimersToNextTimer();
  }
  expect(done(), `${what}, within ${limitMs} ms of the fake clock`).toBe(true);
}
