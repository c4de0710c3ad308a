/**
 * Turns without bottleneck 2.19.5's idle milliseconds, shipped in our own code.
 *
 * bottleneck 2.19.5 spends 4–5 ms on every `schedule()` even with quota to spare: its in-memory
 * datastore yields with `setTimeout(…, 0)` (at least 1 ms in Node) before each of its steps
 * (lib/LocalDatastore.js `yieldLoop`), and it starts each job through another `setTimeout(…, wait)`
 * with `wait` 0 (lib/Bottleneck.js `_run`). Both are there to give the event loop a turn, which
 * `setImmediate` does without the timer's millisecond (measured: 4.4 ms → 0.05 ms at p50). Jobs
 * bottleneck means to delay (`wait` above 0) keep their timer.
 *
 * Like the key-loss fix, this changes one limiter's own objects, never bottleneck's prototypes,
 * and only on the version it was written for. On another version it changes nothing: turns are
 * slower, never wrong, and a warning says so once.
 */
import Bottleneck from 'bottleneck';
import { FIXED_BOTTLENECK_VERSION } from './bottleneck-key-loss.js';

/** The parts of bottleneck 2.19.5 this uses (lib/Bottleneck.js `_run`, lib/LocalDatastore.js `yieldLoop`). */
interface Internals {
  _run(index: string, job: Job, wait: number): { timeout: ReturnType<typeof setTimeout> };
  _clearGlobalState(index: string): boolean;
  _free(index: string, job: Job, ...rest: unknown[]): Promise<unknown>;
  readonly _limiter: unknown;
  readonly _store: { yieldLoop?: (t?: number) => Promise<void> };
}

interface Job {
  readonly options: { readonly id: string };
  readonly retryCount: number;
  doExecute(
    limiter: unknown,
    clearGlobalState: () => boolean,
    run: (wait: number) => unknown,
    free: (...rest: unknown[]) => Promise<unknown>,
  ): unknown;
}

let warned = false;

function hasInternals(candidate: Partial<Internals>): candidate is Internals {
  return (
    typeof candidate._run === 'function' &&
    typeof candidate._clearGlobalState === 'function' &&
    typeof candidate._free === 'function' &&
    typeof candidate._store === 'object' &&
    candidate._store !== null
  );
}

/** Makes one bottleneck limiter start its jobs on the next turn of the event loop instead of after a timer. */
export function fastTurns(limiter: Bottleneck): void {
  const internals = limiter as unknown as Partial<Internals>;
  if ((Bottleneck as unknown as { version: string }).version !== FIXED_BOTTLENECK_VERSION || !hasInternals(internals)) {
    if (!warned) {
      warned = true;
      process.emitWarning(
        `@switchboard/middleware: bottleneck is not ${FIXED_BOTTLENECK_VERSION}; its turns keep their extra milliseconds`,
        { code: 'SWITCHBOARD_BOTTLENECK_VERSION' },
      );
    }
    return;
  }
  const store = internals._store;
  // Only the in-memory datastore yields this way; the Redis one waits for Redis instead.
  if (typeof store.yieldLoop === 'function') store.yieldLoop = () => new Promise<void>((resolve) => setImmediate(resolve));
  const run = internals._run.bind(internals);
  internals._run = function (this: Internals & Bottleneck, index, job, wait) {
    const scheduled = run(index, job, wait);
    if (wait > 0) return scheduled;
    // The same start bottleneck's timer would make, a millisecond sooner. Its timer handle stays
    // (cleared), for bottleneck's own clean-up to clear again. A job that `stop()` dropped in the
    // meantime (it clears that timer) is no longer in the state doExecute expects, and must not
    // start: RUNNING for a first run, EXECUTING for a retry.
    clearTimeout(scheduled.timeout);
    const expected = job.retryCount === 0 ? 'RUNNING' : 'EXECUTING';
    setImmediate(() => {
      if ((this.jobStatus(job.options.id) as string | null) !== expected) return;
      void job.doExecute(
        this._limiter,
        this._clearGlobalState.bind(this, index),
        this._run.bind(this, index, job),
        this._free.bind(this, index, job),
      );
    });
    return scheduled;
  };
}
