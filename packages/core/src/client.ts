/** `createClient`: the public face of the executor. */
import { Call, type CallHub } from './call.js';
import { checkBaseUrl } from './base-url.js';
import { compose, type Runner } from './compose.js';
import type { RouteDescriptor } from './descriptor.js';
import { AbortError, ClientClosedError, ConfigurationError, HttpError, ResponseParseError, SwitchboardError, TimeoutError, ValidationError } from './errors.js';
import type { CallEventListener, CallEventType } from './events.js';
import type { HttpResponse, ResponseHeaders, Transport } from './http.js';
import { Listeners } from './listeners.js';
import type { Middleware, PipelineStep } from './middleware.js';
import { orderMiddleware } from './order.js';
import { defaultRedaction, type Redaction } from './redaction.js';
import type { StateEntry } from './state.js';
import { buildRequest, compileRoute, mergeHeaders } from './request.js';
import { MAX_TIMER_MS } from './transports/failure.js';
import { createKyTransport } from './transports/ky.js';
import { createUndiciTransport } from './transports/undici.js';
import { checkInput } from './validate.js';

/** What {@link createClient} takes. */
export interface ClientOptions {
  /** Absolute http(s) URL that route paths are appended to. */
  readonly baseUrl: string;
  /**
   * `'ky'` (default), `'undici'` (the fast path), or your own Transport.
   * @default `'ky'`
   */
  readonly transport?: 'ky' | 'undici' | Transport;
  /**
   * Middleware for every call, placed by phase; see `identify()`.
   * @default none
   */
  readonly middleware?: readonly Middleware[];
  /**
   * Milliseconds one attempt may take, response body included. Default 30 000.
   * @default `30_000`
   */
  readonly timeout?: number;
  /**
   * Headers sent on every call.
   * @default none (besides `accept: application/json`, and `content-type` with a body)
   */
  readonly headers?: Readonly<Record<string, string>>;
  /**
   * Response headers that carry the server's correlation id, first match wins.
   * @default `['x-correlation-id', 'x-request-id']`
   */
  readonly correlationIdHeaders?: readonly string[];
  /**
   * A one-line description of an error response for HttpError's message; by default its `code`. The redaction rule is applied to it.
   * @default the response body's `code` property, when it is a string
   */
  readonly describeError?: (response: HttpResponse) => string | undefined;
  /**
   * What is hidden from events, URLs in spans and logs, and error messages; secrets only by default.
   * @default {@link defaultRedaction}
   */
  readonly redaction?: Redaction;
}

/** Per-call settings: the third argument of {@link Client.call}. */
export interface CallOptions {
  /**
   * Aborts the call: it then rejects with an AbortError, whatever it was doing.
   * @default none
   */
  readonly signal?: AbortSignal;
  /**
   * Milliseconds one attempt may take; the client's `timeout` by default.
   * @default the client's {@link ClientOptions.timeout}
   */
  readonly timeout?: number;
  /**
   * Milliseconds the whole call may take, retries and waits included.
   * @default no limit
   */
  readonly totalTimeout?: number;
  /**
   * When the whole call must be over (a Date or epoch milliseconds); the earlier of this and totalTimeout wins.
   * @default no deadline
   */
  readonly deadline?: Date | number;
  /**
   * Headers for this call, over the client's.
   * @default none: the client's headers only
   */
  readonly headers?: Readonly<Record<string, string>>;
  /**
   * Middleware for this call only, placed among the client's by phase and anchors.
   * @default none
   */
  readonly middleware?: readonly Middleware[];
  /**
   * Values put into the call's state first, by which middleware take per-call settings (see each middleware's helpers).
   * @default none
   */
  readonly state?: readonly StateEntry[];
}

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

/** A client made by {@link createClient}: calls route descriptors through its pipeline and transport. */
export interface Client {
  /** The base URL route paths are appended to. */
  readonly baseUrl: string;
  /**
   * Validates `input` against `route` (throwing one ValidationError with every problem, before
   * anything is sent), builds the request and runs it through the pipeline. Resolves for a 2xx
   * response; rejects with an HttpError for any other status, or another SwitchboardError.
   */
  call<Input, Output>(route: RouteDescriptor<Input, Output>, input: NoInfer<Input>, options?: CallOptions): Promise<CallResult<Output>>;
  /** The pipeline that will run, outermost first, ending with the transport. */
  identify(options?: Pick<CallOptions, 'middleware'>): PipelineStep[];
  /**
   * Listens to the events of every call (`'*'`) or of one type: call start and end, each attempt's
   * start and end, retries and waits. Returns a function that stops listening. Listeners run
   * synchronously; what they throw is ignored.
   */
  on(type: '*', listener: CallEventListener): () => void;
  /** Listens to the events of one type (`'retry'`, `'call.end'`, …), each typed as such. Returns a function that stops listening. */
  on<T extends CallEventType>(type: T, listener: CallEventListener<T>): () => void;
  /** Listens to the events of one type, or of every type (`'*'`). Returns a function that stops listening. */
  on(type: CallEventType | '*', listener: CallEventListener): () => void;
  /**
   * Refuses new calls (ClientClosedError), waits for the calls in flight to settle, then closes
   * middleware (innermost first) and the transport.
   */
  close(): Promise<void>;
}

