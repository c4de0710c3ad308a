/** Asking a real limiter for turns, as the Redis suites do: timed only for lower bounds, or counted. */
import type { Limiter } from '@switchboard/middleware';

/**
 * Takes a permit and gives it back at once; resolves with the time since t0 it was granted. A
 * permit that does not come within 10 s rejects (E_TIMEOUT), so a limiter that hangs fails the test
 * however slow the machine is; the times are asserted only as lower bounds (a pause that held).
 */
export async function take(limiter: Limiter, t0: number): Promise<number> {
  const permit = await limiter.acquire({ operationId: 'op', timeoutMs: 10_000 });
  permit.release();
  return performance.now() - t0;
}

/** How `count` requests for a permit end within `timeoutMs` each: 'granted' or the error's code. Counted, never timed. */
export function tries(limiter: Limiter, count: number, timeoutMs: number): Promise<string>[] {
  return Array.from({ length: count }, () =>
    limiter.acquire({ operationId: 'op', timeoutMs }).then(
      (permit) => {
        permit.release();
        return 'granted';
      },
      (error: { code: string }) => error.code,
    ),
  );
}

/** How many of `outcomes` are `outcome`. */
export const count = (outcomes: readonly string[], outcome: string): number => outcomes.filter((o) => o === outcome).length;
