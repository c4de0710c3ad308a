/** Maps whatever a transport library throws to one of our typed errors, never passing it through. */
import { AbortError, NetworkError, SwitchboardError, TimeoutError } from '../errors.js';
import type { TransportOptions } from '../http.js';

function codeOf(error: unknown): string | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  const { code, cause, message } = error as { code?: unknown; cause?: unknown; message?: unknown };
  // fetch wraps the socket error: TypeError('fetch failed', { cause: { code: 'ECONNREFUSED' } }).
  const inner = codeOf(cause);
  if (inner !== undefined) return inner;
  if (typeof code === 'string') return code;
  // fetch refuses ports on the WHATWG "bad ports" list (6000, 6665, …) before connecting, with no code.
  return message === 'bad port' ? 'ERR_BAD_PORT' : undefined;
}

export interface FailureState {
  /** Our own per-attempt timer fired. */
  readonly timedOut: boolean;
  /** The library's own timeout error type, if it has one. */
  readonly isLibraryTimeout?: (error: unknown) => boolean;
}

export function toTransportError(error: unknown, options: TransportOptions, state: FailureState): SwitchboardError {
  if (error instanceof SwitchboardError) return error;
  const { operationId } = options;
  if (options.signal?.aborted) return new AbortError(options.signal.reason, { operationId });
  if (state.timedOut || state.isLibraryTimeout?.(error)) return new TimeoutError(options.timeoutKind, options.timeout, { operationId });
  return new NetworkError(codeOf(error) ?? 'UNKNOWN', { operationId });
}

/**
 * An AbortController that aborts when the caller's signal does or when `timeout` ms pass,
 * remembering which; `dispose()` removes the timer and the listener.
 */
export class AttemptSignal {
  readonly controller = new AbortController();
  timedOut = false;
  readonly #timer: ReturnType<typeof setTimeout> | undefined;
  readonly #outer: AbortSignal | undefined;
  readonly #onAbort = (): void => this.controller.abort();

  constructor(options: TransportOptions) {
    this.#outer = options.signal;
    this.#outer?.addEventListener('abort', this.#onAbort, { once: true });
    if (Number.isFinite(options.timeout)) {
      this.#timer = setTimeout(() => {
        this.timedOut = true;
        this.controller.abort();
      }, Math.max(0, options.timeout));
    }
  }

  get signal(): AbortSignal {
    return this.controller.signal;
  }

  dispose(): void {
    clearTimeout(this.#timer);
    this.#outer?.removeEventListener('abort', this.#onAbort);
  }
}
