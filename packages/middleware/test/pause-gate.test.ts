/** PauseGate on a fake clock: who is held and when the queue is woken, to the millisecond, with no real waiting. */
import { MAX_TIMER_MS } from '@switchboard/core';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { PauseGate } from '../src/pause-gate.js';

const START = Date.UTC(2030, 0, 1);

beforeEach(() => {
  vi.useFakeTimers({ now: START });
});

afterEach(() => {
  vi.useRealTimers();
});

/** A gate whose wake-ups are counted. */
function gate(): { gate: PauseGate; woken: () => number } {
  let count = 0;
  return { gate: new PauseGate(() => count++), woken: () => count };
}

describe('PauseGate', () => {
  it('holds nobody and has no timer before any pause', () => {
    const { gate: pause } = gate();
    expect(pause.holding).toBe(false);
    expect(pause.until).toBe(0);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('holds until the end of the pause, then wakes the queue once, at exactly that millisecond', async () => {
    const { gate: pause, woken } = gate();
    pause.pauseUntil(START + 1_000);
    expect(pause.until).toBe(START + 1_000);
    expect(pause.holding).toBe(true);

    await vi.advanceTimersByTimeAsync(999);
    expect(pause.holding).toBe(true);
    expect(woken()).toBe(0);

    await vi.advanceTimersByTimeAsync(1);
    expect(pause.holding).toBe(false);
    expect(woken()).toBe(1);
    expect(vi.getTimerCount()).toBe(0);

    await vi.advanceTimersByTimeAsync(60_000);
    expect(woken()).toBe(1);
  });

  it('keeps one timer, moved to the new end, when a longer pause begins', async () => {
    const { gate: pause, woken } = gate();
    pause.pauseUntil(START + 500);
    pause.pauseUntil(START + 1_000);
    expect(pause.until).toBe(START + 1_000);
    expect(vi.getTimerCount()).toBe(1);

    await vi.advanceTimersByTimeAsync(500);
    expect(woken()).toBe(0);
    expect(pause.holding).toBe(true);

    await vi.advanceTimersByTimeAsync(500);
    expect(woken()).toBe(1);
  });

  it.each([
    ['a shorter', START + 400],
    ['an equal', START + 1_000],
    ['a not-a-number', Number.NaN],
  ])('changes nothing for %s pause', async (_kind, untilMs) => {
    const { gate: pause, woken } = gate();
    pause.pauseUntil(START + 1_000);
    pause.pauseUntil(untilMs);
    expect(pause.until).toBe(START + 1_000);
    expect(vi.getTimerCount()).toBe(1);

    await vi.advanceTimersByTimeAsync(999);
    expect(woken()).toBe(0);
    await vi.advanceTimersByTimeAsync(1);
    expect(woken()).toBe(1);
  });

  it('waits again, rather than wake the queue while the pause still holds, when its timer fires early by the wall clock', async () => {
    const { gate: pause, woken } = gate();
    pause.pauseUntil(START + 1_000);
    // The wall clock is set back 300 ms: the timer still fires after 1 000 ms, when by the wall
    // clock the pause has 300 ms to go.
    vi.setSystemTime(START - 300);

    await vi.advanceTimersByTimeAsync(1_000);
    expect(pause.holding).toBe(true);
    expect(woken()).toBe(0);
    expect(vi.getTimerCount()).toBe(1);

    await vi.advanceTimersByTimeAsync(299);
    expect(woken()).toBe(0);
    await vi.advanceTimersByTimeAsync(1);
    expect(woken()).toBe(1);
    expect(pause.holding).toBe(false);
  });

  it('wakes the queue no earlier than a fractional end', async () => {
    const { gate: pause, woken } = gate();
    pause.pauseUntil(START + 100.5);

    await vi.advanceTimersByTimeAsync(100);
    expect(pause.holding).toBe(true);
    expect(woken()).toBe(0);

    await vi.advanceTimersByTimeAsync(1);
    expect(pause.holding).toBe(false);
    expect(woken()).toBe(1);
  });

  it('wakes the queue straight away for a pause that has already ended', async () => {
    const { gate: pause, woken } = gate();
    pause.pauseUntil(START - 1_000);
    expect(pause.holding).toBe(false);

    await vi.advanceTimersByTimeAsync(0);
    expect(woken()).toBe(1);
  });

  it('waits out a pause longer than the longest timer in steps of the longest timer, waking the queue only at its end', async () => {
    const { gate: pause, woken } = gate();
    pause.pauseUntil(START + MAX_TIMER_MS + 1_000);

    // A longer delay would overflow the timer, which would then fire after 1 ms.
    await vi.advanceTimersToNextTimerAsync();
    expect(Date.now()).toBe(START + MAX_TIMER_MS);
    expect(pause.holding).toBe(true);
    expect(woken()).toBe(0);

    await vi.advanceTimersToNextTimerAsync();
    expect(Date.now()).toBe(START + MAX_TIMER_MS + 1_000);
    expect(woken()).toBe(1);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('once stopped, lets go of its timer, never wakes the queue, and takes no more pauses', async () => {
    const { gate: pause, woken } = gate();
    pause.pauseUntil(START + 1_000);
    pause.stop();
    expect(vi.getTimerCount()).toBe(0);

    pause.pauseUntil(START + 5_000);
    expect(pause.until).toBe(START + 1_000);
    expect(vi.getTimerCount()).toBe(0);

    await vi.advanceTimersByTimeAsync(10_000);
    expect(woken()).toBe(0);
  });
});
