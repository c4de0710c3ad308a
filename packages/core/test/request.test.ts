import nock from 'nock';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createClient, defineRoute, headersFromRecord, ResponseParseError, type RouteDescriptor, ValidationError } from '@switchboard/core';
import { createThing, deleteThing, getThing, listThings } from '../../../test/support/routes.js';

const baseUrl = 'http://api.switchboard.test';

beforeAll(() => nock.disableNetConnect());
afterEach(() => nock.cleanAll());
afterAll(() => nock.enableNetConnect());

interface Seen {
  readonly method: string;
  readonly path: string;
  readonly body: unknown;
  readonly headers: Record<string, string | string[]>;
}

/** Intercepts every request to baseUrl, whatever its method and path, and records it. */
function interceptAll(): Seen[] {
  const seen: Seen[] = [];
  for (const method of ['GET', 'POST', 'PUT', 'PATCH', 'DELETE']) {
    nock(baseUrl)
      .intercept(() => true, method)
      .reply(function (uri, body) {
        seen.push({ method, path: uri, body, headers: this.req.headers });
        return [200, { id: 'x', name: 'y' }];
      });
  }
  return seen;
}

/** Calls through the real ky transport and returns what nock saw. */
async function sent(call: (client: ReturnType<typeof createClient>) => Promise<unknown>): Promise<Seen> {
  const seen = interceptAll();
  await call(createClient({ baseUrl }));
  expect(seen).toHaveLength(1);
  return seen[0]!;
}

describe('paths', () => {
  it.each([
    ['plain', 'abc-123', '/api/things/abc-123'],
    ['slash', 'a/b', '/api/things/a%2Fb'],
    ['space', 'a b', '/api/things/a%20b'],
    ['query and fragment characters', 'a?b=c#d', '/api/things/a%3Fb%3Dc%23d'],
    ['percent', '100%', '/api/things/100%25'],
    ['dots inside an id', 'a..b', '/api/things/a..b'],
    ['traversal attempt', '../../admin', '/api/things/..%2F..%2Fadmin'],
    ['unicode', 'héllo-日本', '/api/things/h%C3%A9llo-%E6%97%A5%E6%9C%AC'],
    ['emoji', '💬', '/api/things/%F0%9F%92%AC'],
  ])('keeps a %s id inside its segment', async (_name, thingId, path) => {
    expect((await sent((c) => c.call(getThing, { thingId }))).path).toBe(path);
  });

  it('fills several parameters', async () => {
    expect((await sent((c) => c.call(deleteThing, { thingId: 't/1', memberId: 'm 2' }))).path).toBe('/api/things/t%2F1/members/m%202');
  });
});

describe('query strings', () => {
  it.each([
    ['nothing when every value is undefined', {}, '/api/things'],
    ['numbers and enums', { pageSize: 25, sortOrder: 'descending' as const }, '/api/things?pageSize=25&sortOrder=descending'],
    ['undefined values left out', { pageSize: undefined, after: 'c1' }, '/api/things?after=c1'],
    ['arrays as repeated keys', { tag: ['a', 'b c'] }, '/api/things?tag=a&tag=b%20c'],
    ['reserved characters encoded', { after: 'x&y=z#w' }, '/api/things?after=x%26y%3Dz%23w'],
    ['decimals', { ratio: 0.5 }, '/api/things?ratio=0.5'],
  ])('serialises %s', async (_name, input, path) => {
    expect((await sent((c) => c.call(listThings, input))).path).toBe(path);
  });

  it('serialises booleans', async () => {
    expect((await sent((c) => c.call(getThing, { thingId: 'a', verbose: false }))).path).toBe('/api/things/a?verbose=false');
  });
});

