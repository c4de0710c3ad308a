/** Maps whatever a transport library throws to one of our typed errors, never passing it through. */
import { AbortError, ConfigurationError, NetworkError, SwitchboardError, TimeoutError } from '../errors.js';
import type { TransportOptions } from '../http.js';
import { isProxyConnectFailure } from '../proxy.js';

function codeOf(error: unknown): string | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  const { code, cause, message } = error as { code?: unknown; cause?: unknown; message?: unknown };
  // fetch wraps the socket error: TypeError('fetch failed', { cause: { code: 'ECONNREFUSED' } }).
  const inner = codeOf(cause);
  if (inner !== undefined) return inner;
  if (typeof code === 'string') return code;
  // fetch refuses ports on the WHATWG "bad ports" list (6000, 6665, …) before connecting, with no code.
  if (message === 'bad port') return 'ERR_BAD_PORT';
  // fetch's own cap on stacked codings (the undici transport applies the same: response-body.ts).
  if (typeof message === 'string' && message.startsWith('too many content-encodings')) return 'ERR_TOO_MANY_CODINGS';
  // Any other TypeError from fetch without a cause was thrown while building the request
  // (an invalid header value, say): nothing went out.
  if (error instanceof TypeError && message !== 'fetch failed') return 'ERR_INVALID_REQUEST';
  return undefined;
}

export interface FailureState {
  /** Our own per-attempt timer fired. */
  readonly timedOut: boolean;
  /** The library's own timeout error type, if it has one. */
  readonly isLibraryTimeout?: (error: unknown) => boolean;
  /** The proxy the request went through, if any: a failure to reach it, or its refusal, names it. */
  readonly proxy?: URL | undefined;
}

/** The status with which a proxy refused to open a tunnel (undici: "Proxy response (407) !== 200 when HTTP Tunneling"). */
function proxyRefusal(error: unknown): string | undefined {
  for (let inner = error, depth = 0; typeof inner === 'object' && inner !== null && depth < 4; depth++) {
    const { message, cause } = inner as { message?: unknown; cause?: unknown };
    const status = typeof message === 'string' ? /^Proxy response \((\d{3})\)/.exec(message)?.[1] : undefined;
    if (status) return status;
    inner = cause;
  }
  return undefined;
}

export function toTransportError(error: unknown, options: TransportOptions, state: FailureState): SwitchboardError {
  const { operationId } = options;
  // First: whatever the library made of it, an abort is the caller's, with the caller's reason.
  if (options.signal?.aborted) return new AbortError(options.signal.reason, { operationId });
  if (error instanceof SwitchboardError) return error;
  if (state.timedOut || state.isLibraryTimeout?.(error)) return new TimeoutError(options.timeoutKind, options.timeout, { operationId });
  const code = codeOf(error) ?? 'UNKNOWN';
  if (state.proxy) {
    const refusal = proxyRefusal(error);
    if (refusal !== undefined) return new NetworkError(`PROXY_${refusal}`, { operationId, proxy: state.proxy.origin });
    if (isProxyConnectFailure(code)) return new NetworkError(code, { operationId, proxy: state.proxy.origin });
  }
  return new NetworkError(code, { operationId });
}

/** A transport's library failed to load: a set-up problem, not a network one. */
export function loadError(transport: string, error: unknown): ConfigurationError {
  const code = (error as { code?: unknown } | null)?.code;
  return new ConfigurationError(`the ${transport} transport could not load its library${typeof code === 'string' ? ` (${code})` : ''}`);
}
