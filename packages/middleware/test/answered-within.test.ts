/** The bounded wait the Redis limiter uses for work that may never end: a yes or a no, never a rejection, and no timer left behind. */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { answeredWithin } from '../src/answered-within.js';

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

describe('answeredWithin', () => {
  it('is true when the work succeeds in time, and leaves no timer', async () => {
    await expect(answeredWithin(1_000, Promise.resolve('OK'))).resolves.toBe(true);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('takes a value that is not a promise as a success', async () => {
    await expect(answeredWithin(1_000, undefined)).resolves.toBe(true);
  });

  it('is false, not a rejection, when the work fails in time, and leaves no timer', async () => {
    await expect(answeredWithin(1_000, Promise.reject(new Error('Connection is closed.')))).resolves.toBe(false);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('is false once the time is up while the work still runs, and not before', async () => {
    let answered: boolean | undefined;
    void answeredWithin(1_000, new Promise(() => undefined)).then((value) => (answered = value));
    await vi.advanceTimersByTimeAsync(999);
    expect(answered).toBeUndefined();
    await vi.advanceTimersByTimeAsync(1);
    expect(answered).toBe(false);
  });

  it('is false when the work succeeds only after the time is up', async () => {
    const late = new Promise((resolve) => setTimeout(resolve, 2_000));
    const answered = answeredWithin(1_000, late);
    await vi.advanceTimersByTimeAsync(2_000);
    await expect(answered).resolves.toBe(false);
  });
});
