/**
 * Fault injection: rules say which requests fail and how. A rule with `times` is a script ("the
 * next 2 POSTs to messages"); one with `probability` draws from the seeded generator, so the
 * same seed fails the same requests.
 */
import type { Random } from './random.js';

export type Fault =
  /** Answer with this status (an ErrorBody), optionally with Retry-After; the operation does not run. */
  | { readonly kind: 'status'; readonly status: 500 | 502 | 503 | 504 | 408; readonly retryAfter?: number }
  /** Wait, then handle the request normally. */
  | { readonly kind: 'latency'; readonly ms: number }
  /** Close the connection after reading the request, before any response. With `processed`, the operation runs first. */
  | { readonly kind: 'reset'; readonly processed?: boolean }
  /** Run the operation, send the headers and part of the body, then close the connection. */
  | { readonly kind: 'reset-mid-body' }
  /** Run the operation, then send its answer with a JSON body cut short. */
  | { readonly kind: 'malformed-json' }
  /** Run the operation, then wait before sending the headers. */
  | { readonly kind: 'slow-headers'; readonly ms: number }
  /** Run the operation, send the headers at once, and the body after a wait. */
  | { readonly kind: 'slow-body'; readonly ms: number };

export interface FaultMatch {
  readonly operationId?: string;
  readonly method?: string;
  /** A path prefix, such as `/api/v2/webchat/guest/conversations`. */
  readonly path?: string;
}

export interface FaultRule {
  readonly match: FaultMatch;
  readonly fault: Fault;
  /** Applies to the next `times` matching requests, then retires. */
  readonly times?: number;
  /** Applies to each matching request with this chance (0 to 1). */
  readonly probability?: number;
}

interface ActiveRule {
  readonly id: number;
  readonly rule: FaultRule;
  remaining: number;
}

export interface RequestSummary {
  readonly operationId: string;
  readonly method: string;
  readonly path: string;
}

const FAULT_KINDS = new Set(['status', 'latency', 'reset', 'reset-mid-body', 'malformed-json', 'slow-headers', 'slow-body']);

/** Why a rule (from code or from the admin endpoint) cannot be used, if it cannot. */
export function faultRuleProblem(rule: unknown): string | undefined {
  const r = rule as Partial<FaultRule> | null;
  if (typeof r !== 'object' || r === null) return 'a rule is an object';
  if (typeof r.match !== 'object' || r.match === null) return 'match is required (operationId, method and/or path)';
  if (typeof r.fault !== 'object' || r.fault === null || !FAULT_KINDS.has(r.fault.kind)) return `fault.kind must be one of ${[...FAULT_KINDS].join(', ')}`;
  if (r.times !== undefined && !(Number.isInteger(r.times) && r.times > 0)) return 'times must be a positive integer';
  if (r.probability !== undefined && !(r.probability >= 0 && r.probability <= 1)) return 'probability must be between 0 and 1';
  if ('ms' in r.fault && !(typeof r.fault.ms === 'number' && r.fault.ms >= 0)) return 'fault.ms must be a non-negative number';
  return undefined;
}

export class FaultInjector {
  readonly #rules: ActiveRule[] = [];
  #nextId = 1;
  injected = 0;

  constructor(private readonly random: Random) {}

  add(rule: FaultRule): number {
    const problem = faultRuleProblem(rule);
    if (problem) throw new TypeError(`invalid fault rule: ${problem}`);
    const id = this.#nextId++;
    this.#rules.push({ id, rule, remaining: rule.times ?? Infinity });
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
      if (probability !== undefined && this.random.next() >= probability) continue;
      if (--active.remaining <= 0) this.remove(active.id);
      this.injected++;
      return fault;
    }
    return undefined;
  }
}
