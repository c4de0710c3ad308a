/** The middleware contract. */
import type { CallContext } from './context.js';
import type { HttpResponse } from './http.js';

/**
 * Outermost first. `operation` runs once per call (logging, the operation span); `retry` runs
 * once per call and may call `next` again (retry); `attempt` runs once per physical attempt
 * (rate limiting, auth, the attempt span). The transport runs below the last phase.
 */
export const PHASES = ['operation', 'retry', 'attempt'] as const;

/** Where a middleware runs: `operation`, `retry` or `attempt` (see {@link PHASES}). */
export type Phase = (typeof PHASES)[number];

/** Runs the rest of the pipeline; each call sends one more request. */
export type Next = () => Promise<HttpResponse>;

/**
 * One step of the pipeline. Middleware are ordered by {@link Phase}, then as given, then by their
 * `before` and `after` anchors; each wraps everything inside it.
 */
export interface Middleware {
  /** Unique within a client: ordering anchors and `identify()` refer to it. */
  readonly name: string;
  /** Where it runs: once per call (`operation`, `retry`) or once per attempt (`attempt`). */
  readonly phase: Phase;
  /**
   * Run just before (outside of) the named middleware of the same phase.
   * @default no anchor: placed in the order given
   */
  readonly before?: string;
  /**
   * Run just after (inside of) the named middleware of the same phase.
   * @default no anchor: placed in the order given
   */
  readonly after?: string;
  /**
   * Returns the response for this call: usually `next()`'s, possibly after looking at it,
   * calling `next` again, or not calling it at all (nothing is then sent).
   */
  handle(ctx: CallContext, next: Next): Promise<HttpResponse>;
  /** Releases what the middleware holds; the client calls it once, on `close()`. */
  close?(): Promise<void>;
}

/** One line of `identify()`: what runs, in the order it runs. */
export interface PipelineStep {
  /** The middleware's name, or the transport's. */
  readonly name: string;
  /** The middleware's phase, or `transport` for the last step. */
  readonly phase: Phase | 'transport';
}
