/**
 * Genesys-style rate limits: fixed windows counted per token and per organisation. Every answer
 * reports the tighter of the two in `inin-ratelimit-allowed`, `-count` and `-reset` (seconds).
 */

export interface RateLimit {
  /** Requests allowed per window. */
  readonly limit: number;
  /** The window's length, in seconds: counts start again when it is over. */
  readonly windowSeconds: number;
}

interface Window {
  startedAt: number;
  count: number;
}

export interface RateDecision {
  readonly allowed: boolean;
  readonly limit: number;
  readonly count: number;
  /** Seconds until the window that decided resets (whole seconds, at least 1 when refusing). */
  readonly resetSeconds: number;
}

class FixedWindows {
  readonly #windows = new Map<string, Window>();

  constructor(
    readonly rule: RateLimit,
    private readonly now: () => number,
  ) {}

  current(key: string): Window {
    const now = this.now();
    let window = this.#windows.get(key);
    if (!window || now - window.startedAt >= this.rule.windowSeconds * 1000) {
      window = { startedAt: now, count: 0 };
      this.#windows.set(key, window);
    }
    return window;
  }

  resetSeconds(window: Window): number {
    return Math.max(0, (window.startedAt + this.rule.windowSeconds * 1000 - this.now()) / 1000);
  }
}

export class RateLimiter {
  readonly #perToken: FixedWindows;
  readonly #perOrg: FixedWindows;

  constructor(perToken: RateLimit, perOrg: RateLimit, now: () => number = Date.now) {
    this.#perToken = new FixedWindows(perToken, now);
    this.#perOrg = new FixedWindows(perOrg, now);
  }

  /** The headers' view of the windows for `token` in `org`, counting nothing. */
  peek(token: string, org: string): RateDecision {
    const tokenWindow = this.#perToken.current(token);
    const orgWindow = this.#perOrg.current(org);
    const useOrg = this.#perOrg.rule.limit - orgWindow.count < this.#perToken.rule.limit - tokenWindow.count;
    const [windows, window] = useOrg ? [this.#perOrg, orgWindow] : [this.#perToken, tokenWindow];
    return {
      allowed: window.count < windows.rule.limit,
      limit: windows.rule.limit,
      count: window.count,
      resetSeconds: Math.ceil(windows.resetSeconds(window)),
    };
  }

  /** Counts one request for `token` in `org`, unless either window is full. */
  take(token: string, org: string): RateDecision {
    const tokenWindow = this.#perToken.current(token);
    const orgWindow = this.#perOrg.current(org);
    const tokenLeft = this.#perToken.rule.limit - tokenWindow.count;
    const orgLeft = this.#perOrg.rule.limit - orgWindow.count;
    const [windows, window, left] = orgLeft < tokenLeft ? [this.#perOrg, orgWindow, orgLeft] : [this.#perToken, tokenWindow, tokenLeft];
    if (left <= 0) {
      // Both may be full: the client must wait for the later of the two.
      const waits = [
        tokenLeft <= 0 ? this.#perToken.resetSeconds(tokenWindow) : 0,
        orgLeft <= 0 ? this.#perOrg.resetSeconds(orgWindow) : 0,
      ];
      return { allowed: false, limit: windows.rule.limit, count: window.count, resetSeconds: Math.max(1, Math.ceil(Math.max(...waits))) };
    }
    tokenWindow.count++;
    orgWindow.count++;
    return { allowed: true, limit: windows.rule.limit, count: window.count, resetSeconds: Math.ceil(windows.resetSeconds(window)) };
  }
}
