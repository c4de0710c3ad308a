import nock from 'nock';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type CallContext, CallState, createClient, defineRoute, headersFromRecord, type HttpResponse } from '@switchboard/core';
import { AuthError, authByScheme, retry } from '@switchboard/middleware';
import { fakeTransport } from '../../../test/support/fakes.js';

const baseUrl = 'https://api.auth.test';
const route = (auth: string) =>
  defineRoute<Record<string, never>, unknown>({
    operationId: `op-${auth}`,
    method: 'GET',
    path: '/x',
    pathParams: [],
    queryParams: [],
    auth,
    idempotent: true,
    deprecated: false,
    successStatus: 200,
  });

beforeAll(() => nock.disableNetConnect());
afterEach(() => nock.cleanAll());
afterAll(() => nock.enableNetConnect());

function seen() {
  const headers: (string | undefined)[] = [];
  nock(baseUrl)
    .get('/x')
    .times(5)
    .reply(function () {
      headers.push(this.req.headers.authorization);
      return [200, {}];
    });
  return headers;
}

describe('authByScheme', () => {
  it('sets each scheme’s header, and none for `none` even when another layer set one', async () => {
    const headers = seen();
    const client = createClient({
      baseUrl,
      headers: { authorization: 'Bearer leaked' },
      middleware: [authByScheme({ schemes: { none: () => undefined, key: () => 'Key abc' } })],
    });
    await client.call(route('none'), {});
    await client.call(route('key'), {});
    expect(headers).toEqual([undefined, 'Key abc']);
  });

  it('fails with an AuthError, sending nothing, for a scheme it has no credentials for', async () => {
    const headers = seen();
    const client = createClient({ baseUrl, middleware: [authByScheme({ schemes: {} })] });
    await expect(client.call(route('oauth'), {})).rejects.toBeInstanceOf(AuthError);
    expect(headers).toEqual([]);
  });

  it('does not send a 401 again when the scheme cannot renew its credentials', async () => {
    let requests = 0;
    nock(baseUrl)
      .get('/x')
      .times(2)
      .reply(() => (requests++, [401, {}]));
    const client = createClient({ baseUrl, middleware: [authByScheme({ schemes: { key: { authorize: () => 'Key abc' } } })] });
    await expect(client.call(route('key'), {})).rejects.toMatchObject({ status: 401 });
    expect(requests).toBe(1);
  });

  it('renews once on a 401 and sends the fresh credentials', async () => {
    const headers: unknown[] = [];
    nock(baseUrl)
      .get('/x')
      .reply(function () {
        headers.push(this.req.headers.authorization);
        return [401, {}];
      });
    nock(baseUrl)
      .get('/x')
      .reply(function () {
        headers.push(this.req.headers.authorization);
        return [200, {}];
      });
    let version = 1;
    const client = createClient({
      baseUrl,
      middleware: [authByScheme({ schemes: { key: { authorize: () => `Key v${version}`, rejected: () => (version++, true) } } })],
    });
    expect((await client.call(route('key'), {})).status).toBe(200);
    expect(headers).toEqual(['Key v1', 'Key v2']);
  });

  it('renews at most once per call, however many attempts the retry makes', async () => {
    const statuses = [401, 503, 401, 200];
    let requests = 0;
    nock(baseUrl)
      .get('/x')
      .times(4)
      .reply(() => [statuses[requests++] ?? 200, {}]);
    let renewals = 0;
    const credentials = { authorize: () => `Key v${renewals}`, rejected: () => (renewals++, true) };
    const client = createClient({
      baseUrl,
      middleware: [retry({ baseMs: 1, minWaitMs: 1 }), authByScheme({ schemes: { key: credentials } })],
    });
    await expect(client.call(route('key'), {})).rejects.toMatchObject({ status: 401, attempts: 3 });
    expect(renewals).toBe(1);
    expect(requests).toBe(3);
  });

  it('refuses to send credentials over plain http to anything but loopback', async () => {
    const client = createClient({
      baseUrl: 'http://api.auth.test',
      middleware: [authByScheme({ schemes: { key: () => 'Key abc', none: () => undefined } })],
    });
    await expect(client.call(route('key'), {})).rejects.toMatchObject({ code: 'E_AUTH' });
    nock('http://api.auth.test').get('/x').reply(200, {});
    expect((await client.call(route('none'), {})).status).toBe(200);
  });
});

describe('authByScheme’s handle, called alone', () => {
  /** The parts of an attempt's context auth reads and writes. */
  const attempt = (auth: string): CallContext =>
    ({
      route: route(auth),
      request: { method: 'GET', url: `${baseUrl}/x`, headers: {}, body: undefined },
      state: new CallState(),
    }) as unknown as CallContext;
  const ok: HttpResponse = { status: 200, headers: headersFromRecord({}), data: undefined };

  it('hands on the next step’s own promise when the credentials are at hand and cannot be renewed', () => {
    const ctx = attempt('key');
    const answer = Promise.resolve(ok);
    const middleware = authByScheme({ schemes: { key: () => 'Key abc' } });
    expect(middleware.handle(ctx, () => answer)).toBe(answer);
    expect(ctx.request.headers.authorization).toBe('Key abc');
  });

  it('sets credentials that come later before the request goes', async () => {
    const ctx = attempt('key');
    const middleware = authByScheme({ schemes: { key: () => Promise.resolve('Key later') } });
    let sentWith: string | undefined;
    await middleware.handle(ctx, () => ((sentWith = ctx.request.headers.authorization), Promise.resolve(ok)));
    expect(sentWith).toBe('Key later');
  });

  it('rejects, never throws, when there are no credentials or they fail, and sends nothing', async () => {
    let sent = 0;
    const next = () => (sent++, Promise.resolve(ok));
    const failing = authByScheme({
      schemes: {
        throws: () => {
          throw new AuthError('no token');
        },
        rejects: () => Promise.reject(new AuthError('no token')),
      },
    });
    for (const auth of ['missing', 'throws', 'rejects']) {
      const answer = failing.handle(attempt(auth), next);
      await expect(answer).rejects.toBeInstanceOf(AuthError);
    }
    expect(sent).toBe(0);
  });
});

describe('credentials over plain http, origin by origin', () => {
  it('refuses a host that only begins like a loopback origin it allowed before (localhost, then localhost.example.com)', async () => {
    const transport = fakeTransport();
    const auth = () => authByScheme({ schemes: { oauth: () => 'Bearer secret' } });
    const loopback = createClient({ baseUrl: 'http://localhost', transport, middleware: [auth()] });
    await loopback.call(route('oauth'), {});
    const lookalike = createClient({ baseUrl: 'http://localhost.example.com', transport, middleware: [auth()] });
    await expect(lookalike.call(route('oauth'), {})).rejects.toBeInstanceOf(AuthError);
    expect(transport.requests.map((request) => request.url)).toEqual(['http://localhost/x']);
  });
});
