/**
 * A retry budget per client: a token bucket where each retry costs tokens and each success
 * refunds some. During an outage retries drain it, and then calls fail fast with their first
 * error instead of multiplying traffic; successes earn retries back.
 */

/** What a {@link RetryBudget} takes. */
export interface RetryBudgetOptions {
  /**
   * Tokens when full (and at start). Default 100.
   * @default `100`
   */
  readonly capacity?: number;
  /**
   * Tokens a retry costs. Default 10: a full bucket pays for 10 retries in a row.
   * @default `10`
   */
  readonly retryCost?: number;
  /**
   * Tokens a success returns. Default 1: ten successes earn one retry.
   * @default `1`
   */
  readonly successRefund?: number;
}

/**
 * A retry budget per client: a token bucket where each retry costs tokens and each success
 * refunds some. During an outage retries drain it, and then calls fail fast with their first
 * error instead of multiplying traffic; successes earn retries back.
 */
export class RetryBudget {
  /** Tokens when full, and at start. */
  readonly capacity: number;
  /** Tokens a retry costs. */
  readonly retryCost: number;
  /** Tokens a success returns. */
  readonly successRefund: number;
  #tokens: number;

  /**
   * Makes a full bucket.
   * @param options - the bucket's size and rates; see {@link RetryBudgetOptions} for the defaults.
   */
  constructor(options: RetryBudgetOptions = {}) {
    this.capacity = options.capacity ?? 100;
    this.retryCost = options.retryCost ?? 10;
    this.successRefund = options.successRefund ?? 1;
    this.#tokens = this.capacity;
  }

  /** Tokens left now. */
  get tokens(): number {
    return this.#tokens;
  }

  /** Takes the cost of one retry; false (and nothing taken) when the budget cannot pay it. */
  tryTakeRetry(): boolean {
    if (this.#tokens < this.retryCost) return false;
    this.#tokens -= this.retryCost;
    return true;
  }

  /** Returns `successRefund` tokens for a success, up to `capacity`. */
  recordSuccess(): void {
    this.#tokens = Math.min(this.capacity, this.#tokens + this.successRefund);
  }
}
