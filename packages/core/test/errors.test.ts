import { inspect } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  AbortError,
  ClientClosedError,
  ConfigurationError,
  createClient,
  defineRoute,
  HttpError,
  type Middleware,
  NetworkError,
  ResponseParseError,
  SwitchboardError,
  TimeoutError,
  ValidationError,
} from '@switchboard/core';
import { closedPort, held, json, type Loopback, startLoopback } from '../../../test/support/loopback.js';

const SECRET_TOKEN = 'tok-3b9f1c7e-SECRET';
const SECRET_QUERY = 'qs-8d2a-SECRET';
const SECRET_JWT = 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJndWVzdCJ9.c2VjcmV0LXNpZw';
const SECRETS = [SECRET_TOKEN, SECRET_QUERY, SECRET_JWT];

const getWithToken = defineRoute<{ id: string; access_token?: string; pageSize?: number }, unknown>({
  operationId: 'getWithToken',
  method: 'GET',
  path: '/secure/{id}',
  pathParams: [{ name: 'id', type: 'string', required: true }],
  queryParams: [
    { name: 'access_token', type: 'string' },
    { name: 'pageSize', type: 'integer', maximum: 10 },
  ],
  auth: 'oauth',
  idempotent: true,
  deprecated: false,
  successStatus: 200,
});

const bearer: Middleware = {
  name: 'bearer',
  phase: 'attempt',
  handle(ctx, next) {
    ctx.request.headers.authorization = `Bearer ${SECRET_JWT}`;
    return next();
  },
};

function everyRendering(error: unknown): string {
  return [
    String(error),
    (error as Error).message,
    (error as Error).stack ?? '',
    JSON.stringify(error),
    inspect(error, { depth: 20, showHidden: true, getters: true }),
  ].join('\n');
}

