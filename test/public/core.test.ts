/**
 * What a user can do with what a user can import: nothing here reaches past a package's
 * entry point.
 */
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, expectTypeOf, it } from 'vitest';
import {
  type CallContext,
  createClient,
  createStateKey,
  headersFromRecord,
  defineRoute,
  type HttpResponse,
  type InputOf,
  type Middleware,
  type OutputOf,
  type Transport,
} from '@switchboard/core';
import { json, type Loopback, startLoopback } from '../support/loopback.js';

interface Ticket {
  readonly id: string;
  readonly priority: 'low' | 'high';
}

const getTicket = defineRoute<{ ticketId: string }, Ticket>({
  operationId: 'getTicket',
  method: 'GET',
  path: '/tickets/{ticketId}',
  pathParams: [{ name: 'ticketId', type: 'string', required: true }],
  queryParams: [],
  auth: 'apiKey',
  idempotent: true,
  deprecated: false,
  successStatus: 200,
});

describe('the public API of @switchboard/core', () => {
  let server: Loopback;
  beforeAll(async () => {
    server = await startLoopback(json(200, { id: 't-1', priority: 'high' }));
  });
  afterAll(() => server.close());

  it('types data from the descriptor, with no casts', async () => {
    const client = createClient({ baseUrl: server.url });
    const result = await client.call(getTicket, { ticketId: 't-1' });
    expectTypeOf(result.data).toEqualTypeOf<Ticket>();
    expectTypeOf<InputOf<typeof getTicket>>().toEqualTypeOf<{ ticketId: string }>();
    expectTypeOf<OutputOf<typeof getTicket>>().toEqualTypeOf<Ticket>();
    // @ts-expect-error: a misspelt parameter does not compile.
    await client.call(getTicket, { ticketID: 't-1' }).catch(() => undefined);
    expect(result.data.priority).toBe('high');
  });

  it('lets a user plug in an auth middleware that resolves the descriptor’s scheme', async () => {
    const keys: Record<string, string> = { apiKey: 'k-123' };
    const auth: Middleware = {
      name: 'api-key',
      phase: 'attempt',
      handle(ctx: CallContext, next) {
        const key = keys[ctx.route.auth];
        if (key) ctx.request.headers['x-api-key'] = key;
        return next();
      },
    };
    await createClient({ baseUrl: server.url, middleware: [auth] }).call(getTicket, { ticketId: 'a b' });
    expect(server.requests.at(-1)).toMatchObject({ url: '/tickets/a%20b', headers: { 'x-api-key': 'k-123' } });
  });

  it('lets a user bring a transport of their own', async () => {
    const sent: string[] = [];
    const fake: Transport = {
      name: 'in-memory',
      send(request): Promise<HttpResponse> {
        sent.push(`${request.method} ${request.url}`);
        return Promise.resolve({ status: 200, headers: headersFromRecord(), data: { id: 'fake', priority: 'low' } });
      },
      close: () => Promise.resolve(),
    };
    const client = createClient({ baseUrl: 'https://tickets.example', transport: fake });
    expect((await client.call(getTicket, { ticketId: 'x' })).data.id).toBe('fake');
    expect(sent).toEqual(['GET https://tickets.example/tickets/x']);
    expect(client.identify().at(-1)).toEqual({ name: 'in-memory', phase: 'transport' });
  });

  it('passes state from an attempt middleware out to an operation middleware', async () => {
    const servedBy = createStateKey<number>('served-by-port');
    const results: (number | undefined)[] = [];
    const recorder: Middleware = {
      name: 'recorder',
      phase: 'attempt',
      async handle(ctx, next) {
        const response = await next();
        ctx.state.set(servedBy, Number(new URL(ctx.request.url).port));
        return response;
      },
    };
    const reporter: Middleware = {
      name: 'reporter',
      phase: 'operation',
      async handle(ctx, next) {
        const response = await next();
        results.push(ctx.state.get(servedBy));
        return response;
      },
    };
    await createClient({ baseUrl: server.url, transport: 'undici', middleware: [reporter, recorder] }).call(getTicket, { ticketId: 'x' });
    expect(results).toEqual([server.port]);
  });

  it('loads from its built output in plain Node, and exposes nothing past its entry point', async () => {
    const root = fileURLToPath(new URL('../..', import.meta.url));
    const script = `
      const core = await import('@switchboard/core');
      const deep = await import('@switchboard/core/dist/errors.js').then(() => 'imported', (e) => e.code);
      const webchat = await import('@switchboard/webchat');
      const middleware = await import('@switchboard/middleware');
      const emulator = await import('@switchboard/emulator');
      console.log(typeof core.createClient, typeof core.HttpError, deep, typeof webchat.WebChatAPI, typeof middleware.authByScheme, typeof emulator.startEmulator);
    `;
    const { stdout } = await promisify(execFile)(process.execPath, ['--input-type=module', '-e', script], { cwd: `${root}/test` });
    expect(stdout.trim()).toBe('function function ERR_PACKAGE_PATH_NOT_EXPORTED function function function');
  });
});
