/**
 * A retry budget per client: a token bucket where each retry costs tokens and each success
 * refunds some. During an outage retries drain it, and then calls fail fast with their first
 * error instead of multiplying traffic; successes earn retries back.
 */

export interface RetryBudgetOptions {
  /** Tokens when full (and at start). Default 100. */
  readonly capacity?: number;
  /** Tokens a retry costs. Default 10: a full bucket pays for 10 retries in a row. */
  readonly retryCost?: number;
  /** Tokens a success returns. Default 1: ten successes earn one retry. */
  readonly successRefund?: number;
}

export class RetryBudget {
  readonly capacity: number;
  readonly retryCost: number;
  readonly successRefund: number;
  #tokens: number;

  constructor(options: RetryBudgetOptions = {}) {
    this.capacity = options.capacity ?? 100;
    this.retryCost = options.retryCost ?? 10;
    this.successRefund = options.successRefund ?? 1;
    this.#tokens = this.capacity;
  }

  get tokens(): number {
    return this.#tokens;
  }

  /** Takes the cost of one retry; false (and nothing taken) when the budget cannot pay it. */
  tryTakeRetry(): boolean {
    if (this.#tokens < this.retryCost) return false;
    this.#tokens -= this.retryCost;
    return true;
  }

  recordSuccess(): void {
    this.#tokens = Math.min(this.capacity, this.#tokens + this.successRefund);
  }
}
