/** Waiter on a fake clock: a wait ends exactly once, however it ends, and leaves no timer or listener behind. */
import { getEventListeners } from 'node:events';
import { AbortError, MAX_TIMER_MS, TimeoutError } from '@switchboard/core';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { AcquireOptions, Limiter, Permit } from '../src/limiter.js';
import { Waiter } from '../src/waiter.js';

beforeEach(() => {
  vi.useFakeTimers();
});

afterEach(() => {
  vi.useRealTimers();
});

/** A waiter with everything it tells recorded, in order: the end (`onEnd`), then the caller's outcome. */
function watched(options: Partial<AcquireOptions> = {}) {
  const told: string[] = [];
  const outcomes: { granted?: Permit; refused?: unknown }[] = [];
  const waiter = new Waiter(
    { operationId: 'getThing', timeoutMs: Infinity, ...options },
    {
      resolve: (permit) => {
        told.push('granted');
        outcomes.push({ granted: permit });
      },
      reject: (error) => {
        told.push('refused');
        outcomes.push({ refused: error });
      },
    },
    (ended) => told.push(ended === waiter ? 'ended' : 'ended (another waiter)'),
  );
  return { waiter, told, outcomes };
}

const permit: Permit = { release: () => undefined };

/** A limiter that records what it is asked for and answers as told. */
function otherLimiter(answer: () => Promise<Permit>): Limiter & { asked: AcquireOptions[] } {
  const asked: AcquireOptions[] = [];
  return {
    asked,
    acquire: (options) => {
      asked.push(options);
      return answer();
    },
    pauseUntil: () => undefined,
    reportWindow: () => undefined,
    close: () => Promise.resolve(),
    queued: 0,
  };
}

