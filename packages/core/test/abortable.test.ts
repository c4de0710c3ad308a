/**
 * The waits that race the caller's abort (abortable.ts), on a fake clock: whichever way a wait ends,
 * it ends once, with the caller's AbortError on an abort, and leaves no timer and no abort listener.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { AbortError, abortableSleep, untilAborted, waitFor } from '@switchboard/core';

/** An AbortSignal that tells how many abort listeners it holds, to see that a wait leaves none. */
function countedSignal() {
  const controller = new AbortController();
  const { signal } = controller;
  const held = new Set<unknown>();
  const add = signal.addEventListener.bind(signal);
  const remove = signal.removeEventListener.bind(signal);
  signal.addEventListener = ((...args: Parameters<typeof add>) => {
    held.add(args[1]);
    add(...args);
  }) as typeof add;
  signal.removeEventListener = ((...args: Parameters<typeof remove>) => {
    held.delete(args[1]);
    remove(...args);
  }) as typeof remove;
  return { controller, signal, listeners: () => held.size };
}

beforeEach(() => vi.useFakeTimers());
afterEach(() => vi.useRealTimers());

describe('abortableSleep', () => {
  it('resolves after its time and leaves no listener and no timer', async () => {
    const { signal, listeners } = countedSignal();
    let done = false;
    const sleeping = abortableSleep(1_000, signal, 'op').then(() => (done = true));
    expect(listeners()).toBe(1);
    await vi.advanceTimersByTimeAsync(999);
    expect(done).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    await sleeping;
    expect(done).toBe(true);
    expect(listeners()).toBe(0);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('rejects with the AbortError of its signal at once, with its reason and operation, and clears its timer', async () => {
    const { controller, signal, listeners } = countedSignal();
    const sleeping = abortableSleep(60_000, signal, 'getThing');
    controller.abort(new Error('user left'));
    const error = await sleeping.catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(AbortError);
    expect(error).toMatchObject({ operationId: 'getThing' });
    expect((error as AbortError).reason).toEqual(new Error('user left'));
    expect(vi.getTimerCount()).toBe(0);
    expect(listeners()).toBe(0);
  });

  it('arms nothing for a signal already aborted, and treats a negative time as none', async () => {
    await expect(abortableSleep(10, AbortSignal.abort(), 'op')).rejects.toBeInstanceOf(AbortError);
    expect(vi.getTimerCount()).toBe(0);
    const sleeping = abortableSleep(-5, undefined, 'op');
    await vi.advanceTimersByTimeAsync(0);
    await expect(sleeping).resolves.toBeUndefined();
  });
});

describe('waitFor', () => {
  it('settles once: a value after an abort, or an abort after a value, changes nothing', async () => {
    const { controller, signal } = countedSignal();
    let settle: (value: string) => void = () => undefined;
    let disarmed = 0;
    const waiting = waitFor<string>(
      (s) => {
        settle = s;
        return () => disarmed++;
      },
      signal,
      'op',
    );
    settle('first');
    controller.abort();
    settle('second');
    await expect(waiting).resolves.toBe('first');
    expect(disarmed).toBe(1);
  });

  it('passes on a failure, and undoes an arm that settled while arming', async () => {
    const { signal, listeners } = countedSignal();
    let disarmed = 0;
    const failing = waitFor<never>(
      (_settle, fail) => {
        fail(new Error('no'));
        return () => disarmed++;
      },
      signal,
      'op',
    );
    await expect(failing).rejects.toThrow('no');
    expect(disarmed).toBe(1);
    expect(listeners()).toBe(0);
  });
});

describe('untilAborted', () => {
  it('is the promise itself without a signal, and its outcome with one', async () => {
    const promise = Promise.resolve(1);
    expect(untilAborted(promise, undefined, 'op')).toBe(promise);
    await expect(untilAborted(Promise.reject(new Error('failed')), new AbortController().signal, 'op')).rejects.toThrow('failed');
  });

  it('gives the AbortError first, and hears the promise failing afterwards: no unhandled rejection', async () => {
    const unhandled: unknown[] = [];
    const record = (reason: unknown) => unhandled.push(reason);
    process.on('unhandledRejection', record);
    vi.useRealTimers();
    try {
      const { controller, signal, listeners } = countedSignal();
      let fail: (error: Error) => void = () => undefined;
      const pending = new Promise<never>((_resolve, reject) => (fail = reject));
      const waiting = untilAborted(pending, signal, 'op');
      controller.abort();
      await expect(waiting).rejects.toBeInstanceOf(AbortError);
      fail(new Error('late'));
      await expect(untilAborted(Promise.reject(new Error('already')), AbortSignal.abort(), 'op')).rejects.toBeInstanceOf(AbortError);
      await new Promise<void>((resolve) => setImmediate(resolve));
      expect(unhandled).toEqual([]);
      expect(listeners()).toBe(0);
    } finally {
      process.off('unhandledRejection', record);
    }
  });
});
