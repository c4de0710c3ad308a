/**
 * Helpers for tests that run on a fake clock (vitest's fake timers): they let a test read a
 * promise's state between ticks, and wait for real I/O (a loopback socket, nock's interceptor)
 * without advancing the fake clock; and the small fake middleware several suites need.
 */
import { setImmediate as realImmediate } from 'node:timers/promises';
import type { Middleware, Phase } from '@switchboard/core';

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
