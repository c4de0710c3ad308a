/** The tests' one way to wait for real time to pass: a timer, through whatever `setTimeout` is current (a fake clock's too). */
export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** How long {@link eventually} keeps trying, and how often. */
export interface EventuallyOptions {
  /**
   * Give up after this long, with the check's last failure.
   * @default `10_000`
   */
  readonly timeoutMs?: number;
  /**
   * Time between tries.
   * @default `10`
   */
  readonly intervalMs?: number;
}

/**
 * Retries `check` (an assertion, or anything that throws or rejects until the state it waits for has
 * come) until it passes, and resolves with what it returned. For what another process, a socket or
 * a server does in its own time, with no event of its own to await: the test goes on as soon as the
 * state is there, instead of sleeping for a guess of how long it takes, and the bound is generous
 * because it only limits how long a failing test takes to say so (a loaded machine must never fail
 * a test that would pass). vitest's `vi.waitFor` does the retrying, on real timers even while a
 * fake clock is installed (it then advances the fake clock by the interval at each try).
 */
export async function eventually<T>(check: () => T | Promise<T>, options: EventuallyOptions = {}): Promise<T> {
  // Imported here rather than at the top: this file is also loaded outside vitest (through
  // test/support/proxy.ts, by the bench and the consumer check), which have no use for the runner.
  const { vi } = await import('vitest');
  return vi.waitFor(check, { timeout: options.timeoutMs ?? 10_000, interval: options.intervalMs ?? 10 });
}
