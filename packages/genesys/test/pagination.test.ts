import { describe, expect, it } from 'vitest';
import { AbortError } from '@switchboard/core';
import { afterCursor, byCursor, byPageNumber } from '@switchboard/genesys';

async function collect<T>(iterator: AsyncIterable<T>): Promise<T[]> {
  const items: T[] = [];
  for await (const item of iterator) items.push(item);
  return items;
}

describe('byCursor', () => {
  it('follows each nextUri’s after cursor to the page without one', async () => {
    const asked: (string | undefined)[] = [];
    const pages: Record<string, { entities: number[]; nextUri?: string }> = {
      start: { entities: [1, 2], nextUri: '/api/v2/things?pageSize=2&after=c1' },
      c1: { entities: [3, 4], nextUri: 'https://api.example.test/api/v2/things?after=c%202&pageSize=2' },
      'c 2': { entities: [5] },
    };
    const items = await collect(
      byCursor('listThings', (after) => (asked.push(after), Promise.resolve(pages[after ?? 'start']!)), undefined),
    );
    expect(items).toEqual([1, 2, 3, 4, 5]);
    expect(asked).toEqual([undefined, 'c1', 'c 2']);
  });

  it('stops when the server hands back a cursor it gave before, rather than loop forever', async () => {
    let calls = 0;
    const items = await collect(
      byCursor('listThings', () => (calls++, Promise.resolve({ entities: [calls], nextUri: '/x?after=same' })), undefined),
    );
    expect(items).toEqual([1, 2]);
    expect(calls).toBe(2);
  });

  it('stops between pages when the signal aborts', async () => {
    const controller = new AbortController();
    const iterator = byCursor('listThings', () => Promise.resolve({ entities: [1], nextUri: `/x?after=${Math.random()}` }), undefined, {
      signal: controller.signal,
    });
    expect((await iterator.next()).value).toBe(1);
    controller.abort();
    await expect(iterator.next()).rejects.toBeInstanceOf(AbortError);
  });

  it('reads a cursor from a relative or absolute nextUri, and none from garbage', () => {
    expect(afterCursor('/a?after=x%2Fy')).toBe('x/y');
    expect(afterCursor('https://h.test/a?before=1')).toBeUndefined();
    expect(afterCursor(undefined)).toBeUndefined();
    expect(afterCursor('http://[')).toBeUndefined();
  });
});

describe('byPageNumber', () => {
  it('walks to pageCount when the server gives it, else to the first short page', async () => {
    const counted = await collect(
      byPageNumber('list', (n) => Promise.resolve({ entities: [n, n], pageCount: 3 }), { defaultPageSize: 25 }),
    );
    expect(counted).toEqual([1, 1, 2, 2, 3, 3]);
    const short = await collect(
      byPageNumber('list', (n) => Promise.resolve({ entities: n < 3 ? [n, n] : [n] }), { first: 2, pageSize: 2, defaultPageSize: 25 }),
    );
    expect(short).toEqual([2, 2, 3]);
  });
});
