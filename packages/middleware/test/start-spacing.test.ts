/** StartSpacing on a fake clock: when each start is due, to the millisecond, and when the spacing ends. */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { StartSpacing } from '../src/start-spacing.js';

const START = Date.UTC(2030, 0, 1);

beforeEach(() => {
  vi.useFakeTimers({ now: START });
});

afterEach(() => {
  vi.useRealTimers();
});

/** A spacing of `spacingMs` that holds for `forMs` from now. */
function spaced(spacingMs: number, forMs: number): StartSpacing {
  const spacing = new StartSpacing();
  spacing.set(spacingMs, Date.now() + forMs);
  return spacing;
}

describe('StartSpacing', () => {
  it('lets every start go before any spacing is set', () => {
    const spacing = new StartSpacing();
    expect(spacing.active).toBe(false);
    expect(spacing.spacingMs).toBe(0);
    expect(spacing.until).toBe(0);
    expect([spacing.take(), spacing.take(), spacing.take()]).toEqual([0, 0, 0]);
  });

  it('spaces starts at least spacingMs apart, and says how long until the next is due', () => {
    const spacing = spaced(100, 10_000);
    expect(spacing.active).toBe(true);
    expect(spacing.spacingMs).toBe(100);
    expect(spacing.until).toBe(START + 10_000);

    expect(spacing.take()).toBe(0);
    expect(spacing.take()).toBe(100);
    vi.advanceTimersByTime(40);
    expect(spacing.take()).toBe(60);
  });

  it('lets the next start go at exactly spacingMs after the last, not a millisecond before', () => {
    const spacing = spaced(100, 10_000);
    expect(spacing.take()).toBe(0);
    vi.advanceTimersByTime(99);
    expect(spacing.take()).toBe(1);
    vi.advanceTimersByTime(1);
    expect(spacing.take()).toBe(0);
    expect(spacing.take()).toBe(100);
  });

  it('books nothing ahead: a start refused while it waits takes no slot, so a caller that gives up leaves no hole', () => {
    const spacing = spaced(100, 10_000);
    expect(spacing.take()).toBe(0);
    vi.advanceTimersByTime(10);
    // Three callers ask and are told to wait; none of them comes back.
    expect([spacing.take(), spacing.take(), spacing.take()]).toEqual([90, 90, 90]);
    vi.advanceTimersByTime(90);
    // The next caller to ask when the start is due gets it, and only the one after it waits.
    expect(spacing.take()).toBe(0);
    expect(spacing.take()).toBe(100);
  });

  it('measures against the time it is given, when given one', () => {
    const spacing = spaced(100, 10_000);
    expect(spacing.take(START + 50)).toBe(0);
    expect(spacing.take(START + 120)).toBe(30);
    expect(spacing.take(START + 150)).toBe(0);
    expect(spacing.take(START + 150)).toBe(100);
  });

  it('ends at exactly its until: from then on every start goes, and spacingMs reads 0', () => {
    const spacing = spaced(100, 1_000);
    vi.advanceTimersByTime(999);
    expect(spacing.active).toBe(true);
    expect(spacing.take()).toBe(0);
    expect(spacing.take()).toBe(100);

    vi.advanceTimersByTime(1);
    expect(spacing.active).toBe(false);
    expect(spacing.spacingMs).toBe(0);
    expect(spacing.until).toBe(START + 1_000);
    expect([spacing.take(), spacing.take()]).toEqual([0, 0]);
  });

  it('ends when set to a spacing of 0, and forgets the last start, so a new spacing begins with a free start', () => {
    const spacing = spaced(100, 10_000);
    expect(spacing.take()).toBe(0);

    spacing.set(0, START + 10_000);
    expect(spacing.active).toBe(false);
    expect(spacing.spacingMs).toBe(0);
    expect([spacing.take(), spacing.take()]).toEqual([0, 0]);

    spacing.set(100, START + 10_000);
    expect(spacing.take()).toBe(0);
    expect(spacing.take()).toBe(100);
  });

  it('keeps the last start when changed to another spacing that is not 0', () => {
    const spacing = spaced(100, 10_000);
    expect(spacing.take()).toBe(0);
    vi.advanceTimersByTime(30);

    spacing.set(200, START + 10_000);
    expect(spacing.spacingMs).toBe(200);
    expect(spacing.take()).toBe(70);
    vi.advanceTimersByTime(70);
    expect(spacing.take()).toBe(0);
    expect(spacing.take()).toBe(200);
  });
});
