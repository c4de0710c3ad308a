/** The fan-out of one stream's events: every iterator gets every event, listeners those of their type, the backlog waits for the first consumer. */
import { describe, expect, it } from 'vitest';
import { EventFanOut } from '../src/event-fan-out.js';

type E = { readonly type: 'a' | 'b'; readonly n: number };

async function take(iterator: AsyncGenerator<E, void, undefined>, count: number): Promise<number[]> {
  const seen: number[] = [];
  for (let i = 0; i < count; i++) {
    const { value, done } = await iterator.next();
    if (done) break;
    seen.push(value.n);
  }
  return seen;
}

describe('EventFanOut', () => {
  it('gives every iterator every event and each listener those of its type; a consumer opens the stream', async () => {
    const opened: string[] = [];
    const fan = new EventFanOut<E>({ consumer: () => opened.push('consumer') });
    const one = fan.events();
    const two = fan.events();
    const b: number[] = [];
    fan.on('b', (event) => b.push(event.n));
    const first = take(one, 3);
    const second = take(two, 3);
    fan.emit({ type: 'a', n: 1 });
    fan.emit({ type: 'b', n: 2 });
    fan.emit({ type: 'a', n: 3 });
    expect(await first).toEqual([1, 2, 3]);
    expect(await second).toEqual([1, 2, 3]);
    expect(b).toEqual([2]);
    expect(opened.length).toBeGreaterThanOrEqual(3);
  });

  it('keeps a bounded backlog for the first consumer only, and says what it handed over', async () => {
    const handed: number[] = [];
    const fan = new EventFanOut<E>({ backlog: 2, handedOver: (event) => handed.push(event.n) });
    for (const n of [1, 2, 3]) fan.emit({ type: 'a', n });
    expect(handed).toEqual([]);
    const first = fan.events();
    expect(await take(first, 2)).toEqual([2, 3]);
    expect(handed).toEqual([2, 3]);
    // A generator starts at its first next(): the later iterator listens from then on.
    const later = take(fan.events(), 1);
    await Promise.resolve();
    fan.emit({ type: 'a', n: 4 });
    expect(await later).toEqual([4]);
    expect(handed).toEqual([2, 3, 4]);
  });

  it('ends every iterator after the events it holds, throwing the failure, and ends a later one at once', async () => {
    const fan = new EventFanOut<E>();
    const iterator = fan.events();
    const reading = take(iterator, 1);
    fan.emit({ type: 'a', n: 1 });
    expect(await reading).toEqual([1]);
    fan.end(new Error('gave up'));
    fan.emit({ type: 'a', n: 2 });
    await expect(iterator.next()).rejects.toThrow('gave up');
    await expect(fan.events().next()).rejects.toThrow('gave up');
    expect(fan.ended).toBe(true);
  });

  it('takes nothing, and opens nothing, for an iterator aborted before it began', async () => {
    let opened = 0;
    const fan = new EventFanOut<E>({ backlog: 5, consumer: () => opened++ });
    fan.emit({ type: 'a', n: 1 });
    expect(await fan.events(AbortSignal.abort()).next()).toEqual({ done: true, value: undefined });
    expect(opened).toBe(0);
    expect(await take(fan.events(), 1)).toEqual([1]);
  });
});