describe('bodies', () => {
  it('sends JSON with its content type', async () => {
    const seen = await sent((c) => c.call(createThing, { body: { name: 'naïve "quoted" 💬' } }));
    expect(seen.body).toEqual({ name: 'naïve "quoted" 💬' });
    expect(seen.headers['content-type']).toBe('application/json');
    expect(seen.headers.accept).toBe('application/json');
  });

  it('sends no body and no content type when there is none', async () => {
    const seen = await sent((c) => c.call(getThing, { thingId: 'a' }));
    expect(seen.body).toBe('');
    expect(seen.headers['content-type']).toBeUndefined();
  });

  it('merges client and call headers, call last', async () => {
    const seen: Record<string, unknown>[] = [];
    nock(baseUrl)
      .get('/api/things/a')
      .reply(function () {
        seen.push(this.req.headers);
        return [200, {}];
      });
    const client = createClient({ baseUrl, headers: { 'X-Team': 'support', 'X-Env': 'dev' } });
    await client.call(getThing, { thingId: 'a' }, { headers: { 'x-env': 'test' } });
    expect(seen[0]).toMatchObject({ 'x-team': 'support', 'x-env': 'test' });
  });
});

describe('validation', () => {
  /** Calls with bad input; asserts nothing was sent and returns the error. */
  async function rejected(call: (client: ReturnType<typeof createClient>) => Promise<unknown>): Promise<ValidationError> {
    const seen = interceptAll();
    const error = await call(createClient({ baseUrl })).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ValidationError);
    expect(seen).toEqual([]);
    return error as ValidationError;
  }

  it('lists every problem at once, with JSON pointers, and sends nothing', async () => {
    const error = await rejected((c) =>
      c.call(listThings, { pageSize: 500, sortOrder: 'sideways' as 'ascending', tag: ['ok', 3 as unknown as string], ratio: Number.NaN }),
    );
    expect(error.code).toBe('E_VALIDATION');
    expect(error.operationId).toBe('listThings');
    expect(error.problems).toEqual([
      { pointer: '/pageSize', message: 'must be at most 100' },
      { pointer: '/sortOrder', message: 'must be one of "ascending", "descending"' },
      { pointer: '/tag/1', message: 'must be a string' },
      { pointer: '/ratio', message: 'must be a finite number' },
    ]);
    expect(error.attempts).toBe(0);
  });

  it.each([
    ['missing', {}, 'is required'],
    ['empty', { thingId: '' }, 'must not be empty'],
    ['a dot segment', { thingId: '..' }, 'must not be ".."'],
    ['the current-directory segment', { thingId: '.' }, 'must not be "."'],
    ['not a string', { thingId: 42 }, 'must be a string'],
  ])('rejects a path parameter that is %s', async (_name, input, message) => {
    const error = await rejected((c) => c.call(getThing, input as { thingId: string }));
    expect(error.problems).toEqual([{ pointer: '/thingId', message }]);
  });

  it('rejects a missing required body, an unknown parameter, and a non-integer', async () => {
    const error = await rejected((c) => c.call(createThing, {} as { body: { name: string } }));
    expect(error.problems).toEqual([{ pointer: '/body', message: 'is required' }]);
    const typo = await rejected((c) => c.call(listThings, { pageSise: 5 } as never));
    expect(typo.problems).toEqual([{ pointer: '/pageSise', message: 'is not a parameter of listThings' }]);
    const fraction = await rejected((c) => c.call(listThings, { pageSize: 2.5 }));
    expect(fraction.problems).toEqual([{ pointer: '/pageSize', message: 'must be an integer' }]);
  });

  it('runs the descriptor’s own validator and merges its problems', async () => {
    const withSchema = defineRoute<{ body: { text: string } }, unknown>({
      ...(createThing as RouteDescriptor),
      operationId: 'sendText',
      validate: (input) =>
        ((input as { body?: { text?: unknown } }).body?.text as string).length > 5
          ? [{ pointer: '/body/text', message: 'is too long' }]
          : [],
    });
    const error = await rejected((c) => c.call(withSchema, { body: { text: 'far too long' }, extra: 1 } as never));
    expect(error.problems).toEqual([
      { pointer: '/extra', message: 'is not a parameter of sendText' },
      { pointer: '/body/text', message: 'is too long' },
    ]);
  });

  it('rejects unpaired surrogates, which no URL can carry', async () => {
    const error = await rejected((c) => c.call(listThings, { after: 'x\uD800', tag: ['ok', '\uDC00y'] }));
    expect(error.problems).toEqual([
      { pointer: '/tag/1', message: 'must not contain unpaired UTF-16 surrogates' },
      { pointer: '/after', message: 'must not contain unpaired UTF-16 surrogates' },
    ]);
    const path = await rejected((c) => c.call(getThing, { thingId: '\uD83D' }));
    expect(path.problems).toEqual([{ pointer: '/thingId', message: 'must not contain unpaired UTF-16 surrogates' }]);
  });

  it.each([
    ['a BigInt', { name: 10n }, '/body/name'],
    [
      'a cycle',
      (() => {
        const o: Record<string, unknown> = { name: 'x' };
        o.self = o;
        return o;
      })(),
      '/body/self',
    ],
    ['a function', () => 'x', '/body'],
    ['a function field', { name: 'x', toString: () => 'x' }, '/body/toString'],
    ['a symbol field', { name: Symbol('x') }, '/body/name'],
    ['NaN', { name: 'x', size: Number.NaN }, '/body/size'],
    ['Infinity deep down', { name: 'x', tags: [{ weight: -Infinity }] }, '/body/tags/0/weight'],
    ['undefined in an array', { name: 'x', tags: ['a', undefined] }, '/body/tags/1'],
    // eslint-disable-next-line no-sparse-arrays -- the hole is the case under test
    ['a hole in an array', { name: 'x', tags: ['a', , 'c'] }, '/body/tags/1'],
    ['a lone surrogate in a body string', { name: 'x\uD83D' }, '/body/name'],
    ['a Map', { name: 'x', extra: new Map([['a', 1]]) }, '/body/extra'],
    ['a key that needs escaping', { name: 'x', 'a/b~c': Number.NaN }, '/body/a~1b~0c'],
    ['a boxed BigInt', { name: 'x', size: Object(1n) as object }, '/body/size'],
    ['a lone surrogate in a key', { name: 'x', '\uD83D': 1 }, '/body/\uD83D'],
    [
      'a getter that throws',
      {
        name: 'x',
        get broken(): string {
          throw new Error('no');
        },
      },
      '/body/broken',
    ],
  ])('rejects a body that JSON cannot carry as it is (%s), naming where, with nothing sent', async (_name, body, pointer) => {
    const error = await rejected((c) => c.call(createThing, { body } as never));
    expect(error.problems).toEqual([{ pointer, message: expect.stringMatching(/JSON|surrogate|read/) as string }]);
  });

  it('sends boxed primitives as the values inside, as JSON does (an emoji in a String object is no lone surrogate)', async () => {
    const seen = await sent((c) =>
      c.call(createThing, { body: { name: Object('🙂') as string, size: Object(2) as number } as { name: string } }),
    );
    expect(typeof seen.body === 'string' ? (JSON.parse(seen.body) as unknown) : seen.body).toEqual({ name: '🙂', size: 2 });
  });

  it('names an unknown parameter by an escaped JSON pointer', async () => {
    const error = await rejected((c) => c.call(getThing, { thingId: 't', 'a/b~c': 1 } as never));
    expect(error.problems).toEqual([{ pointer: '/a~1b~0c', message: 'is not a parameter of getThing' }]);
  });

  it('validates what is sent: a field only on the prototype is not there, a field set to undefined is left out', async () => {
    const seen: unknown[] = [];
    const sent: (string | undefined)[] = [];
    const createNamed = defineRoute<{ body: { name: string; note?: string } }, unknown>({
      ...createThing,
      operationId: 'createNamed',
      validate: (input) => {
        const body = (input as { body: Record<string, unknown> }).body;
        seen.push(body);
        return typeof body.name === 'string' ? [] : [{ pointer: '/body/name', message: 'is required' }];
      },
    });
    const client = createClient({
      baseUrl: 'https://api.example',
      transport: {
        name: 'memory',
        send: (request) => (
          sent.push(request.body as string | undefined),
          Promise.resolve({ status: 200, headers: headersFromRecord({}), data: {} })
        ),
        close: () => Promise.resolve(),
      },
    });
    const fromPrototype = await client
      .call(createNamed, { body: Object.create({ name: 'on the prototype' }) as { name: string } })
      .catch((error: unknown) => error);
    expect(fromPrototype).toBeInstanceOf(ValidationError);
    expect((fromPrototype as ValidationError).problems).toEqual([{ pointer: '/body/name', message: 'is required' }]);
    await client.call(createNamed, { body: { name: 'x', note: undefined } });
    expect(seen.at(-1)).toEqual({ name: 'x' });
    expect(sent).toEqual(['{"name":"x"}']);
    await client.close();
  });

  it('rejects input that is not an object', async () => {
    const error = await rejected((c) => c.call(getThing, 'a' as never));
    expect(error.problems).toEqual([{ pointer: '', message: 'must be an object of named parameters' }]);
  });
});

