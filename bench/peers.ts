/**
 * `pnpm bench -- --peers`: one WebChat operation, getWebchatSettings (GET /api/v2/webchat/settings
 * with a bearer token, the JSON answer parsed), made by WebChatAPI and by what a user might pick
 * instead: bare undici and ky, plain fetch, axios, got, ofetch and Genesys' official SDK
 * (purecloud-platform-client-v2), against bench/server.ts in a process of its own. Each is set up
 * as its docs intend for a keep-alive service, with no retries; node:http is the ceiling. First
 * with no OpenTelemetry SDK in the process; then with one registered, WebChatAPI fully observed
 * (its default tracing and metrics, and a logger) next to bare ky and bare undici with telemetry
 * written by hand: one span, and the two spans Switchboard makes. The goals: WebChatAPI on ky
 * within 3% of bare ky and ahead of the official SDK; full telemetry at most 1.5 times the CPU of
 * the hand-written span, histogram point and log line.
 */
import { Agent as HttpAgent, globalAgent } from 'node:http';
import { createRequire } from 'node:module';
import axios from 'axios';
import got from 'got';
import { ofetch } from 'ofetch';
import type pino from 'pino';
import { WebChatAPI } from '@switchboard/webchat';
import { type BenchClient, bareClient, nodeHttpClient, PEER_REQUEST } from './clients.js';
import { type Comparison, compare } from './compare.js';
import type { Goal } from './goals.js';
import { type RoundSettings, startServer } from './measure.js';
import { type BenchLogger, handObservedClient } from './observability.js';
import { median } from './stats.js';

const { path: PATH, token: TOKEN, headers: HEADERS } = PEER_REQUEST;
/** The timeout of every client that has one to set (our transports' default too). */
const TIMEOUT_MS = 30_000;

const close = (): Promise<void> => Promise.resolve();

/** WebChatAPI with its defaults (retry, the pause after a 429, tracing and metrics on), on ky unless told; with `logger`, fully observed. */
export function webChatClient(baseUrl: string, transport: 'ky' | 'undici', logger?: pino.Logger): BenchClient {
  const api = new WebChatAPI({
    baseUrl,
    oauth: TOKEN,
    // The operation is deprecated (WebChat v2): a warning per run would only be noise here.
    onDeprecated: () => {},
    // ky is the default transport: the ky row passes none.
    ...(transport === 'undici' ? { transport } : {}),
    ...(logger ? { logger } : {}),
  });
  return {
    name: logger ? `WebChatAPI on ${transport}, fully observed (+ logger)` : `WebChatAPI defaults on ${transport}`,
    send: () => api.getWebchatSettings(),
    close: () => api.close(),
  };
}

/** The HTTP clients a user might pick instead, each set up for a keep-alive service with no retries. */
function httpPeers(baseUrl: string): BenchClient[] {
  const url = `${baseUrl}${PATH}`;
  // axios: an instance with a keep-alive agent of its own (its README's way); axios has no retries; a 30 s timeout.
  const axiosAgent = new HttpAgent({ keepAlive: true });
  const axiosClient = axios.create({ httpAgent: axiosAgent, timeout: TIMEOUT_MS });
  // got: a keep-alive agent of its own, retry.limit 0 (it retries a GET twice by default), a 30 s request timeout.
  const gotAgent = new HttpAgent({ keepAlive: true });
  const gotClient = got.extend({ agent: { http: gotAgent }, retry: { limit: 0 }, timeout: { request: TIMEOUT_MS } });
  // ofetch: Node's fetch underneath (keep-alive); retry 0 (it retries a GET once by default), a 30 s timeout.
  const ofetchClient = ofetch.create({ retry: 0, timeout: TIMEOUT_MS });
  return [
    // Plain fetch: Node's own, on its keep-alive global dispatcher; no retries, and no timeout
    // (AbortSignal.timeout would hold a 30 s timer per request).
    { name: 'fetch', send: async () => (await fetch(url, { headers: HEADERS })).json() as Promise<unknown>, close },
    {
      name: 'axios',
      send: async () => (await axiosClient.get<unknown>(url, { headers: HEADERS })).data,
      close: () => Promise.resolve(axiosAgent.destroy()),
    },
    { name: 'got', send: () => gotClient.get(url, { headers: HEADERS }).json(), close: () => Promise.resolve(gotAgent.destroy()) },
    { name: 'ofetch', send: () => ofetchClient(url, { headers: HEADERS }), close },
  ];
}

