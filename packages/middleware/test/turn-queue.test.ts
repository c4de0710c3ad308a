/** TurnQueue: who goes next, with calls that give up and calls sent back; the deadlines run on a fake clock. */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { TurnQueue } from '../src/turn-queue.js';
import { Waiter } from '../src/waiter.js';

beforeEach(() => {
  vi.useFakeTimers();
});

afterEach(() => {
  vi.useRealTimers();
});

const ignore = (): void => undefined;

/** A waiter named for its operation, with no deadline; `onEnd` is told when its wait ends. */
function waiter(operationId: string, onEnd: (ended: Waiter) => void = ignore): Waiter {
  return new Waiter({ operationId, timeoutMs: Infinity }, { resolve: ignore, reject: ignore }, onEnd);
}

/** One waiter per name, as a tuple of as many. */
function waiters<const Names extends readonly string[]>(...names: Names): { [K in keyof Names]: Waiter } {
  return names.map((name) => waiter(name)) as { [K in keyof Names]: Waiter };
}

/** Empties the queue: the operations in the order they come out. */
function drain(queue: TurnQueue): string[] {
  const order: string[] = [];
  for (let next = queue.shift(); next; next = queue.shift()) order.push(next.options.operationId);
  return order;
}

describe('TurnQueue', () => {
  it('has nobody to give a turn to when empty', () => {
    expect(new TurnQueue().shift()).toBeUndefined();
  });

  it('gives turns first come first served', () => {
    const queue = new TurnQueue();
    for (const each of waiters('a', 'b', 'c')) queue.push(each);
    expect(drain(queue)).toEqual(['a', 'b', 'c']);
    expect(queue.shift()).toBeUndefined();
  });

  it('lets a call that gives up leave at once, wherever it is, and keeps the others in order', () => {
    const queue = new TurnQueue();
    const [a, b, c, d] = waiters('a', 'b', 'c', 'd');
    for (const each of [a, b, c, d]) queue.push(each);
    queue.remove(c);
    queue.remove(a);
    expect(drain(queue)).toEqual(['b', 'd']);
  });

  it('puts a call sent back ahead of everyone still waiting, and calls sent back in the order they came back', () => {
    const queue = new TurnQueue();
    const [a, b, c, d] = waiters('a', 'b', 'c', 'd');
    for (const each of [a, b, c, d]) queue.push(each);
    // a and b leave the queue for their turn; a pause sends them back, b first.
    expect([queue.shift(), queue.shift()]).toEqual([a, b]);
    queue.putBack(b);
    queue.putBack(a);
    expect(drain(queue)).toEqual(['b', 'a', 'c', 'd']);
  });

  it('interleaves: calls sent back while others wait still go first, and new calls join the end', () => {
    const queue = new TurnQueue();
    const [a, b, c, d] = waiters('a', 'b', 'c', 'd');
    queue.push(a);
    queue.push(b);
    queue.push(c);
    expect(queue.shift()).toBe(a);
    queue.putBack(a);
    queue.push(d);
    expect(drain(queue)).toEqual(['a', 'b', 'c', 'd']);
  });

  it('lets a call sent back leave at once too', () => {
    const queue = new TurnQueue();
    const [a, b, c] = waiters('a', 'b', 'c');
    queue.push(c);
    queue.putBack(a);
    queue.putBack(b);
    queue.remove(a);
    expect(drain(queue)).toEqual(['b', 'c']);
  });

  it('ignores the removal of a call it does not hold', () => {
    const queue = new TurnQueue();
    const [a, b, stranger] = waiters('a', 'b', 'stranger');
    queue.push(a);
    queue.putBack(b);
    queue.remove(stranger);
    expect(queue.shift()).toBe(b);
    queue.remove(b);
    expect(drain(queue)).toEqual(['a']);
  });

  it('loses a call whose deadline passes as it waits, the moment it passes, when its end takes it out as the limiter does', async () => {
    const queue = new TurnQueue();
    const leave = (ended: Waiter): void => queue.remove(ended);
    const refusals: unknown[] = [];
    const withDeadline = (operationId: string, timeoutMs: number): Waiter =>
      new Waiter({ operationId, timeoutMs }, { resolve: ignore, reject: (error) => refusals.push(error) }, leave);
    const patient = waiter('patient', leave);
    queue.push(withDeadline('hasty', 100));
    queue.push(patient);
    queue.putBack(withDeadline('sent back', 100));

    await vi.advanceTimersByTimeAsync(99);
    expect(refusals).toHaveLength(0);
    await vi.advanceTimersByTimeAsync(1);
    expect(refusals).toHaveLength(2);
    expect(drain(queue)).toEqual(['patient']);
  });
});
