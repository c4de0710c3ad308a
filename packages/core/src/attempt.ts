/**
 * One attempt's context and its hand-off to the transport. It has its own number, request and
 * timeout; everything else is the call's (CallScope). Attempts running side by side (a hedging
 * middleware) therefore never share a request. A class rather than Object.create(call): an object
 * used as a prototype costs V8 several microseconds to re-shape, on every call.
 */
import type { Call } from './call.js';
import { CallScope } from './call-scope.js';
import { ConfigurationError } from './errors.js';
import { errorTypeOf } from './events.js';
import type { HttpRequest, HttpResponse, Transport, TransportOptions } from './http.js';
import { endBody } from './streamed-body.js';

/** `errorType` of a response: its status for 4xx/5xx (OpenTelemetry's convention), none otherwise. */
function statusErrorType(status: number): string | undefined {
  return status >= 400 ? String(status) : undefined;
}

export class Attempt extends CallScope {
  declare attemptTimeout: number;
  declare readonly call: Call;
  declare readonly attempt: number;
  declare request: HttpRequest;

  constructor(call: Call, attempt: number, request: HttpRequest) {
    super(call);
    this.call = call;
    this.attempt = attempt;
    this.request = request;
    this.attemptTimeout = call.attemptTimeout;
  }

  transportOptions(): TransportOptions {
    const { operationId } = this.route;
    if (!(this.attemptTimeout >= 0))
      throw new ConfigurationError('attemptTimeout must be a non-negative number of milliseconds', { operationId });
    const left = this.timeLeft();
    const bound = left < this.attemptTimeout;
    const { signal, maxResponseBytes } = this;
    return {
      signal,
      timeout: bound ? left : this.attemptTimeout,
      timeoutKind: bound ? 'deadline' : 'attempt',
      operationId,
      maxResponseBytes,
    };
  }

  /** Hands the request to the transport: the last checks, the physical attempt's number, its events. */
  send(transport: Transport): Promise<HttpResponse> {
    this.assertCanSend();
    const options = this.transportOptions();
    const { events } = this;
    const { lifecycle } = this.call;
    const number = ++events.attemptsSent;
    if (!events.observed) return this.#counted(transport, options);
    events.attemptStart(number, this.request);
    // Counted out and back in, watched or not, and only once nothing but the transport can fail:
    // close() waits for every request still out (a hedged one may outlive its call).
    lifecycle.requestSent();
    const started = performance.now();
    const settled = (status: number | undefined, errorType: string | undefined, correlationId?: string): void => {
      try {
        endBody(this.request.body);
        events.attemptEnd(number, performance.now() - started, status, errorType, correlationId);
      } finally {
        lifecycle.requestSettled();
      }
    };
    let sending: Promise<HttpResponse>;
    try {
      sending = events.aroundSend(() => transport.send(this.request, options));
    } catch (error) {
      // A transport that throws instead of rejecting still ends its attempt; passed on as thrown.
      // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors
      sending = Promise.reject(error);
    }
    return sending.then(
      (response) => {
        // Read defensively: a custom transport's malformed answer must still end the attempt
        // (the client then reports it as a ConfigurationError).
        const status = (response as HttpResponse | undefined)?.status;
        if (typeof status === 'number') settled(status, statusErrorType(status), this.#correlationOf(response));
        else settled(undefined, '_OTHER');
        return response;
      },
      (error: unknown) => {
        settled(undefined, errorTypeOf(error));
        throw error;
      },
    );
  }

  /** The transport's promise as it is, the request counted back in once it settles: the path of a call nobody watches. */
  #counted(transport: Transport, options: TransportOptions): Promise<HttpResponse> {
    const { lifecycle } = this.call;
    lifecycle.requestSent();
    let sending: Promise<HttpResponse>;
    try {
      sending = transport.send(this.request, options);
    } catch (error) {
      endBody(this.request.body);
      lifecycle.requestSettled();
      throw error;
    }
    // The attempt is over once the transport's promise settles: a streamed body is read no further.
    const back = (): void => {
      endBody(this.request.body);
      lifecycle.requestSettled();
    };
    // A branch of its own, not the caller's chain: what the caller awaits is the transport's promise itself.
    Promise.resolve(sending).then(back, back);
    return sending;
  }

  #correlationOf(response: HttpResponse): string | undefined {
    try {
      return this.events.hub.correlationOf(response.headers);
    } catch {
      return undefined;
    }
  }
}
