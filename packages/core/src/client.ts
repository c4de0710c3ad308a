/** `createClient`: the public face of the executor. */
import type { CallHub } from './call.js';
import { type CallOptions, type ClientOptions, resolveClientSettings } from './client-options.js';
import type { CallResult } from './call-result.js';
import { prepareCall, runCall } from './call-runner.js';
import { compose, type Runner } from './compose.js';
import type { RouteDescriptor } from './descriptor.js';
import { ClientClosedError } from './errors.js';
import type { CallEventListener, CallEventType } from './events.js';
import { InFlight } from './in-flight.js';
import { Listeners } from './listeners.js';
import type { Middleware, PipelineStep } from './middleware.js';
import { orderMiddleware } from './order.js';

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

  return {
    baseUrl,

    call<Input, Output>(
      route: RouteDescriptor<Input, Output>,
      input: NoInfer<Input>,
      callOptions: CallOptions = {},
    ): Promise<CallResult<Output>> {
      try {
        if (closing) throw new ClientClosedError('the client is closed', { operationId: route.operationId });
        const call = prepareCall(route, input, callOptions, settings, hub);
        // Ordering the call's own middleware may fail (a duplicate name): before anything has started.
        return runCall<Output>(call, runnerFor(callOptions.middleware), inFlight, settings);
      } catch (error) {
        // A refusal is a rejection, as from an async function, without a second promise around runCall's.
        // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors
        return Promise.reject(error);
      }
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
