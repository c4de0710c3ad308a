/** What the emulator saw and did, for tests and benchmarks. */

export type Outcome = number | 'reset';

export class Stats {
  readonly #requests = new Map<string, Map<Outcome, number>>();
  tooManyRequests = 0;
  faultsInjected = 0;

  record(operationId: string, outcome: Outcome): void {
    let byOutcome = this.#requests.get(operationId);
    if (!byOutcome) this.#requests.set(operationId, (byOutcome = new Map<Outcome, number>()));
    byOutcome.set(outcome, (byOutcome.get(outcome) ?? 0) + 1);
    if (outcome === 429) this.tooManyRequests++;
  }

  /** Requests received for an operation, optionally only those answered with `outcome`. */
  requests(operationId: string, outcome?: Outcome): number {
    const byOutcome = this.#requests.get(operationId);
    if (!byOutcome) return 0;
    if (outcome !== undefined) return byOutcome.get(outcome) ?? 0;
    let total = 0;
    for (const count of byOutcome.values()) total += count;
    return total;
  }

  get totalRequests(): number {
    let total = 0;
    for (const id of this.#requests.keys()) total += this.requests(id);
    return total;
  }

  /** `{ operationId: { status: count } }` */
  byOperation(): Record<string, Record<string, number>> {
    const out: Record<string, Record<string, number>> = {};
    for (const [id, byOutcome] of this.#requests) out[id] = Object.fromEntries([...byOutcome].map(([o, n]) => [String(o), n]));
    return out;
  }
}
