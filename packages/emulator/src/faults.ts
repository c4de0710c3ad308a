/**
 * Fault injection: rules say which requests fail and how. A rule with `times` is a script ("the
 * next 2 POSTs to messages"); one with `probability` draws from the seeded generator, so the
 * same seed fails the same requests.
 */
import { createRandom, deriveSeed, type Random } from './random.js';

/** What happens to a request a {@link FaultRule} picks, by `kind`. */
export type Fault =
  /** Answer with this status (an ErrorBody), optionally with Retry-After; the operation does not run. */
  | {
      /** Answer with an error status. */
      readonly kind: 'status';
      /** The status to answer with. */
      readonly status: 500 | 502 | 503 | 504 | 408;
      /**
       * A `Retry-After` header, in whole seconds.
       * @default no Retry-After header
       */
      readonly retryAfter?: number;
    }
  /** Wait, then handle the request normally. */
  | {
      /** Add latency. */
      readonly kind: 'latency';
      /** Milliseconds to wait first. */
      readonly ms: number;
    }
  /** Close the connection after reading the request, before any response. With `processed`, the operation runs first. */
  | {
      /** Reset the connection before answering. */
      readonly kind: 'reset';
      /**
       * Run the operation before closing the connection (the write happened, the client cannot know).
       * @default `false`: the operation does not run
       */
      readonly processed?: boolean;
    }
  /** Run the operation, send the headers and part of the body, then close the connection. */
  | {
      /** Reset the connection in the middle of the body. */
      readonly kind: 'reset-mid-body';
    }
  /** Run the operation, then send its answer with a JSON body cut short. */
  | {
      /** Send a truncated JSON body. */
      readonly kind: 'malformed-json';
    }
  /** Run the operation, then wait before sending the headers. */
  | {
      /** Delay the headers. */
      readonly kind: 'slow-headers';
      /** Milliseconds to wait before the headers. */
      readonly ms: number;
    }
  /** Run the operation, send the headers at once, and the body after a wait. */
  | {
      /** Delay the body. */
      readonly kind: 'slow-body';
      /** Milliseconds to wait between the headers and the body. */
      readonly ms: number;
    };

/** Which requests a {@link FaultRule} applies to: every field given must match (at least one is needed). */
export interface FaultMatch {
  /**
   * The operation, such as `postWebchatGuestConversationMemberMessages` (`oauthToken` for the login host).
   * @default any operation
   */
  readonly operationId?: string;
  /**
   * The HTTP method, in any case.
   * @default any method
   */
  readonly method?: string;
  /**
   * A path prefix, such as `/api/v2/webchat/guest/conversations`.
   * @default any path
   */
  readonly path?: string;
}

/** A fault to inject: which requests, what happens to them, and how often. */
export interface FaultRule {
  /** Which requests it applies to. */
  readonly match: FaultMatch;
  /** What happens to them. */
  readonly fault: Fault;
  /**
   * Applies to the next `times` matching requests, then retires.
   * @default every matching request, until removed
   */
  readonly times?: number;
  /**
   * Applies to each matching request with this chance (0 to 1).
   * @default `1`: every matching request
   */
  readonly probability?: number;
}

interface ActiveRule {
  readonly id: number;
  readonly rule: FaultRule;
  /** This rule's own draws: other rules and other traffic never shift them. */
  readonly random: Random;
  remaining: number;
}

export interface RequestSummary {
  readonly operationId: string;
  readonly method: string;
  readonly path: string;
}

const FAULT_KINDS = new Set(['status', 'latency', 'reset', 'reset-mid-body', 'malformed-json', 'slow-headers', 'slow-body']);
const TIMED_KINDS = new Set(['latency', 'slow-headers', 'slow-body']);
const FAULT_STATUSES = new Set([408, 500, 502, 503, 504]);

/** Why a rule (from code or from the admin endpoint) cannot be used, if it cannot. */
export function faultRuleProblem(rule: unknown): string | undefined {
  const r = rule as Partial<FaultRule> | null;
  if (typeof r !== 'object' || r === null) return 'a rule is an object';
  const match = r.match as Record<string, unknown> | undefined;
  if (typeof match !== 'object' || match === null || !['operationId', 'method', 'path'].some((k) => typeof match[k] === 'string')) {
    return 'match needs an operationId, a method and/or a path';
  }
  const fault = r.fault as Record<string, unknown> | undefined;
  if (typeof fault !== 'object' || fault === null || !FAULT_KINDS.has(fault.kind as string))
    return `fault.kind must be one of ${[...FAULT_KINDS].join(', ')}`;
  if (fault.kind === 'status' && !FAULT_STATUSES.has(fault.status as number))
    return `fault.status must be one of ${[...FAULT_STATUSES].join(', ')}`;
  if (fault.retryAfter !== undefined && !(Number.isInteger(fault.retryAfter) && (fault.retryAfter as number) >= 0))
    return 'fault.retryAfter must be whole seconds';
  if (TIMED_KINDS.has(fault.kind as string) && !(typeof fault.ms === 'number' && fault.ms >= 0))
    return `fault.ms is required for ${String(fault.kind)}`;
  if (r.times !== undefined && !(Number.isInteger(r.times) && r.times > 0)) return 'times must be a positive integer';
  if (r.probability !== undefined && !(typeof r.probability === 'number' && r.probability >= 0 && r.probability <= 1))
    return 'probability must be between 0 and 1';
  return undefined;
}

export class FaultInjector {
  readonly #rules: ActiveRule[] = [];
  #nextId = 1;
  injected = 0;

  constructor(private readonly seed: number) {}

  add(rule: FaultRule): number {
    const problem = faultRuleProblem(rule);
    if (problem) throw new TypeError(`invalid fault rule: ${problem}`);
    const id = this.#nextId++;
    this.#rules.push({ id, rule, random: createRandom(deriveSeed(this.seed, 1000 + id)), remaining: rule.times ?? Infinity });
    return id;
  }

  remove(id: number): boolean {
    const index = this.#rules.findIndex((r) => r.id === id);
    if (index >= 0) this.#rules.splice(index, 1);
    return index >= 0;
  }

  clear(): void {
    this.#rules.length = 0;
  }

  list(): { id: number; rule: FaultRule; remaining: number | null }[] {
    return this.#rules.map((r) => ({ id: r.id, rule: r.rule, remaining: Number.isFinite(r.remaining) ? r.remaining : null }));
  }

  /** The fault for this request, if a rule picks it; scripted rules count down as they fire. */
  pick(request: RequestSummary): Fault | undefined {
    for (const active of this.#rules) {
      const { match, probability, fault } = active.rule;
      if (match.operationId !== undefined && match.operationId !== request.operationId) continue;
      if (match.method !== undefined && match.method.toUpperCase() !== request.method) continue;
      if (match.path !== undefined && !request.path.startsWith(match.path)) continue;
      if (probability !== undefined && active.random.next() >= probability) continue;
      if (--active.remaining <= 0) this.remove(active.id);
      this.injected++;
      return fault;
    }
    return undefined;
  }
}
