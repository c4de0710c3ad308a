/** `createClient`: the public face of the executor. */
import { bounded } from './bounded.js';
import { Call, type CallHub } from './call.js';
import { type CallOptions, checkMs, type ClientOptions, deadlineOf, resolveClientSettings } from './client-options.js';
import { type CallResult, failed, resultOf } from './call-result.js';
import { compose, type Runner } from './compose.js';
import type { RouteDescriptor } from './descriptor.js';
import { AbortError, ClientClosedError, ValidationError } from './errors.js';
import type { CallEventListener, CallEventType } from './events.js';
import type { HttpResponse } from './http.js';
import { InFlight } from './in-flight.js';
import { Listeners } from './listeners.js';
import type { Middleware, PipelineStep } from './middleware.js';
import { orderMiddleware } from './order.js';
import { buildRequest, compileRoute } from './request.js';
import { checkInput } from './validate.js';

export type { CallOptions, ClientOptions } from './client-options.js';
export type { CallResult } from './call-result.js';

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

/**
 * A client for one base URL: every call runs through `options.middleware`, ordered by phase, down
 * to the transport. Throws a ConfigurationError for a bad base URL, timeout or middleware list.
 */
export function createClient(options: ClientOptions): Client {
  const settings = resolveClientSettings(options);
  const { baseUrl, transport, middleware } = settings;
  const ordered = orderMiddleware(middleware);
  const defaultRunner = compose(ordered, transport);
  const listeners = new Listeners();
  const inFlight = new InFlight();
  const hub: CallHub = { listeners, redaction: settings.redaction, correlationOf: settings.correlationOf };
  let closing: Promise<void> | undefined;

  const orderFor = (extra: readonly Middleware[] | undefined): readonly Middleware[] =>
    extra?.length ? orderMiddleware([...middleware, ...extra]) : ordered;

  const runnerFor = (extra: readonly Middleware[] | undefined): Runner =>
    extra?.length ? compose(orderFor(extra), transport) : defaultRunner;

  /** Everything that can refuse a call before anything has started: the call, ready to run, and its pipeline. */
  const prepare = (route: RouteDescriptor, input: unknown, callOptions: CallOptions): { call: Call; runner: Runner } => {
    const { operationId } = route;
    if (closing) throw new ClientClosedError('the client is closed', { operationId });
    compileRoute(route);
    const { problems, bodyJson } = checkInput(route, input);
    if (problems.length > 0) throw new ValidationError(problems, { operationId });
    const { signal } = callOptions;
    if (signal?.aborted) throw new AbortError(signal.reason, { operationId });
    checkMs('timeout', callOptions.timeout);
    // The body's text is the one its validation read: serialised once.
    const request = buildRequest(route, input, baseUrl, settings.headers, callOptions.headers, bodyJson);
    const call = new Call(route, input, request, signal, deadlineOf(callOptions, Date.now()), callOptions.timeout ?? settings.attemptTimeout, hub);
    if (callOptions.state) for (const { key, value } of callOptions.state) call.state.set(key, value);
    // Ordering the call's own middleware may fail (a duplicate name): before anything has started.
    return { call, runner: runnerFor(callOptions.middleware) };
  };

  /** Starts the call's pipeline, counted in flight until it and every request it sent have settled. */
  const start = (call: Call, runner: Runner): Promise<HttpResponse> => {
    call.events.start(call.startedAt);
    inFlight.started();
    // close() waits for the pipeline and every request it sent (a hedged one may outlive it).
    call.lifecycle.onIdle(inFlight.settled);
    return runner(call);
  };

  return {
    baseUrl,

    async call<Input, Output>(route: RouteDescriptor<Input, Output>, input: NoInfer<Input>, callOptions: CallOptions = {}): Promise<CallResult<Output>> {
      const { call, runner } = prepare(route, input, callOptions);
      const pipeline = start(call, runner);
      // A bounded call may settle before its pipeline does; an unbounded one settles with it.
      const isBounded = call.deadline !== Infinity || call.signal !== undefined;
      if (isBounded) {
        const settled = (): void => call.lifecycle.pipelineSettled();
        pipeline.then(settled, settled);
      }
      let response: HttpResponse;
      try {
        response = await (isBounded ? bounded(pipeline, call) : pipeline);
      } catch (error) {
        throw failed(call, error);
      } finally {
        if (!isBounded) call.lifecycle.pipelineSettled();
      }
      return resultOf<Output>(call, response, settings);
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
        await inFlight.idle();
        for (const m of [...ordered].reverse()) await m.close?.();
        await transport.close();
      })();
      return closing;
    },
  };
}
