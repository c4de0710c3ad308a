/**
 * The fakes the suites share: an in-memory transport, the small fake middleware several suites
 * need, and helpers for tests that run on a fake clock (vitest's fake timers), which let a test
 * read a promise's state between ticks and wait for real I/O (a loopback socket, nock's
 * interceptor) without advancing the fake clock.
 */
import { setImmediate as realImmediate } from 'node:timers/promises';
import {
  headersFromRecord,
  type HttpRequest,
  type HttpResponse,
  type Middleware,
  type Phase,
  type Transport,
  type TransportOptions,
} from '@switchboard/core';

/** What a fake transport answers to its `n`th request (1 for the first): a response, or a promise of one (which may reject). */
export type Answer = (request: HttpRequest, n: number, options: TransportOptions) => HttpResponse | Promise<HttpResponse>;

/** An in-memory transport that keeps a copy of every request it was given and whether it was closed. */
export interface FakeTransport extends Transport {
  /** Each request as it was handed over (its headers copied, so later changes do not show). */
  readonly requests: HttpRequest[];
  /** How many requests it was given. */
  readonly sent: number;
  readonly closed: boolean;
}

/** A response with `status`, JSON `data` and `headers`. */
export function respond(status = 200, data: unknown = {}, headers: Record<string, string> = {}): HttpResponse {
  return { status, headers: headersFromRecord(headers), data };
}

/**
 * A transport that answers in memory: by default 200 with `{}` at once. `answer` may be one
 * function for every request, or a list: the nth request gets the nth answer, and the last answer
 * every request after it.
 */
export function fakeTransport(answer: Answer | readonly Answer[] = () => respond(), name = 'fake'): FakeTransport {
  const requests: HttpRequest[] = [];
  let closed = false;
  return {
    name,
    requests,
    get sent() {
      return requests.length;
    },
    get closed() {
      return closed;
    },
    send(request, options): Promise<HttpResponse> {
      requests.push({ ...request, headers: { ...request.headers } });
      const n = requests.length;
      const pick = typeof answer === 'function' ? answer : (answer[n - 1] ?? answer.at(-1));
      if (!pick) throw new Error('fakeTransport: no answer given');
      return Promise.resolve(pick(request, n, options));
    },
    close(): Promise<void> {
      closed = true;
      return Promise.resolve();
    },
  };
}

export type PromiseState = 'pending' | { readonly resolved: unknown } | { readonly rejected: unknown };

/** A promise's state, readable synchronously: what a test with a fake clock checks between ticks. */
export function settledState(promise: Promise<unknown>): { readonly current: PromiseState } {
  const state: { current: PromiseState } = { current: 'pending' };
  promise.then(
    (value: unknown) => (state.current = { resolved: value }),
    (error: unknown) => (state.current = { rejected: error }),
  );
  return state;
}

/**
 * Resolves once `done()` is true, checking after each turn of the real event loop (never the fake
 * clock's), at most `turns` times: then it throws, so that a test waiting for what never comes
 * fails with a reason instead of a timeout.
 */
export async function untilTrue(done: () => boolean, what: string, turns = 10_000): Promise<void> {
  for (let turn = 0; turn < turns; turn++) {
    if (done()) return;
    await realImmediate();
  }
  throw new Error(`gave up waiting: ${what}`);
}

/** A middleware that calls next() once more when the first answer has `status`: a retry or an auth renewal reduced to its effect. */
export function againOn(status: number, phase: Phase, name = `again-on-${status}`): Middleware {
  return {
    name,
    phase,
    async handle(_ctx, next) {
      const first = await next();
      return first.status === status ? next() : first;
    },
  };
}