/** What the bench calls of the official SDK (required, so untyped: its own typings describe the whole API). */
interface PlatformClient {
  readonly ApiClient: {
    readonly instance: {
      setGateway(gateway: { host: string; protocol: string; port: number }): void;
      setAccessToken(token: string): void;
    };
  };
  readonly WebChatApi: new () => { getWebchatSettings(): Promise<unknown> };
}

/** Genesys' official JavaScript SDK, pointed at the loopback server. */
function officialSdkClient(baseUrl: string): BenchClient {
  // CommonJS; required here rather than at the top, so that the other modes do not load its 3.6 MB bundle.
  const platformClient = createRequire(import.meta.url)('purecloud-platform-client-v2') as PlatformClient;
  const { hostname, port } = new URL(baseUrl);
  const client = platformClient.ApiClient.instance;
  // A gateway, as its docs do for another host (setEnvironment would make it https://api.<host>).
  // Otherwise its defaults: axios on Node's http.globalAgent (keep-alive since Node 19), a 16 s
  // timeout, logging off, and no retries (the SDK has none for a 200 path).
  client.setGateway({ host: hostname, protocol: 'http', port: Number(port) });
  client.setAccessToken(TOKEN);
  const api = new platformClient.WebChatApi();
  return {
    name: 'official SDK (purecloud-platform-client-v2)',
    send: () => api.getWebchatSettings(),
    // Its sockets are the global agent's, which nothing else in the bench uses.
    close: () => Promise.resolve(globalAgent.destroy()),
  };
}

/** Sends once through each client and checks it got the server's JSON, parsed. */
async function checkAnswers(clients: readonly BenchClient[]): Promise<void> {
  for (const client of clients) {
    const answer = (await client.send()) as { id?: unknown; data?: { id?: unknown } } | number;
    const parsed = typeof answer === 'number' ? answer === 200 : (answer.data?.id ?? answer.id) === 'c0ffee';
    if (!parsed) throw new Error(`${client.name} did not answer the server's JSON: ${JSON.stringify(answer)}`);
  }
}

async function closeAll(clients: readonly BenchClient[]): Promise<void> {
  for (const client of clients) await client.close();
}

/** The names of the rows the goals read. */
export const ROWS = {
  webChatKy: 'WebChatAPI defaults on ky',
  bareKy: 'bare ky',
  observed: (transport: 'ky' | 'undici') => `WebChatAPI on ${transport}, fully observed (+ logger)`,
  bare: (transport: 'ky' | 'undici') => (transport === 'ky' ? 'bare ky' : 'bare undici request'),
  hand: (transport: 'ky' | 'undici') => `bare ${transport} + hand-written span, histogram point and log line`,
} as const;

/**
 * WebChatAPI's defaults next to every peer and node:http (the ceiling), with no OpenTelemetry SDK
 * in the process: run it before one is registered. Returns compare()'s ratios.
 */
export async function comparePeers(url: string, settings: RoundSettings): Promise<Comparison> {
  const bareKy = bareClient(url, 'ky');
  const nodeHttp = nodeHttpClient(url);
  const sdk = officialSdkClient(url);
  const clients = [
    nodeHttp,
    webChatClient(url, 'ky'),
    webChatClient(url, 'undici'),
    bareKy,
    bareClient(url, 'undici'),
    ...httpPeers(url),
    sdk,
  ];
  try {
    await checkAnswers(clients);
    return await compare(clients, { ky: bareKy, http: nodeHttp, others: { sdk } }, 'getWebchatSettings, no OpenTelemetry SDK', settings);
  } finally {
    await closeAll(clients);
  }
}