describe('header parameters', () => {
  const revoke = defineRoute<{ xJourneySessionId?: string; xTrace?: string }, undefined>({
    operationId: 'revoke',
    method: 'DELETE',
    path: '/tokens',
    pathParams: [],
    queryParams: [],
    headerParams: [
      { name: 'xJourneySessionId', header: 'X-Journey-Session-Id' },
      { name: 'xTrace', header: 'X-Trace', required: true },
    ],
    auth: 'none',
    idempotent: true,
    deprecated: false,
    successStatus: 204,
  });

  it('sends each under its wire name, and leaves an absent one out', async () => {
    const seen = await sent((c) => c.call(revoke, { xTrace: 't-1' }));
    expect(seen.headers['x-trace']).toBe('t-1');
    expect(seen.headers).not.toHaveProperty('x-journey-session-id');
    const both = await sent((c) => c.call(revoke, { xTrace: 't-2', xJourneySessionId: 'j-9' }));
    expect(both.headers).toMatchObject({ 'x-trace': 't-2', 'x-journey-session-id': 'j-9' });
  });

  it('lets a call header of the same name win, as call headers do', async () => {
    const seen = await sent((c) => c.call(revoke, { xTrace: 'from-input' }, { headers: { 'X-Trace': 'from-call' } }));
    expect(seen.headers['x-trace']).toBe('from-call');
  });

  it('checks them before sending: required, a string, printable ASCII (no line break can split the request)', async () => {
    const seen = interceptAll();
    const client = createClient({ baseUrl });
    const missing = await client.call(revoke, {}).catch((e: unknown) => e);
    expect(missing).toBeInstanceOf(ValidationError);
    expect((missing as ValidationError).problems).toEqual([{ pointer: '/xTrace', message: 'is required' }]);
    const bad = await client
      .call(revoke, { xTrace: 'a\r\nx-admin: 1', xJourneySessionId: 42 as unknown as string })
      .catch((e: unknown) => e);
    expect((bad as ValidationError).problems).toEqual([
      { pointer: '/xJourneySessionId', message: 'must be a string' },
      { pointer: '/xTrace', message: 'must be printable ASCII (it is sent as a header)' },
    ]);
    const unicode = await client.call(revoke, { xTrace: 'café' }).catch((e: unknown) => e);
    expect((unicode as ValidationError).problems).toHaveLength(1);
    expect(seen).toEqual([]);
  });
});