describe('Waiter', () => {
  it('gives the caller its permit when granted, telling its holder first that the wait ended', () => {
    const { waiter, told, outcomes } = watched();
    expect(waiter.ended).toBe(false);
    expect(waiter.grant(permit)).toBe(true);
    expect(waiter.ended).toBe(true);
    expect(told).toEqual(['ended', 'granted']);
    expect(outcomes).toEqual([{ granted: permit }]);
  });

  it('gives the caller the error when refused', () => {
    const { waiter, told, outcomes } = watched();
    const error = new Error('no');
    waiter.refuse(error);
    expect(waiter.ended).toBe(true);
    expect(told).toEqual(['ended', 'refused']);
    expect(outcomes).toEqual([{ refused: error }]);
  });

  it('ends exactly once: once granted, nothing else reaches the caller and a later grant says it was too late', () => {
    const { waiter, told } = watched({ timeoutMs: 100, signal: new AbortController().signal });
    waiter.grant(permit);
    expect(waiter.grant(permit)).toBe(false);
    waiter.refuse(new Error('late'));
    const other = otherLimiter(() => Promise.resolve(permit));
    waiter.handTo(other);
    expect(other.asked).toEqual([]);
    expect(told).toEqual(['ended', 'granted']);
  });

  it('ends exactly once: once refused, a grant is refused with false and spends nothing', () => {
    const { waiter, told } = watched();
    waiter.refuse(new Error('first'));
    expect(waiter.grant(permit)).toBe(false);
    waiter.refuse(new Error('second'));
    expect(told).toEqual(['ended', 'refused']);
  });

  it('refuses the caller with a deadline TimeoutError at exactly its timeoutMs, saying nothing was sent', async () => {
    const { waiter, told, outcomes } = watched({ timeoutMs: 250 });
    await vi.advanceTimersByTimeAsync(249);
    expect(waiter.ended).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    expect(waiter.ended).toBe(true);
    expect(told).toEqual(['ended', 'refused']);
    const error = outcomes[0]?.refused;
    expect(error).toBeInstanceOf(TimeoutError);
    expect(error).toMatchObject({ kind: 'deadline', timeoutMs: 250, operationId: 'getThing', requestMayHaveBeenSent: false });
  });

  it.each([0, -50])('refuses at the next turn of the clock a wait whose time is already up (timeoutMs %d)', async (timeoutMs) => {
    const { waiter, outcomes } = watched({ timeoutMs });
    expect(waiter.ended).toBe(false);
    await vi.advanceTimersByTimeAsync(0);
    expect(outcomes[0]?.refused).toMatchObject({ kind: 'deadline', timeoutMs });
  });

  it('sets a timer for a timeoutMs of exactly the longest timer, and none beyond it, where the wait is unbounded', async () => {
    watched({ timeoutMs: MAX_TIMER_MS });
    expect(vi.getTimerCount()).toBe(1);
    vi.clearAllTimers();

    const { waiter } = watched({ timeoutMs: MAX_TIMER_MS + 1 });
    const { waiter: unbounded } = watched({ timeoutMs: Infinity });
    expect(vi.getTimerCount()).toBe(0);
    await vi.advanceTimersByTimeAsync(MAX_TIMER_MS + 10);
    expect(waiter.ended).toBe(false);
    expect(unbounded.ended).toBe(false);
  });

  it("refuses the caller with an AbortError carrying the signal's reason when the signal aborts, and drops its timer", () => {
    const controller = new AbortController();
    const { waiter, told, outcomes } = watched({ timeoutMs: 1_000, signal: controller.signal });
    const reason = new Error('user left');
    controller.abort(reason);
    expect(waiter.ended).toBe(true);
    expect(told).toEqual(['ended', 'refused']);
    const error = outcomes[0]?.refused;
    expect(error).toBeInstanceOf(AbortError);
    expect(error).toMatchObject({ reason, operationId: 'getThing' });
    expect(vi.getTimerCount()).toBe(0);
  });

  it.each([
    ['granted', (waiter: Waiter) => void waiter.grant(permit)],
    ['refused', (waiter: Waiter) => waiter.refuse(new Error('no'))],
    ['handed on', (waiter: Waiter) => waiter.handTo(otherLimiter(() => Promise.resolve(permit)))],
  ])('leaves no timer and no abort listener behind once %s', async (_how, end: (waiter: Waiter) => void) => {
    const controller = new AbortController();
    const { waiter, told } = watched({ timeoutMs: 1_000, signal: controller.signal });
    expect(vi.getTimerCount()).toBe(1);
    expect(getEventListeners(controller.signal, 'abort')).toHaveLength(1);

    end(waiter);
    expect(vi.getTimerCount()).toBe(0);
    expect(getEventListeners(controller.signal, 'abort')).toHaveLength(0);
    await vi.advanceTimersByTimeAsync(0);
    const before = [...told];
    controller.abort();
    await vi.advanceTimersByTimeAsync(5_000);
    expect(told).toEqual(before);
  });

  it('leaves no abort listener behind once its deadline passes', async () => {
    const controller = new AbortController();
    watched({ timeoutMs: 100, signal: controller.signal });
    await vi.advanceTimersByTimeAsync(100);
    expect(getEventListeners(controller.signal, 'abort')).toHaveLength(0);
  });

  it('counts the time it has waited', async () => {
    const { waiter } = watched();
    expect(waiter.waitedMs).toBe(0);
    await vi.advanceTimersByTimeAsync(375);
    expect(waiter.waitedMs).toBe(375);
  });

  it('hands the call to another limiter with the time it has left, and gives the caller that limiter’s permit', async () => {
    const controller = new AbortController();
    const { waiter, told, outcomes } = watched({ timeoutMs: 1_000, signal: controller.signal });
    const other = otherLimiter(() => Promise.resolve(permit));
    await vi.advanceTimersByTimeAsync(400);

    waiter.handTo(other);
    expect(waiter.ended).toBe(true);
    expect(other.asked).toEqual([{ operationId: 'getThing', signal: controller.signal, timeoutMs: 600 }]);
    await vi.advanceTimersByTimeAsync(0);
    expect(told).toEqual(['ended', 'granted']);
    expect(outcomes).toEqual([{ granted: permit }]);

    // Its own deadline no longer applies: the other limiter has the call.
    await vi.advanceTimersByTimeAsync(1_000);
    expect(told).toEqual(['ended', 'granted']);
  });

  it("gives the caller the other limiter's refusal when that limiter refuses the call", async () => {
    const { waiter, outcomes } = watched();
    const refusal = new Error('closed');
    waiter.handTo(otherLimiter(() => Promise.reject(refusal)));
    await vi.advanceTimersByTimeAsync(0);
    expect(outcomes).toEqual([{ refused: refusal }]);
  });
});
