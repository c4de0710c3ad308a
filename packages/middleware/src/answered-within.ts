/**
 * A bounded wait for work that may never end (a command to a Redis that does not answer), told as
 * a yes or a no rather than as a rejection: the callers that only need to get on (closing, waiting
 * for a first connection) ignore the answer, and the health check turns a no into an outage.
 */

/**
 * Whether `work` succeeded within `ms`: false when it failed or was still running after `ms`.
 * Never rejects, and stops waiting at `ms` (the work itself goes on; what it does later is
 * nobody's concern). The timer does not keep the process alive, and goes as soon as `work` settles.
 * @param ms - how long to wait at most, in milliseconds.
 * @param work - a promise, or what bottleneck returns instead of one (a value counts as success).
 */
export function answeredWithin(ms: number, work: unknown): Promise<boolean> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<false>((resolve) => {
    timer = setTimeout(() => resolve(false), ms);
    timer.unref();
  });
  const settled = Promise.resolve(work).then(
    () => true,
    () => false,
  );
  return Promise.race([settled, late]).finally(() => clearTimeout(timer));
}
