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
 * The per-attempt timer: calls `onFire` when `timeout` ms pass or the caller's signal aborts,
 * remembering which. It does not create an AbortSignal of its own: on Node 20 an AbortSignal
 * passed to undici costs about 30 % of its throughput, and one passed to ky makes ky combine it
 * with its own through AbortSignal.any, about 10 %. Transports turn `onFire` into whatever their
 * library aborts with most cheaply.
 */
export class AttemptTimer {
  timedOut = false;
  readonly #timer: ReturnType<typeof setTimeout> | undefined;
  readonly #outer: AbortSignal | undefined;
  readonly #onAbort: (() => void) | undefined;

  constructor(options: TransportOptions, onFire: () => void, watchSignal = true) {
    if (Number.isFinite(options.timeout)) {
      this.#timer = setTimeout(() => {
        this.timedOut = true;
        onFire();
      }, Math.max(0, options.timeout));
    }
    if (watchSignal && options.signal) {
      this.#outer = options.signal;
      this.#onAbort = onFire;
      this.#outer.addEventListener('abort', this.#onAbort, { once: true });
    }
  }

  dispose(): void {
    clearTimeout(this.#timer);
    if (this.#onAbort) this.#outer?.removeEventListener('abort', this.#onAbort);
  }
}