/**
 * WebChatAPI fully observed (its tracing and metrics, and `log`'s logger) next to bare ky and
 * undici with the same telemetry written by hand: one span, and the operation and CLIENT spans
 * Switchboard makes. An SDK must be registered (installBenchTelemetry) before.
 */
export async function compareObserved(url: string, settings: RoundSettings, log: BenchLogger): Promise<Comparison> {
  const operation = { name: 'getWebchatSettings', template: PATH };
  const clients = (['ky', 'undici'] as const).flatMap((transport) => [
    bareClient(url, transport),
    handObservedClient(url, transport, log.logger),
    handObservedClient(url, transport, log.logger, operation),
    webChatClient(url, transport, log.logger),
  ]);
  try {
    await checkAnswers(clients);
    console.log(
      '\nWith an OpenTelemetry SDK registered (AsyncLocalStorage context manager, W3C propagator, batch span processor, meter provider) and pino at info level writing to a stream that discards its lines:\n',
    );
    return await compare(clients, { ky: clients[0] as BenchClient }, 'getWebchatSettings, SDK registered', settings);
  } finally {
    await closeAll(clients);
  }
}

/** The goals the peers tables measure: WebChatAPI defaults on ky next to bare ky and the official SDK, by req/s. */
export function peersGoals(unobserved: Comparison): Goal[] {
  const at = (key: string): number => unobserved.ratios.get(key) ?? Number.NaN;
  return [1, 64].flatMap((c): Goal[] => [
    {
      name: `WebChatAPI defaults on ky ÷ bare ky, req/s, concurrency ${c}`,
      value: at(`${ROWS.webChatKy}@${c}/ky`),
      at: 'least',
      target: 0.97,
    },
    {
      name: `WebChatAPI defaults on ky ÷ official SDK, req/s, concurrency ${c}`,
      value: at(`${ROWS.webChatKy}@${c}/sdk`),
      at: 'above',
      target: 1,
    },
  ]);
}

/**
 * Full telemetry's CPU per request over the bare transport, as a multiple of the hand-written
 * span, histogram point and log line's over it, by transport and concurrency (at most 1.5): the
 * median over rounds of each round's multiple (see compare() on drift).
 */
export function telemetryGoals(observed: Comparison): Goal[] {
  return (['ky', 'undici'] as const).flatMap((transport) =>
    [1, 64].map((c): Goal => {
      const cpu = (name: string): readonly number[] => (observed.rounds.get(`${name}@${c}`) ?? []).map((s) => s.cpuUsPerRequest);
      const [bare, ours, hand] = [cpu(ROWS.bare(transport)), cpu(ROWS.observed(transport)), cpu(ROWS.hand(transport))];
      const multiples = ours.map((value, round) => {
        const base = bare[round] ?? Number.NaN;
        return (value - base) / ((hand[round] ?? Number.NaN) - base);
      });
      return {
        name: `WebChatAPI fully observed on ${transport}: CPU over bare ÷ hand-written's over bare, concurrency ${c}`,
        value: median(multiples),
        at: 'most',
        target: 1.5,
      };
    }),
  );
}

/**
 * `--peers`: the peers tables without and then with an OpenTelemetry SDK, and their goals, against
 * a server it starts (and stops). `withSdk` registers the SDK and returns the bench's logger; it is
 * called once no table without one is left to run.
 */
export async function runPeersBench(settings: RoundSettings, withSdk: () => BenchLogger): Promise<Goal[]> {
  const { child, url } = await startServer();
  try {
    console.log(`Switchboard peers bench: getWebchatSettings, Node ${process.version}, server in its own process on ${url}`);
    console.log(
      `${settings.rounds} interleaved rounds of ${settings.durationMs} ms per client and concurrency, after ${settings.warmupMs} ms warm-up; medians.\n`,
    );
    const unobserved = await comparePeers(url, settings);
    const observed = await compareObserved(url, settings, withSdk());
    return [...peersGoals(unobserved), ...telemetryGoals(observed)];
  } finally {
    child.kill('SIGTERM');
  }
}
