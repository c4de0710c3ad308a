/** What a call's caller gets once its pipeline has answered: the result, or the error that says why not. */
import type { Call } from './call.js';
import type { ClientSettings } from './client-options.js';
import { ConfigurationError, HttpError, ResponseParseError, SwitchboardError } from './errors.js';
import type { HttpResponse, ResponseHeaders } from './http.js';

/** What a successful (2xx) call resolves with. */
export interface CallResult<Output> {
  /** The parsed response body: JSON, text, or undefined for none. */
  readonly data: Output;
  /** The response's status. */
  readonly status: number;
  /** The response headers. */
  readonly headers: ResponseHeaders;
  /** Requests sent (0 when a middleware answered without sending; a 401 renewal counts too). */
  readonly attempts: number;
  /** Milliseconds spent waiting on purpose (backoff, Retry-After, queues). */
  readonly waitedMs: number;
  /** The server's correlation id, from the first of the client's `correlationIdHeaders` the response has. */
  readonly correlationId: string | undefined;
}

function isResponse(value: unknown): value is HttpResponse {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as { status?: unknown }).status === 'number' &&
    typeof (value as { headers?: { get?: unknown } }).headers?.get === 'function'
  );
}

/** Puts what the call did on one of our errors: its operation (unless it names one), the requests it sent, the time it waited. */
function withCallFacts<E extends SwitchboardError>(error: E, call: Call): E {
  error.operationId ??= call.route.operationId;
  error.attempts = call.attemptsSent;
  error.waitedMs = call.waits.soFar();
  return error;
}

/** Records `error` as the call's outcome, with the call's facts on it when it is ours; returns it to throw. */
export function failed(call: Call, error: unknown): unknown {
  call.lifecycle.decided({ error: error instanceof SwitchboardError ? withCallFacts(error, call) : error });
  return error;
}

/**
 * The caller's result for what the pipeline returned: a 2xx response's data, or the error it
 * amounts to (no response at all, a success without the body the operation promises, a non-2xx
 * status). Records the outcome on the call either way.
 */
export function resultOf<Output>(call: Call, response: unknown, settings: ClientSettings): CallResult<Output> {
  const { operationId } = call.route;
  if (!isResponse(response)) {
    throw failed(
      call,
      new ConfigurationError(`a middleware of ${operationId} returned no response; handle() must return next()'s or its own`, {
        operationId,
      }),
    );
  }
  const correlationId = settings.correlationOf(response.headers);
  const success = response.status >= 200 && response.status <= 299;
  if (call.route.responseBody && success && response.data === undefined) {
    // The operation answers with a model, and this success came with no body at all.
    throw failed(call, new ResponseParseError(response.status, response.headers.get('content-type') ?? 'no content type', { operationId }));
  }
  call.lifecycle.decided({ response, correlationId });
  if (!success) {
    const detail = settings.describeError(response);
    // The outcome is recorded already (a response): the error only gets the call's facts.
    throw withCallFacts(
      new HttpError({
        operationId,
        status: response.status,
        body: response.data,
        headers: response.headers,
        correlationId,
        detail: detail === undefined ? undefined : settings.redaction.text(detail),
        redaction: settings.redaction,
      }),
      call,
    );
  }
  return {
    data: response.data as Output,
    status: response.status,
    headers: response.headers,
    attempts: call.attemptsSent,
    waitedMs: call.waitedMs,
    correlationId,
  };
}
