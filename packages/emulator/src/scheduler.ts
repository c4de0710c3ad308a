/** Timers that all stop at once: what the scripted agents schedule, so that none outlives `emulator.stop()`. */
export class Scheduler {
  readonly #timers = new Set<ReturnType<typeof setTimeout>>();
  #stopped = false;

  /** Runs `action` after `ms`, unless the scheduler stops first. */
  later(ms: number, action: () => void): void {
    if (this.#stopped) return;
    const timer = setTimeout(() => {
      this.#timers.delete(timer);
      action();
    }, ms);
    this.#timers.add(timer);
  }

  stop(): void {
    this.#stopped = true;
    for (const timer of this.#timers) clearTimeout(timer);
    this.#timers.clear();
  }
}
