/**
 * close() leaves no socket open, on either transport: a loopback server counts the connections
 * it holds, and after N concurrent calls and `await client.close()` it must hold none. (Before
 * the ky transport had an Agent of its own, its idle sockets stayed in Node's process-wide fetch
 * pool, open until the server timed them out.)
 */
import { execFile } from 'node:child_process';
import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterEach, describe, expect, it } from 'vitest';
import { createClient } from '@switchboard/core';
import { ping } from '../../../test/support/routes.js';

const CALLS = 16;

interface CountingServer {
  readonly url: string;
  /** Connections opened so far. */
  opened(): number;
  /** Connections the server still holds. */
  open(): number;
  /** Resolves once no connection is open, or after `ms` (whatever is still open is then the answer). */
  drained(ms: number): Promise<number>;
  close(): Promise<void>;
}

async function startCountingServer(): Promise<CountingServer> {
  const sockets = new Set<Socket>();
  let opened = 0;
  let onChange: (() => void) | undefined;
  // Every call is answered once all have come: they are in flight together, so each needs its own connection.
  const held: ServerResponse[] = [];
  const server: Server = createServer((_req, res) => {
    held.push(res);
    if (held.length < CALLS) return;
    for (const answer of held.splice(0)) answer.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}');
  });
  server.keepAliveTimeout = 60_000; // the server would keep them: only the client can close them in time
  server.on('connection', (socket: Socket) => {
    opened++;
    sockets.add(socket);
    socket.on('close', () => {
      sockets.delete(socket);
      onChange?.();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    opened: () => opened,
    open: () => sockets.size,
    drained: (ms) =>
      new Promise<number>((resolve) => {
        const done = () => {
          clearTimeout(timer);
          onChange = undefined;
          resolve(sockets.size);
        };
        const timer = setTimeout(done, ms);
        onChange = () => {
          if (sockets.size === 0) done();
        };
        onChange();
      }),
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

describe.each(['ky', 'undici'] as const)('close() on the %s transport', (transport) => {
  let server: CountingServer | undefined;
  afterEach(async () => {
    await server?.close();
    server = undefined;
  });

  it(`leaves the server no open connection after ${CALLS} concurrent calls`, async () => {
    server = await startCountingServer();
    const client = createClient({ baseUrl: server.url, transport });
    const answers = await Promise.all(Array.from({ length: CALLS }, () => client.call(ping, {})));
    expect(answers.every((answer) => answer.data.ok)).toBe(true);
    // Keep-alive: the sockets are still open once the calls are done, one per concurrent call.
    expect(server.opened()).toBeGreaterThan(1);
    expect(server.open()).toBe(server.opened());

    await client.close();
    // The client has closed its sockets; their close events reach the server a moment later.
    // (The wait is only a bound: the server keeps idle connections for a minute.)
    expect(await server.drained(2_000)).toBe(0);
  });
});

describe('the ky transport and the process-wide dispatcher', () => {
  it('leaves it Node’s own after its own Agent has been loaded, used and closed', async () => {
    const root = fileURLToPath(new URL('../../..', import.meta.url));
    const script = `
      import { createServer } from 'node:http';
      const key = Symbol.for('undici.globalDispatcher.1');
      const server = createServer((req, res) => res.end('ok'));
      await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
      const { createClient, defineRoute } = await import('@switchboard/core');
      const client = createClient({ baseUrl: 'http://127.0.0.1:' + server.address().port });
      const route = defineRoute({ operationId: 'ping', method: 'GET', path: '/', pathParams: [], queryParams: [],
        auth: 'none', idempotent: true, deprecated: false, successStatus: 200 });
      const answer = await client.call(route, {});
      await client.close();
      const undici = await import('undici');
      const installed = globalThis[key];
      const again = await (await fetch('http://127.0.0.1:' + server.address().port)).text();
      server.close();
      console.log(JSON.stringify({ answer: answer.data, installedByUs: installed instanceof undici.Agent, installed: installed !== undefined, again }));
    `;
    const { stdout } = await promisify(execFile)(
      process.execPath,
      ['--conditions=@switchboard/source', '--import', 'tsx', '--input-type=module', '-e', script],
      {
        cwd: `${root}/packages/core`,
        timeout: 20_000,
      },
    );
    // Node's own fetch still works after our Agent closed: we closed ours, not the process's.
    expect(JSON.parse(stdout.trim().split('\n').at(-1) ?? 'null')).toEqual({
      answer: 'ok',
      installedByUs: false,
      installed: true,
      again: 'ok',
    });
  });
});
