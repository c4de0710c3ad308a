/** Full-jitter exponential backoff (AWS Architecture Blog, "Exponential Backoff And Jitter"). Pure. */

/** The ceilings of {@link fullJitterBackoff}. */
export interface BackoffOptions {
  /**
   * The first retry's ceiling, in ms.
   * @default `200` where optional (in {@link RetryOptions}, from {@link DEFAULT_RETRY_SETTINGS})
   */
  readonly baseMs: number;
  /**
   * The largest ceiling, in ms.
   * @default `10_000` where optional (in {@link RetryOptions}, from {@link DEFAULT_RETRY_SETTINGS})
   */
  readonly capMs: number;
}

/** A wait for retry number `retry` (1 for the first): uniform in [0, min(cap, base × 2^(retry−1))). */
export function fullJitterBackoff(retry: number, options: BackoffOptions, random: () => number): number {
  const ceiling = Math.min(options.capMs, options.baseMs * 2 ** Math.max(0, retry - 1));
  return random() * ceiling;
}