describe('set-up errors', () => {
  const base = {
    operationId: 'broken',
    method: 'GET',
    queryParams: [],
    auth: 'none',
    idempotent: true,
    deprecated: false,
    successStatus: 200,
  } as const;

  it.each([
    ['a placeholder with no parameter spec', { ...base, path: '/things/{thingId}', pathParams: [] }, /thingId/],
    [
      'a path parameter missing from the template',
      { ...base, path: '/things', pathParams: [{ name: 'thingId', type: 'string' }] },
      /thingId/,
    ],
    ['a path that does not start with /', { ...base, path: 'things', pathParams: [] }, /must start with/],
    ['a body on a GET', { ...base, path: '/things', pathParams: [], body: { required: false } }, /GET/],
    [
      'a header parameter whose wire name is no header name',
      { ...base, path: '/things', pathParams: [], headerParams: [{ name: 'session', header: 'X Session' }] },
      /not a header name/,
    ],
    [
      'a header parameter under the input key of a query parameter',
      {
        ...base,
        path: '/things',
        pathParams: [],
        queryParams: [{ name: 'session', type: 'string' }],
        headerParams: [{ name: 'session', header: 'X-Session' }],
      },
      /two parameters/,
    ],
  ])('rejects a descriptor with %s, sending nothing', async (_name, descriptor, message) => {
    const seen = interceptAll();
    const error = await createClient({ baseUrl })
      .call(defineRoute<Record<string, string>, unknown>(descriptor as RouteDescriptor<Record<string, string>, unknown>), { thingId: 'x' })
      .catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'E_CONFIG', message });
    expect(seen).toEqual([]);
  });

  it.each([
    ['a query', 'http://api.switchboard.test/?key=1'],
    ['a fragment', 'http://api.switchboard.test/#x'],
    ['credentials', 'http://user:pass@api.switchboard.test/'],
    ['another scheme', 'ftp://api.switchboard.test/'],
    ['no scheme', 'api.switchboard.test'],
  ])('rejects a base URL with %s', (_name, url) => {
    expect(() => createClient({ baseUrl: url })).toThrow(expect.objectContaining({ code: 'E_CONFIG' }) as Error);
  });

  it('rejects header values that would split the request, sending nothing', async () => {
    const seen = interceptAll();
    expect(() => createClient({ baseUrl, headers: { 'x-a': 'ok\r\nx-injected: 1' } })).toThrow(/x-a/);
    const error = await createClient({ baseUrl })
      .call(getThing, { thingId: 'a' }, { headers: { 'x-b': 'v\n' } })
      .catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'E_CONFIG', message: /x-b/ });
    expect(seen).toEqual([]);
  });

  it('rejects deadlines and timeouts that are not numbers', async () => {
    const client = createClient({ baseUrl });
    await expect(client.call(getThing, { thingId: 'a' }, { deadline: new Date('nonsense') })).rejects.toMatchObject({ code: 'E_CONFIG' });
    await expect(client.call(getThing, { thingId: 'a' }, { deadline: Number.NaN })).rejects.toMatchObject({ code: 'E_CONFIG' });
    await expect(client.call(getThing, { thingId: 'a' }, { timeout: Number.NaN })).rejects.toMatchObject({ code: 'E_CONFIG' });
  });
});

