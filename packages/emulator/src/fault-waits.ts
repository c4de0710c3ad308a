/** The waits faults make (latency, slow headers and bodies): released at stop(), so that no timer outlives the emulator. */
export class FaultWaits {
  readonly #waits = new Set<{ timer: ReturnType<typeof setTimeout>; resolve: () => void }>();

  sleep(ms: number): Promise<void> {
    return new Promise<void>((resolve) => {
      const wait = { timer: setTimeout(() => (this.#waits.delete(wait), resolve()), ms), resolve };
      this.#waits.add(wait);
    });
  }

  /** Ends every wait now. */
  releaseAll(): void {
    for (const wait of this.#waits) {
      clearTimeout(wait.timer);
      wait.resolve();
    }
    this.#waits.clear();
  }
}