describe.each(['ky', 'undici'] as const)('errors through the %s transport', (transport) => {
  let server: Loopback;
  beforeAll(async () => {
    server = await startLoopback();
  });
  afterAll(() => server.close());

  const client = (baseUrl = server.url, timeout = 5_000) =>
    createClient({ baseUrl, transport, timeout, headers: { authorization: `Bearer ${SECRET_TOKEN}` }, middleware: [bearer] });
  const input = { id: 'x', access_token: SECRET_QUERY };

  /** Every error class we can provoke, each through a real request with secrets in headers and query. */
  async function provokeAll(): Promise<Record<string, unknown>> {
    const errors: Record<string, unknown> = {};
    const capture = (name: string) => (error: unknown) => {
      errors[name] = error;
    };

    server.answer(json(401, { code: 'bad.credentials', status: 401, message: 'Invalid login credentials.' }, { 'x-request-id': 'req-1' }));
    await client().call(getWithToken, input).catch(capture('http'));

    // An error document that echoes what it was sent: the raw body stays available as error.body,
    // but JSON (what loggers use) and util.inspect go through the redaction rule.
    server.answer(
      json(400, { code: 'bad.request', access_token: SECRET_TOKEN, detail: `refused Bearer ${SECRET_TOKEN}`, jwt: SECRET_JWT }),
    );
    await client().call(getWithToken, input).catch(capture('echo'));

    // Answers that come only when released, after the client has given up: no race with a clock.
    let slow = held();
    server.answer(slow.handler);
    await client(server.url, 50).call(getWithToken, input).catch(capture('timeout'));
    slow.release();

    slow = held();
    server.answer(slow.handler);
    await client().call(getWithToken, input, { totalTimeout: 50 }).catch(capture('deadline'));
    slow.release();

    server.answer((_req, res) => {
      res.socket?.destroy();
    });
    await client().call(getWithToken, input).catch(capture('reset'));

    await client(`http://127.0.0.1:${await closedPort()}`)
      .call(getWithToken, input)
      .catch(capture('refused'));

    slow = held();
    server.answer(slow.handler);
    const controller = new AbortController();
    void slow.arrived.then(() => controller.abort());
    await client().call(getWithToken, input, { signal: controller.signal }).catch(capture('abort'));
    slow.release();

    server.answer((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(`{"token": "${SECRET_TOKEN}`);
    });
    await client().call(getWithToken, input).catch(capture('parse'));

    await client()
      .call(getWithToken, { ...input, pageSize: 99, extra: SECRET_QUERY } as never)
      .catch(capture('validation'));

    server.answer((_req, res) => {
      res.writeHead(302, {
        location: `https://elsewhere.test/cb?access_token=${SECRET_QUERY}`,
        'www-authenticate': `Bearer realm="x", error="invalid_token", token="${SECRET_TOKEN}"`,
        'x-amz-security-token': SECRET_TOKEN,
        'retry-after': '3',
      });
      res.end();
    });
    await client().call(getWithToken, input).catch(capture('redirect'));

    await client()
      .call(getWithToken, input, { deadline: Date.now() - 5_000 })
      .catch(capture('pastDeadline'));

    const closed = client();
    await closed.close();
    await closed.call(getWithToken, input).catch(capture('closed'));

    try {
      createClient({ baseUrl: `http://user:${SECRET_TOKEN}@127.0.0.1:1/?access_token=${SECRET_QUERY}`, middleware: [bearer, bearer] });
    } catch (error) {
      errors.config = error;
    }
    return errors;
  }

  it('gives each failure its class, code and fields', async () => {
    const e = await provokeAll();
    expect(e.http).toBeInstanceOf(HttpError);
    expect(e.http).toMatchObject({ code: 'E_HTTP', status: 401, correlationId: 'req-1', operationId: 'getWithToken', attempts: 1 });
    expect(e.timeout).toBeInstanceOf(TimeoutError);
    expect(e.timeout).toMatchObject({ code: 'E_TIMEOUT', kind: 'attempt', timeoutMs: 50 });
    expect(e.deadline).toMatchObject({ code: 'E_TIMEOUT', kind: 'deadline' });
    expect(e.reset).toBeInstanceOf(NetworkError);
    expect(e.reset).toMatchObject({ code: 'E_NETWORK', requestMayHaveBeenSent: true });
    expect(e.refused).toMatchObject({ code: 'E_NETWORK', causeCode: 'ECONNREFUSED', requestMayHaveBeenSent: false });
    expect(e.abort).toBeInstanceOf(AbortError);
    expect(e.abort).toMatchObject({ code: 'E_ABORTED' });
    expect(e.parse).toBeInstanceOf(ResponseParseError);
    expect(e.parse).toMatchObject({ code: 'E_RESPONSE_PARSE', status: 200 });
    expect(e.validation).toBeInstanceOf(ValidationError);
    expect(e.validation).toMatchObject({ code: 'E_VALIDATION', attempts: 0 });
    expect(e.redirect).toMatchObject({ code: 'E_HTTP', status: 302, headers: { 'retry-after': '3' } });
    expect(e.pastDeadline).toMatchObject({ code: 'E_TIMEOUT', kind: 'deadline', timeoutMs: 0, attempts: 0 });
    expect(e.closed).toBeInstanceOf(ClientClosedError);
    expect(e.closed).toMatchObject({ code: 'E_CLOSED' });
    expect(e.config).toBeInstanceOf(ConfigurationError);
    expect(e.config).toMatchObject({ code: 'E_CONFIG' });
    for (const error of Object.values(e)) {
      expect(error).toBeInstanceOf(SwitchboardError);
      expect((error as SwitchboardError).name).toBe(error?.constructor.name);
    }
  });

  it('never shows a secret in a message, a stack, JSON or util.inspect', async () => {
    const errors = await provokeAll();
    expect(Object.keys(errors)).toHaveLength(13);
    expect((errors.echo as HttpError).body).toMatchObject({ access_token: SECRET_TOKEN });
    for (const [name, error] of Object.entries(errors)) {
      const text = everyRendering(error);
      for (const secret of SECRETS) expect(text.includes(secret), `${name} shows ${secret}:\n${text}`).toBe(false);
    }
  });

  it("prints an HttpError whatever its body holds (bigints too), with the caller's inspect options", () => {
    const error = new HttpError({
      operationId: 'op',
      status: 400,
      body: { id: 12n, text: 'x'.repeat(50_000) },
      headers: { get: () => undefined, has: () => false, toObject: () => ({}) },
    });
    expect(() => inspect(error)).not.toThrow();
    expect(inspect(error).length).toBeLessThan(20_000);
    expect(() => JSON.stringify(error)).not.toThrow();
  });
});