describe('a success without the body the operation promises', () => {
  const getModel = defineRoute<Record<string, never>, { id: string }>({
    operationId: 'getModel',
    method: 'GET',
    path: '/model',
    pathParams: [],
    queryParams: [],
    auth: 'none',
    idempotent: true,
    deprecated: false,
    successStatus: 200,
    responseBody: true,
  });
  const deleteModel = defineRoute<Record<string, never>, undefined>({
    operationId: 'deleteModel',
    method: 'DELETE',
    path: '/model',
    pathParams: [],
    queryParams: [],
    auth: 'none',
    idempotent: true,
    deprecated: false,
    successStatus: 204,
  });

  it.each([
    ['a 200 that claims JSON with an empty body', 200, { 'content-type': 'application/json' }],
    ['a 200 with no body and no content type', 200, {}],
    ['a 204', 204, {}],
  ] as const)('is a ResponseParseError, not data: undefined (%s)', async (_name, status, headers) => {
    nock(baseUrl).get('/model').reply(status, '', headers);
    const client = createClient({ baseUrl });
    const error = await client.call(getModel, {}).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ResponseParseError);
    expect(error).toMatchObject({ code: 'E_RESPONSE_PARSE', status, attempts: 1, operationId: 'getModel' });
    await client.close();
  });

  it('is fine for an operation that answers without a body', async () => {
    nock(baseUrl).delete('/model').reply(204);
    const client = createClient({ baseUrl });
    const result = await client.call(deleteModel, {});
    expect(result).toMatchObject({ status: 204, data: undefined });
    await client.close();
  });
});
