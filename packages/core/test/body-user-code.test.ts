/**
 * User code met while a body is read (a toJSON, a getter, a Proxy's trap) may throw: the call
 * fails with one ValidationError naming where, never with the thrown error or its message (which
 * may quote customer data), and nothing is sent. User code runs once per call, so what was
 * validated is what is sent even when it would answer differently the second time.
 */
import { inspect } from 'node:util';
import { describe, expect, it } from 'vitest';
import { createClient, ValidationError } from '@switchboard/core';
import { fakeTransport } from '../../../test/support/fakes.js';
import { createThing } from '../../../test/support/routes.js';

const SECRET = 'customer-card-4111-1111';
const GETTER = 'could not be read (its getter threw)';
const READ = 'could not be read (reading it threw)';
const TO_JSON = 'could not be serialised (its toJSON threw)';

/** Everything an error shows: message, JSON and inspection. */
const shown = (error: unknown) => `${String(error)}\n${JSON.stringify(error) ?? ''}\n${inspect(error, { showHidden: true, depth: 8 })}`;

/** User code that throws, its error quoting customer data. */
const boom = (): never => {
  throw new Error(SECRET);
};

/** A value no one can turn into text: String() or a template on it throws. */
const unprintable = {
  toString(): string {
    throw new Error(SECRET);
  },
  [Symbol.toPrimitive](): string {
    throw new Error(SECRET);
  },
};

/** A class whose toJSON throws, as a model class with a broken serialiser would. */
class Broken {
  toJSON(): unknown {
    throw new Error(`cannot serialise ${SECRET}`);
  }
}

const throwing = (thrown: unknown) => ({
  toJSON(): unknown {
    throw thrown;
  },
});

function revoked(): object {
  const { proxy, revoke } = Proxy.revocable({}, {});
  revoke();
  return proxy;
}

async function refused(input: unknown) {
  const transport = fakeTransport();
  const client = createClient({ baseUrl: 'https://api.example', transport });
  const error = await client.call(createThing, input as never).catch((thrown: unknown) => thrown);
  await client.close();
  expect(transport.sent).toBe(0); // nothing was sent
  expect(error).toBeInstanceOf(ValidationError);
  expect(shown(error)).not.toContain(SECRET);
  return (error as ValidationError).problems;
}

describe('user code that throws while a body is read', () => {
  it.each<[string, unknown, string, string]>([
    ['toJSON at the root', { name: 'x', ...throwing(new Error(SECRET)) }, '/body', TO_JSON],
    ['toJSON nested in an object', { name: 'x', a: { b: new Broken() } }, '/body/a/b', TO_JSON],
    ['toJSON in an array', { name: 'x', list: [1, 'two', new Broken()] }, '/body/list/2', TO_JSON],
    ['toJSON throwing a string', { name: 'x', a: throwing(SECRET) }, '/body/a', TO_JSON],
    ['toJSON throwing undefined', { name: 'x', a: throwing(undefined) }, '/body/a', TO_JSON],
    ['toJSON throwing what cannot be printed', { name: 'x', a: throwing(unprintable) }, '/body/a', TO_JSON],
    [
      'toJSON throwing a Proxy whose every trap throws',
      { name: 'x', a: throwing(new Proxy({}, { get: () => boom(), getPrototypeOf: () => boom() })) },
      '/body/a',
      TO_JSON,
    ],
    [
      'a getter named toJSON',
      {
        name: 'x',
        a: {
          get toJSON(): unknown {
            throw new Error(SECRET);
          },
        },
      },
      '/body/a',
      READ,
    ],
    [
      'a getter in what toJSON returns',
      {
        name: 'x',
        a: {
          toJSON: () => ({
            get broken(): string {
              throw new Error(SECRET);
            },
          }),
        },
      },
      '/body/a/broken',
      GETTER,
    ],
    ['a Proxy whose ownKeys trap throws', { name: 'x', p: new Proxy({ a: 1 }, { ownKeys: () => boom() }) }, '/body/p', READ],
    ['a Proxy whose get trap throws', { name: 'x', p: new Proxy({ a: 1 }, { get: () => boom() }) }, '/body/p', READ],
    [
      'a Proxy whose get trap throws for one field',
      {
        name: 'x',
        p: new Proxy({ a: 1, b: 2 }, { get: (target, key) => (key === 'b' ? boom() : (Reflect.get(target, key) as unknown)) }),
      },
      '/body/p/b',
      GETTER,
    ],
    [
      'a Proxy whose getOwnPropertyDescriptor trap throws',
      { name: 'x', p: new Proxy({ a: 1 }, { getOwnPropertyDescriptor: () => boom() }) },
      '/body/p',
      READ,
    ],
    ['a Proxy whose getPrototypeOf trap throws', { name: 'x', p: new Proxy({ a: 1 }, { getPrototypeOf: () => boom() }) }, '/body/p', READ],
    [
      'an array Proxy whose length cannot be read',
      {
        name: 'x',
        list: new Proxy([1, 2], { get: (target, key) => (key === 'length' ? boom() : (Reflect.get(target, key) as unknown)) }),
      },
      '/body/list',
      READ,
    ],
    [
      'an array item getter',
      {
        name: 'x',
        list: Object.defineProperty([1, 2, 3], 1, {
          get(): number {
            throw new Error(SECRET);
          },
        }),
      },
      '/body/list/1',
      GETTER,
    ],
    ['a revoked Proxy', { name: 'x', gone: revoked() }, '/body/gone', READ],
    ['a revoked Proxy as the body', revoked(), '/body', READ],
  ])('%s: a ValidationError at its pointer, nothing sent', async (_name, body, pointer, message) => {
    expect(await refused({ body })).toEqual([{ pointer, message }]);
  });

  it('a body getter on the input that throws is a problem at /body', async () => {
    const input = {
      get body(): unknown {
        throw new Error(SECRET);
      },
    };
    expect(await refused(input)).toEqual([{ pointer: '/body', message: GETTER }]);
  });

  it('collects every throw with the other problems into the one ValidationError', async () => {
    const body = {
      name: 'x',
      a: new Broken(),
      b: {
        get c(): string {
          throw new Error(SECRET);
        },
      },
      d: Number.NaN,
      e: [new Proxy({}, { ownKeys: () => boom() })],
    };
    expect(await refused({ body })).toEqual([
      { pointer: '/body/a', message: TO_JSON },
      { pointer: '/body/b/c', message: GETTER },
      { pointer: '/body/d', message: 'must be a finite number (JSON has no NaN or Infinity)' },
      { pointer: '/body/e/0', message: READ },
    ]);
  });
});

