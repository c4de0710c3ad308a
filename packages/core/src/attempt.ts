/**
 * One attempt's context and its hand-off to the transport. It has its own number, request and
 * timeout; everything else is the call's (CallScope). Attempts running side by side (a hedging
 * middleware) therefore never share a request. A class rather than Object.create(call): an object
 * used as a prototype costs V8 several microseconds to re-shape, on every call.
 */
import type { CallLifecycle } from './call-lifecycle.js';
import { CallScope } from './call-scope.js';
import { ConfigurationError } from './errors.js';
import { errorTypeOf, statusErrorType } from './events.js';
import type { HttpRequest, HttpResponse, Transport, TransportOptions } from './http.js';
import { endBody } from './streamed-body.js';

export class Attempt extends CallScope {
  declare attemptTimeout: number;
  /** The call's lifecycle, which counts this attempt's request out and back in. */
  declare readonly lifecycle: CallLifecycle;
  declare readonly attempt: number;
  declare request: HttpRequest;

  constructor(call: CallScope & { readonly lifecycle: CallLifecycle }, attempt: number, request: HttpRequest) {
    super(call);
    this.lifecycle = call.lifecycle;
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

  /**
   * Hands the request to the transport: the last checks, the physical attempt's number, its events.
   * One path, watched or not: the request is counted out, and back in once the transport's promise
   * settles (close() waits for every request still out; a hedged one may outlive its call), and only
   * once nothing but the transport can fail. What the caller awaits is the transport's promise
   * itself; the attempt ends in a reaction of its own, registered first, so it runs before the
   * caller's: a watcher sees `attempt.end` before the call goes on.
   */
  send(transport: Transport): Promise<HttpResponse> {
    this.assertCanSend();
    const options = this.transportOptions();
    const { events, lifecycle, request } = this;
    const number = ++events.attemptsSent;
    const watched = events.observed;
    if (watched) events.attemptStart(number, request);
    lifecycle.requestSent();
    const started = watched ? performance.now() : 0;
    let sending: Promise<HttpResponse>;
    try {
      sending = watched ? events.aroundSend(() => transport.send(request, options)) : transport.send(request, options);
    } catch (error) {
      // A transport that throws instead of rejecting still ends its attempt; passed on as thrown.
      // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors
      sending = Promise.reject(error);
    }
    Promise.resolve(sending).then(
      (response) => this.#ended(watched, () => this.#answered(number, started, response)),
      (error: unknown) =>
        this.#ended(watched, () => this.events.attemptEnd(number, performance.now() - started, undefined, errorTypeOf(error))),
    );
    return sending;
  }

  /** The attempt is over: a streamed body is read no further, a watcher hears how it ended, the request is back. */
  #ended(watched: boolean, tell: () => void): void {
    try {
      endBody(this.request.body);
      if (watched) tell();
    } finally {
      this.lifecycle.requestSettled();
    }
  }

  #answered(number: number, started: number, response: HttpResponse): void {
    const durationMs = performance.now() - started;
    // Read defensively: a custom transport's malformed answer must still end the attempt
    // (the client then reports it as a ConfigurationError).
    const status = (response as HttpResponse | undefined)?.status;
    if (typeof status === 'number')
      this.events.attemptEnd(number, durationMs, status, statusErrorType(status), this.#correlationOf(response));
    else this.events.attemptEnd(number, durationMs, undefined, '_OTHER');
  }

  #correlationOf(response: HttpResponse): string | undefined {
    try {
      return this.events.hub.correlationOf(response.headers);
    } catch {
      return undefined;
    }
  }
}