const DEFAULT_TIMEOUT_MS = 30_000;
const DEFAULT_CORRELATION_HEADERS = ['x-correlation-id', 'x-request-id'];

function describeByCode(response: HttpResponse): string | undefined {
  const code = (response.data as { code?: unknown } | undefined)?.code;
  return typeof code === 'string' ? code : undefined;
}

function checkMs(name: string, value: number | undefined): void {
  if (value !== undefined && !(value >= 0)) throw new ConfigurationError(`${name} must be a non-negative number of milliseconds`);
}

function deadlineOf(options: CallOptions, now: number): number {
  checkMs('totalTimeout', options.totalTimeout);
  const fromTotal = options.totalTimeout === undefined ? Infinity : now + options.totalTimeout;
  const absolute = options.deadline instanceof Date ? options.deadline.getTime() : (options.deadline ?? Infinity);
  if (Number.isNaN(absolute)) throw new ConfigurationError('deadline must be a valid Date or epoch milliseconds');
  return Math.min(fromTotal, absolute);
}

function isResponse(value: unknown): value is HttpResponse {
  return typeof value === 'object' && value !== null && typeof (value as { status?: unknown }).status === 'number' && typeof (value as { headers?: { get?: unknown } }).headers?.get === 'function';
}

/**
 * Settles with `pending`, or earlier when the deadline passes or the signal aborts: a
 * middleware that waits (a backoff, a queue) without watching them cannot hold the caller.
 * What it does afterwards cannot send: every attempt checks both before it goes out.
 */
function bounded(pending: Promise<HttpResponse>, call: Call): Promise<HttpResponse> {
  const { signal, deadline, route } = call;
  return new Promise<HttpResponse>((resolve, reject) => {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const onAbort = (): void => finish(() => reject(new AbortError(signal?.reason, { operationId: route.operationId })));
    const finish = (settle: () => void): void => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
      settle();
    };
    const left = call.timeLeft();
    if (left <= MAX_TIMER_MS) {
      timer = setTimeout(
        () => finish(() => reject(new TimeoutError('deadline', Math.max(0, deadline - call.startedAt), { operationId: route.operationId }))),
        left,
      );
    }
    signal?.addEventListener('abort', onAbort, { once: true });
    pending.then(
      (response) => finish(() => resolve(response)),
      // Passed on as the pipeline threw it.
      // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors
      (error: unknown) => finish(() => reject(error)),
    );
  });
}

function resolveTransport(choice: ClientOptions['transport']): Transport {
  if (choice === undefined || choice === 'ky') return createKyTransport();
  if (choice === 'undici') return createUndiciTransport();
  return choice;
}

/**
 * A client for one base URL: every call runs through `options.middleware`, ordered by phase, down
 * to the transport. Throws a ConfigurationError for a bad base URL, timeout or middleware list.
 */
