/** The middleware contract. */
import type { CallContext } from './context.js';
import type { HttpResponse } from './http.js';

/**
 * Outermost first. `operation` runs once per call (logging, the operation span); `retry` runs
 * once per call and may call `next` again (retry); `attempt` runs once per physical attempt
 * (rate limiting, auth, the attempt span). The transport runs below the last phase.
 */
export const PHASES = ['operation', 'retry', 'attempt'] as const;

export type Phase = (typeof PHASES)[number];

/** Runs the rest of the pipeline; each call sends one more request. */
export type Next = () => Promise<HttpResponse>;

export interface Middleware {
  /** Unique within a client: ordering anchors and `identify()` refer to it. */
  readonly name: string;
  readonly phase: Phase;
  /** Run just before (outside of) the named middleware of the same phase. */
  readonly before?: string;
  /** Run just after (inside of) the named middleware of the same phase. */
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
  readonly name: string;
  readonly phase: Phase | 'transport';
}
