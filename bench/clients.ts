/** The clients the benchmark compares; each makes one GET and parses the JSON answer. And the in-memory bench's route and idle middleware. */
import { Agent, request } from 'node:http';
import ky from 'ky';
import { Agent as UndiciAgent } from 'undici';
import { defineRoute, type Middleware, type Phase } from '@switchboard/core';
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

/** The request every end-to-end client makes: WebChat's getWebchatSettings, with its bearer token. */
export const PEER_REQUEST = {
  path: '/api/v2/webchat/settings',
  token: 'token',
  headers: { accept: 'application/json', authorization: 'Bearer token' },
} as const;

export function nodeHttpClient(baseUrl: string): BenchClient {
  const agent = new Agent({ keepAlive: true, maxSockets: 256 });
  const url = `${baseUrl}${PEER_REQUEST.path}`;
  return {
    name: 'node:http keep-alive (ceiling)',
    send: () =>
      new Promise((resolve, reject) => {
        const req = request(url, { agent, headers: PEER_REQUEST.headers }, (res) => {
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

/** Bare ky (`ky.create({ retry: 0, throwHttpErrors: false, timeout: 30_000 })`, our ky transport's options) or a bare undici Agent. */
export function bareClient(baseUrl: string, transport: 'ky' | 'undici'): BenchClient {
  const send = transport === 'ky' ? kySend() : undiciSend(baseUrl);
  const url = `${baseUrl}${PEER_REQUEST.path}`;
  return {
    name: transport === 'ky' ? 'bare ky' : 'bare undici request',
    send: () => send.request(url, { ...PEER_REQUEST.headers }),
    close: () => send.close(),
  };
}

export { route as benchRoute };
