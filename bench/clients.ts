/** The clients the benchmark compares; each makes one GET and parses the JSON answer. */
import { Agent, request } from 'node:http';
import ky from 'ky';
import { Agent as UndiciAgent } from 'undici';
import { createClient, defineRoute, type Middleware, type Phase } from '@switchboard/core';
import type { Sender } from './hand-telemetry.js';

export interface BenchClient {
  readonly name: string;
  readonly send: () => Promise<unknown>;
  readonly close: () => Promise<void>;
}

const route = defineRoute<{ thingId: string }, { id: string }>({
  operationId: 'getThing',
  method: 'GET',
  path: '/things/{thingId}',
  pathParams: [{ name: 'thingId', type: 'string', required: true }],
  queryParams: [],
  auth: 'none',
  idempotent: true,
  deprecated: false,
  successStatus: 200,
});

/** Five pass-through async middleware spread over the phases, as a real stack would be. */
export function idleMiddleware(): Middleware[] {
  const phases: Phase[] = ['operation', 'retry', 'attempt', 'attempt', 'attempt'];
  return phases.map((phase, i) => ({ name: `idle-${i}`, phase, handle: async (_ctx, next) => next() }));
}

const TIMEOUT_MS = 30_000;

export function nodeHttpClient(baseUrl: string): BenchClient {
  const agent = new Agent({ keepAlive: true, maxSockets: 256 });
  const url = `${baseUrl}/things/abc`;
  return {
    name: 'node:http keep-alive (ceiling)',
    send: () =>
      new Promise((resolve, reject) => {
        const req = request(url, { agent, headers: { accept: 'application/json' } }, (res) => {
          let text = '';
          res.setEncoding('utf8');
          res.on('data', (chunk: string) => (text += chunk));
          res.on('end', () => resolve(JSON.parse(text)));
          res.on('error', reject);
        });
        req.on('error', reject);
        req.end();
      }),
    close: () => Promise.resolve(agent.destroy()),
  };
}

/** One GET as bare ky or bare undici makes it, parsing the JSON answer; resolves to the status. */
export interface BareSend extends Sender {
  close(): Promise<void>;
}

export function kySend(): BareSend {
  // The options our ky transport uses.
  const client = ky.create({ retry: 0, throwHttpErrors: false, timeout: TIMEOUT_MS });
  return {
    async request(url, headers) {
      const response = await client(url, { headers });
      JSON.parse(await response.text());
      return response.status;
    },
    close: () => Promise.resolve(),
  };
}

export function undiciSend(origin: string): BareSend {
  const agent = new UndiciAgent({ keepAliveTimeout: 4_000 });
  return {
    async request(url, headers) {
      const response = await agent.request({ origin, path: url.slice(origin.length), method: 'GET', headers });
      JSON.parse(await response.body.text());
      return response.statusCode;
    },
    close: () => agent.close(),
  };
}

const ACCEPT = { accept: 'application/json' };

export function bareKyClient(baseUrl: string): BenchClient {
  const send = kySend();
  const url = `${baseUrl}/things/abc`;
  return { name: 'bare ky', send: () => send.request(url, ACCEPT), close: () => send.close() };
}

export function bareUndiciClient(baseUrl: string): BenchClient {
  const send = undiciSend(baseUrl);
  const url = `${baseUrl}/things/abc`;
  return { name: 'bare undici request', send: () => send.request(url, ACCEPT), close: () => send.close() };
}

export function pipelineClient(baseUrl: string, transport: 'ky' | 'undici'): BenchClient {
  const client = createClient({ baseUrl, transport, timeout: TIMEOUT_MS, middleware: idleMiddleware() });
  return {
    name: `pipeline on ${transport}, 5 idle middleware`,
    send: () => client.call(route, { thingId: 'abc' }),
    close: () => client.close(),
  };
}

export { route as benchRoute };
