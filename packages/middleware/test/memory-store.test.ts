/**
 * MemoryStore, the in-process KeyValueStore: entries, their expiry and the bound on how many it
 * keeps, all on a clock the test moves, and the checks every call makes before it touches anything.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { ConfigurationError, MAX_TIMER_MS, ValidationError } from '@switchboard/core';
import { type KeyValueStore, MemoryStore, StoreUnavailableError } from '@switchboard/middleware';

/** A store on a clock that moves only when the test says so. */
function onFakeClock(options: { maxEntries?: number } = {}) {
  let now = 1_000;
  const store = new MemoryStore({ ...options, now: () => now });
  return { store, advance: (ms: number) => void (now += ms) };
}

/** Writes an entry with a ttl of 1 s and reads it back just before the ttl is up (a read, which must not extend it) and when it is. */
async function expectExpiresAfterItsTtl(store: MemoryStore, advance: (ms: number) => void): Promise<void> {
  await store.set('token', 'abc', { ttlMs: 1_000 });
  advance(999);
  expect(await store.get('token')).toBe('abc');
  advance(1);
  expect(await store.get('token')).toBeUndefined();
}

/** What a call rejected with; fails the test when it resolved. */
async function rejection(call: Promise<unknown>): Promise<Error> {
  return call.then(
    () => expect.fail('expected the call to reject'),
    (error: Error) => error,
  );
}

afterEach(() => {
  vi.useRealTimers();
});

