/**
 * Path and query parameters are read once, like the body: a getter (or a Proxy) cannot show
 * validation one value and the request another (it showed `abc`, then `..`, and the request went to
 * the parent path), and one that throws is a ValidationError at its pointer, never the thrown error
 * (whose message may quote customer data), with nothing sent.
 */
import { describe, expect, it } from 'vitest';
import { createClient, ValidationError } from '@switchboard/core';
import { fakeTransport } from '../../../test/support/fakes.js';
import { getThing, listThings } from '../../../test/support/routes.js';

const SECRET = 'customer-secret-42';

/** An input whose `name` reads `first`, then `later` on every read after that. */
function changing(name: string, first: unknown, later: unknown): Record<string, unknown> {
  let reads = 0;
  return Object.defineProperty({}, name, { enumerable: true, get: () => (reads++ === 0 ? first : later) });
}

describe('parameters read once', () => {
  it('sends the path parameter validation read, not what a getter answers the second time', async () => {
    const transport = fakeTransport();
    await createClient({ baseUrl: 'http://api.test', transport }).call(getThing, changing('thingId', 'abc', '..') as { thingId: string });
    expect(transport.requests.map((request) => request.url)).toEqual(['http://api.test/api/things/abc']);
  });

  it('sends the query array validation read, items and all', async () => {
    const transport = fakeTransport();
    const tags = ['a', 'b'];
    await createClient({ baseUrl: 'http://api.test', transport }).call(listThings, changing('tag', tags, ['x\r\nInjected: 1']));
    expect(transport.requests[0]?.url).toBe('http://api.test/api/things?tag=a&tag=b');
  });

  it.each([
    ['a path parameter', getThing, '/thingId'],
    ['a query parameter', listThings, '/pageSize'],
  ] as const)('makes a getter that throws on %s a ValidationError at its pointer, sending nothing', async (_what, route, pointer) => {
    const transport = fakeTransport();
    const input = Object.defineProperty({}, pointer.slice(1), {
      enumerable: true,
      get: () => {
        throw new Error(SECRET);
      },
    });
    const error = await createClient({ baseUrl: 'http://api.test', transport })
      .call(route as typeof getThing, input as never)
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ValidationError);
    expect((error as ValidationError).problems).toEqual([{ pointer, message: 'could not be read (reading it threw)' }]);
    expect(`${String(error)} ${JSON.stringify(error)}`).not.toContain(SECRET);
    expect(transport.sent).toBe(0);
  });

  it('makes an input whose keys cannot be listed a ValidationError at the root', async () => {
    const transport = fakeTransport();
    const input = new Proxy(
      { thingId: 'abc' },
      {
        ownKeys: () => {
          throw new Error(SECRET);
        },
      },
    );
    const error = await createClient({ baseUrl: 'http://api.test', transport })
      .call(getThing, input)
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ValidationError);
    expect((error as ValidationError).problems).toContainEqual({ pointer: '', message: 'could not be read (listing its fields threw)' });
    expect(transport.sent).toBe(0);
  });
});