export function createClient(options: ClientOptions): Client {
  checkBaseUrl(options.baseUrl);
  checkMs('timeout', options.timeout);

  const baseUrl = options.baseUrl;
  const transport = resolveTransport(options.transport);
  const middleware = options.middleware ?? [];
  const ordered = orderMiddleware(middleware);
  const defaultRunner = compose(ordered, transport);
  const defaultHeaders = mergeHeaders({}, options.headers);
  const attemptTimeout = options.timeout ?? DEFAULT_TIMEOUT_MS;
  const correlationHeaders = (options.correlationIdHeaders ?? DEFAULT_CORRELATION_HEADERS).map((h) => h.toLowerCase());
  const describeError = options.describeError ?? describeByCode;
  const redaction = options.redaction ?? defaultRedaction;
  const listeners = new Listeners();
  let closing: Promise<void> | undefined;
  // Pipelines still running, and what close() waits on when there are some.
  let running = 0;
  let idle: (() => void) | undefined;
  const finished = (): void => {
    if (--running === 0) idle?.();
  };

  const orderFor = (extra: readonly Middleware[] | undefined): readonly Middleware[] =>
    extra?.length ? orderMiddleware([...middleware, ...extra]) : ordered;

  const runnerFor = (extra: readonly Middleware[] | undefined): Runner =>
    extra?.length ? compose(orderFor(extra), transport) : defaultRunner;

  const correlationOf = (headers: ResponseHeaders): string | undefined => {
    for (const name of correlationHeaders) {
      const value = headers.get(name);
      if (value !== undefined) return value;
    }
    return undefined;
  };

  const hub: CallHub = { listeners, redaction, correlationOf };

  return {
    baseUrl,

    async call<Input, Output>(route: RouteDescriptor<Input, Output>, input: NoInfer<Input>, callOptions: CallOptions = {}): Promise<CallResult<Output>> {
      const { operationId } = route;
      if (closing) throw new ClientClosedError('the client is closed', { operationId });
      compileRoute(route);
      const { problems, bodyJson } = checkInput(route, input);
      if (problems.length > 0) throw new ValidationError(problems, { operationId });
      const { signal } = callOptions;
      if (signal?.aborted) throw new AbortError(signal.reason, { operationId });
      checkMs('timeout', callOptions.timeout);

      // The body's text is the one its validation read: serialised once.
      const request = buildRequest(route, input, baseUrl, defaultHeaders, callOptions.headers, bodyJson);
      const call = new Call(route, input, request, signal, deadlineOf(callOptions, Date.now()), callOptions.timeout ?? attemptTimeout, hub);
      if (callOptions.state) for (const { key, value } of callOptions.state) call.state.set(key, value);
      // Ordering the call's own middleware may fail (a duplicate name): before anything has started.
      const runner = runnerFor(callOptions.middleware);
      call.emitStart();
      let response: HttpResponse;
      running++;
      // close() waits for the pipeline and every request it sent (a hedged one may outlive it).
      call.onIdle(finished);
      const pipeline = runner(call);
      const isBounded = call.deadline !== Infinity || signal !== undefined;
      // A bounded call may settle before its pipeline does.
      if (isBounded) {
        const settled = (): void => call.pipelineSettled();
        pipeline.then(settled, settled);
      }
      try {
        response = await (isBounded ? bounded(pipeline, call) : pipeline);
      } catch (error) {
        if (error instanceof SwitchboardError) {
          error.operationId ??= operationId;
          error.attempts = call.sent;
          error.waitedMs = call.waitedSoFar();
        }
        call.finish({ error });
        throw error;
      } finally {
        if (!isBounded) call.pipelineSettled();
      }
      if (!isResponse(response)) {
        const error = new ConfigurationError(`a middleware of ${operationId} returned no response; handle() must return next()'s or its own`, { operationId });
        call.finish({ error });
        throw error;
      }

      const correlationId = correlationOf(response.headers);
      if (route.responseBody && response.status >= 200 && response.status <= 299 && response.data === undefined) {
        // The operation answers with a model, and this success came with no body at all.
        const error = new ResponseParseError(response.status, response.headers.get('content-type') ?? 'no content type', { operationId });
        error.attempts = call.sent;
        error.waitedMs = call.waitedMs;
        call.finish({ error });
        throw error;
      }
      call.finish({ response, correlationId });
      if (response.status < 200 || response.status > 299) {
        const detail = describeError(response);
        const error = new HttpError({
          operationId,
          status: response.status,
          body: response.data,
          headers: response.headers,
          correlationId,
          detail: detail === undefined ? undefined : redaction.text(detail),
          redaction,
        });
        error.attempts = call.sent;
        error.waitedMs = call.waitedMs;
        throw error;
      }
      return { data: response.data as Output, status: response.status, headers: response.headers, attempts: call.sent, waitedMs: call.waitedMs, correlationId };
    },

    on(type: CallEventType | '*', listener: CallEventListener): () => void {
      return listeners.on(type, listener);
    },

    identify(identifyOptions = {}): PipelineStep[] {
      const steps: PipelineStep[] = orderFor(identifyOptions.middleware).map(({ name, phase }) => ({ name, phase }));
      steps.push({ name: transport.name, phase: 'transport' });
      return steps;
    },

    close(): Promise<void> {
      closing ??= (async () => {
        if (running > 0) await new Promise<void>((resolve) => (idle = resolve));
        for (const m of [...ordered].reverse()) await m.close?.();
        await transport.close();
      })();
      return closing;
    },
  };
}
