/** The clock a stream runs on: the system's by default, a fake one in tests of its state machine. */

/** A timer handle, as the clock's `setTimeout` gives it. */
export type TimerHandle = object | number;

/** Time and timers: what a stream reads and sets instead of the globals, so that tests can drive it. */
export interface Clock {
  /** Milliseconds since some fixed point (the system clock's: the epoch). */
  now(): number;
  /** Calls `callback` once, `ms` from now. */
  setTimeout(callback: () => void, ms: number): TimerHandle;
  /** Cancels a timer; a handle already run or cleared is fine. */
  clearTimeout(handle: TimerHandle | undefined): void;
}

/** The system clock: `Date.now()` and the global timers. */
export const systemClock: Clock = {
  now: () => Date.now(),
  setTimeout: (callback, ms) => setTimeout(callback, ms),
  clearTimeout: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout> | undefined),
};
