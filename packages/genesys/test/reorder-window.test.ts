/**
 * The reorder window on a fake clock: items released in timestamp order, each after at most the
 * window; items without a timestamp in their arrival place; nothing released by its window while
 * paused; what the gap fill recovers merged in; flush; a window of 0.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ReorderWindow } from '../src/reorder-window.js';

const WINDOW_MS = 250;
let released: string[];
let window: ReorderWindow<string>;
beforeEach(() => {
  vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] });
  released = [];
  window = new ReorderWindow<string>(WINDOW_MS, (item) => released.push(item));
});
afterEach(() => {
  expect(vi.getTimerCount()).toBe(window.size); // one timer per held item, none left behind
  vi.useRealTimers();
});

describe('the reorder window', () => {
  it('releases an earlier-timestamped item that arrived later first, with the one it sorts before, when that one’s window ends', () => {
    window.hold('b', 2_000);
    vi.advanceTimersByTime(100);
    window.hold('a', 1_000);
    vi.advanceTimersByTime(WINDOW_MS - 101);
    expect(released).toEqual([]);
    vi.advanceTimersByTime(1);
    expect(released).toEqual(['a', 'b']); // a waited 150 ms, not its whole window
  });

  it('releases each item at the end of its own window, never later', () => {
    window.hold('a', 1_000);
    vi.advanceTimersByTime(200);
    window.hold('b', 2_000);
    vi.advanceTimersByTime(50);
    expect(released).toEqual(['a']);
    vi.advanceTimersByTime(199);
    expect(released).toEqual(['a']);
    vi.advanceTimersByTime(1);
    expect(released).toEqual(['a', 'b']);
  });

  it('releases one that comes after a later-timestamped one was released as it comes: out of order, after the window', () => {
    window.hold('b', 2_000);
    vi.advanceTimersByTime(WINDOW_MS);
    window.hold('a', 1_000);
    vi.advanceTimersByTime(WINDOW_MS);
    expect(released).toEqual(['b', 'a']);
  });

  it('keeps arrival order for equal timestamps, and the arrival place of items without one (or with one that does not parse)', () => {
    window.hold('m5', 5_000);
    window.hold('typing', undefined);
    window.hold('m3', 3_000);
    window.hold('no timestamp', Number.NaN);
    window.hold('m5 again', 5_000);
    vi.advanceTimersByTime(WINDOW_MS);
    expect(released).toEqual(['m3', 'm5', 'typing', 'no timestamp', 'm5 again']);
  });

  it('holds nothing past its window because an item claims to come from the far future', () => {
    window.hold('future', Date.parse('9999-01-01T00:00:00Z'));
    vi.advanceTimersByTime(100);
    window.hold('now', 1_000);
    vi.advanceTimersByTime(50);
    window.hold('typing', undefined); // sorts after the latest timestamp seen: the future one
    vi.advanceTimersByTime(WINDOW_MS - 150);
    expect(released).toEqual(['now', 'future']);
    vi.advanceTimersByTime(149);
    expect(released).toEqual(['now', 'future']);
    vi.advanceTimersByTime(1);
    expect(released).toEqual(['now', 'future', 'typing']);
  });

  it('a far-future timestamp moves nothing past its own window: an item without one that comes after it is released keeps its arrival place', () => {
    window.hold('future', Date.parse('9999-01-01T00:00:00Z'));
    vi.advanceTimersByTime(WINDOW_MS);
    expect(released).toEqual(['future']);
    window.hold('typing', undefined);
    vi.advanceTimersByTime(100);
    window.hold('m', 1_000);
    window.hold('member change', undefined);
    vi.advanceTimersByTime(WINDOW_MS);
    // It sorted after 'future' for good: every later item without a timestamp went behind every later message.
    expect(released).toEqual(['future', 'typing', 'm', 'member change']);
  });

  it('while paused releases nothing by window; resume releases what is due, and the rest waits for its window', () => {
    window.pause();
    window.hold('b', 2_000);
    window.hold('a', 1_000);
    vi.advanceTimersByTime(WINDOW_MS * 10);
    window.hold('c', 3_000);
    expect(released).toEqual([]);
    window.resume();
    expect(released).toEqual(['a', 'b']);
    vi.advanceTimersByTime(WINDOW_MS);
    expect(released).toEqual(['a', 'b', 'c']);
  });

  it('releaseBefore() releases, paused or not, the held items that sort strictly before what is delivered now', () => {
    window.pause();
    window.hold('live 1.5', 1_500);
    window.hold('live 2', 2_000);
    window.hold('live 3', 3_000);
    window.releaseBefore(1_000);
    expect(released).toEqual([]);
    window.releaseBefore(2_000);
    expect(released).toEqual(['live 1.5']); // an equal timestamp waits: the recovered copy goes in its place
    window.releaseBefore(Number.NaN); // no timestamp: sorts at the last held (3 s)
    expect(released).toEqual(['live 1.5', 'live 2']);
  });

  it('flush() releases everything in order at once and leaves no timer', () => {
    window.hold('b', 2_000);
    window.hold('a', 1_000);
    window.flush();
    expect(released).toEqual(['a', 'b']);
    expect(window.size).toBe(0);
  });

  it('a release that flushes (the stream closing from a listener) keeps the rest in order', () => {
    released = [];
    window = new ReorderWindow<string>(WINDOW_MS, (item) => {
      released.push(item);
      if (item === 'a') window.flush();
    });
    window.hold('c', 3_000);
    window.hold('b', 2_000);
    window.hold('a', 1_000);
    vi.advanceTimersByTime(WINDOW_MS);
    expect(released).toEqual(['a', 'b', 'c']);
  });

  it('with a window of 0, releases each item as it comes, and while paused at resume', () => {
    window = new ReorderWindow<string>(0, (item) => released.push(item));
    window.hold('b', 2_000);
    window.hold('a', 1_000);
    expect(released).toEqual(['b', 'a']);
    window.pause();
    window.hold('c', 3_000);
    expect(released).toEqual(['b', 'a']);
    window.resume();
    expect(released).toEqual(['b', 'a', 'c']);
  });
});