describe('user code runs once per call', () => {
  it('a toJSON that would throw the second time is called once, and its first answer sent', async () => {
    let calls = 0;
    const body = {
      name: 'x',
      a: {
        toJSON(): unknown {
          calls++;
          if (calls > 1) throw new Error(SECRET);
          return 'first';
        },
      },
    };
    const transport = fakeTransport();
    const client = createClient({ baseUrl: 'https://api.example', transport });
    await client.call(createThing, { body });
    await client.close();
    expect(calls).toBe(1);
    expect(transport.requests.map((request) => request.body)).toEqual(['{"name":"x","a":"first"}']);
  });

  it('a toJSON that answers NaN the second time is never sent as null', async () => {
    let calls = 0;
    const body = { name: 'x', size: { toJSON: () => (calls++ === 0 ? 1 : Number.NaN) } };
    const transport = fakeTransport();
    const client = createClient({ baseUrl: 'https://api.example', transport });
    await client.call(createThing, { body });
    await client.close();
    expect(transport.requests.map((request) => request.body)).toEqual(['{"name":"x","size":1}']);
  });

  it.each([
    ['without a validator', createThing],
    ['with the descriptor’s own validator', { ...createThing, validate: () => [] }],
  ])('the body getter of the input is read once (%s)', async (_name, route) => {
    let reads = 0;
    const input = {
      get body(): unknown {
        reads++;
        if (reads > 1) throw new Error(SECRET);
        return { name: 'x' };
      },
    };
    const transport = fakeTransport();
    const client = createClient({ baseUrl: 'https://api.example', transport });
    await client.call(route, input as never);
    await client.close();
    expect(reads).toBe(1);
    expect(transport.requests.map((request) => request.body)).toEqual(['{"name":"x"}']);
  });

  it('the descriptor’s validator reads the input as it was, with the body as it will be sent', async () => {
    const seen: unknown[] = [];
    const route = { ...createThing, validate: (input: unknown) => (seen.push(input), []) } as typeof createThing;
    const input = JSON.parse('{"__proto__":{"own":true},"body":{"name":"x","when":"later"}}') as object;
    const transport = fakeTransport();
    const client = createClient({ baseUrl: 'https://api.example', transport });
    await client.call(route, input as never).catch(() => undefined);
    await client.close();
    expect(seen).toHaveLength(1);
    expect(Object.keys(seen[0] as object)).toEqual(['__proto__', 'body']);
    expect(Object.getPrototypeOf(seen[0])).toBe(Object.prototype);
  });

  it('sends what JSON.stringify sends: toJSON is given its key, and what it returns is not asked for its own toJSON', async () => {
    const keyed = { toJSON: (key: string) => `at ${key}` };
    const body = { name: 'x', a: keyed, list: [keyed], when: { toJSON: () => new Date(0) }, date: new Date(0), n: Object(2) as number };
    const transport = fakeTransport();
    const client = createClient({ baseUrl: 'https://api.example', transport });
    await client.call(createThing, { body });
    await client.close();
    expect(transport.requests.map((request) => request.body)).toEqual([JSON.stringify(body)]);
    expect(JSON.parse(transport.requests[0]!.body as string)).toEqual({
      name: 'x',
      a: 'at a',
      list: ['at 0'],
      when: {},
      date: '1970-01-01T00:00:00.000Z',
      n: 2,
    });
  });
});