describe('MemoryStore', () => {
  it('is a KeyValueStore: a value written is read back, replaced by the next write, and gone once deleted', async () => {
    const store: KeyValueStore = new MemoryStore();
    expect(await store.get('session')).toBeUndefined();
    await store.set('session', 'first', { ttlMs: 60_000 });
    expect(await store.get('session')).toBe('first');
    await store.set('session', 'second', { ttlMs: 60_000 });
    expect(await store.get('session')).toBe('second');
    await store.delete('session');
    expect(await store.get('session')).toBeUndefined();
    // Deleting what is not there is no error.
    await expect(store.delete('session')).resolves.toBeUndefined();
    await store.close();
  });

  it('adds a key only when nothing unexpired is there: of two adds at once, one wins', async () => {
    let now = 0;
    const store = new MemoryStore({ now: () => now });
    const [first, second] = await Promise.all([store.add('once', 'a', { ttlMs: 1_000 }), store.add('once', 'b', { ttlMs: 1_000 })]);
    expect([first, second]).toEqual([true, false]);
    expect(await store.get('once')).toBe('a');
    now = 1_000; // expired: it can be added again
    expect(await store.add('once', 'c', { ttlMs: 1_000 })).toBe(true);
    expect(await store.get('once')).toBe('c');
    await expect(store.add('', 'x', { ttlMs: 1 })).rejects.toThrow('/key');
    await store.close();
  });

  it('keeps an entry for exactly its ttl, which a read does not extend and a write starts again', async () => {
    const { store, advance } = onFakeClock();
    await expectExpiresAfterItsTtl(store, advance);

    await store.set('token', 'abc', { ttlMs: 1_000 });
    advance(500);
    await store.set('token', 'def', { ttlMs: 1_000 });
    advance(900);
    expect(await store.get('token')).toBe('def');
    advance(100);
    expect(await store.get('token')).toBeUndefined();
  });

  it('measures ttls on the monotonic clock by default', async () => {
    vi.useFakeTimers({ toFake: ['performance'] });
    await expectExpiresAfterItsTtl(new MemoryStore(), (ms) => vi.advanceTimersByTime(ms));
  });

  it('holds at most maxEntries, dropping the least recently used (read or written) first', async () => {
    const { store } = onFakeClock({ maxEntries: 3 });
    await store.set('a', '1', { ttlMs: 60_000 });
    await store.set('b', '2', { ttlMs: 60_000 });
    await store.set('c', '3', { ttlMs: 60_000 });
    // A read and a rewrite count as uses: b is now the least recently used.
    expect(await store.get('a')).toBe('1');
    await store.set('c', '3 again', { ttlMs: 60_000 });
    await store.set('d', '4', { ttlMs: 60_000 });
    expect(await store.get('b')).toBeUndefined();
    expect([await store.get('a'), await store.get('c'), await store.get('d')]).toEqual(['1', '3 again', '4']);
    // Still three: the oldest use now is a's read above.
    await store.set('e', '5', { ttlMs: 60_000 });
    expect(await store.get('a')).toBeUndefined();
    expect([await store.get('c'), await store.get('d'), await store.get('e')]).toEqual(['3 again', '4', '5']);
  });

  it('bounds even a stream of distinct keys: 10 000 by default', async () => {
    const { store } = onFakeClock();
    for (let i = 0; i < 10_001; i++) await store.set(`key-${i}`, String(i), { ttlMs: 60_000 });
    expect(await store.get('key-0')).toBeUndefined();
    expect(await store.get('key-1')).toBe('1');
    expect(await store.get('key-10000')).toBe('10000');
  });

  describe('checks every call before it touches anything', () => {
    const secretKey = 'session-of-guest-4711';
    const secretValue = 'token-that-must-not-leak';

    it.each([
      ['an empty key', '', { ttlMs: 1_000 }, '/key'],
      ['a key of 513 characters', 'k'.repeat(513), { ttlMs: 1_000 }, '/key'],
      ['a ttl of 0', secretKey, { ttlMs: 0 }, '/ttlMs'],
      ['a negative ttl', secretKey, { ttlMs: -1 }, '/ttlMs'],
      ['a ttl that is not a number', secretKey, { ttlMs: Number.NaN }, '/ttlMs'],
      ['an endless ttl', secretKey, { ttlMs: Number.POSITIVE_INFINITY }, '/ttlMs'],
      ['a ttl longer than a timer can run', secretKey, { ttlMs: MAX_TIMER_MS + 1 }, '/ttlMs'],
      ['no options', secretKey, undefined, '/ttlMs'],
    ])('refuses a write with %s, stores nothing and names neither key nor value', async (_, key, options, pointer) => {
      const store = new MemoryStore();
      const error = await rejection(store.set(key, secretValue, options as { ttlMs: number }));
      expect(error).toBeInstanceOf(ValidationError);
      expect((error as ValidationError).problems.map((p) => p.pointer)).toEqual([pointer]);
      expect(error.message).not.toContain(secretValue);
      expect(error.message).not.toContain(secretKey);
      if (key !== '' && key.length <= 512) expect(await store.get(key)).toBeUndefined();
    });

    it('lists every problem of a write at once', async () => {
      const store = new MemoryStore();
      const error = await rejection(store.set('', 42 as unknown as string, { ttlMs: 0 }));
      expect((error as ValidationError).problems.map((p) => p.pointer)).toEqual(['/key', '/value', '/ttlMs']);
    });

    it('refuses a bad key on a read and a delete, and takes the longest key and ttl there are', async () => {
      const store = new MemoryStore();
      await expect(store.get('')).rejects.toBeInstanceOf(ValidationError);
      await expect(store.delete('k'.repeat(513))).rejects.toBeInstanceOf(ValidationError);
      await expect(store.get(undefined as unknown as string)).rejects.toBeInstanceOf(ValidationError);
      const longest = 'k'.repeat(512);
      await store.set(longest, 'v', { ttlMs: MAX_TIMER_MS });
      expect(await store.get(longest)).toBe('v');
    });

    it.each([0, -1, 1.5, Number.NaN])('refuses maxEntries %s', (maxEntries) => {
      expect(() => new MemoryStore({ maxEntries })).toThrow(ConfigurationError);
    });
  });

  it('once closed, drops its entries and rejects every call with StoreUnavailableError; closing again is fine', async () => {
    const store = new MemoryStore();
    await store.set('token', 'abc', { ttlMs: 60_000 });
    await store.close();
    for (const call of [store.get('token'), store.set('token', 'abc', { ttlMs: 60_000 }), store.delete('token')]) {
      const error = await rejection(call);
      expect(error).toBeInstanceOf(StoreUnavailableError);
      expect((error as StoreUnavailableError).code).toBe('E_STORE_UNAVAILABLE');
    }
    await expect(store.close()).resolves.toBeUndefined();
  });
});
