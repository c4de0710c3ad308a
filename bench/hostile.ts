/**
 * `--hostile`: what the response-size limit (`maxResponseBytes`) and the proxy support cost and
 * what the limit buys. Three tables, each with its ratios measured side by side in this run:
 * 1. the counting reader on an ordinary small answer, next to the bare reads it wraps;
 * 2. peak RSS of a client in a fresh process under an endless body, a gzip bomb and a brotli bomb,
 *    with the default limit and with `maxResponseBytes: Infinity` (the behaviour before the limit);
 * 3. the pipeline direct and through a local tinyproxy.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import * as zlib from 'node:zlib';
import { Agent as UndiciAgent } from 'undici';
import { createClient } from '@switchboard/core';
// Types only: erased at run time (the code that runs is the built file, below).
import type * as ResponseBody from '../packages/core/src/transports/response-body.js';
import { startProxy } from '../test/support/proxy.js';
import { type BenchClient, benchRoute } from './clients.js';
import type { ChildBaseline, ChildJob, ChildOutcome } from './hostile-child.js';
import { measureInterleaved, pooledLatencies, type RoundSettings, type Sample, startServer } from './measure.js';
import { fmt, median, percentile, printTable, fmtRange } from './stats.js';

const MiB = 1024 * 1024;
const ACCEPT = { accept: 'application/json' };

/** bench/server.ts answers this JSON; every loop checks it, so that no row times a failure. */
function check(status: number, text: string): void {
  if (status !== 200 || (JSON.parse(text) as { id?: unknown }).id !== 'c0ffee')
    throw new Error(`unexpected answer ${status}: ${text.slice(0, 80)}`);
}

/**
 * The reader the transports use. It is not in @switchboard/core's public exports, so it comes from
 * the built file by its path (the code users run; `pnpm bench` builds first). The import is
 * dynamic so that typechecking, which runs before any build, does not need dist/.
 */
async function loadResponseBody(): Promise<typeof ResponseBody> {
  const url = new URL('../packages/core/dist/transports/response-body.js', import.meta.url);
  return (await import(url.href)) as typeof ResponseBody;
}

/** (a) and (b): undici's request API, its body read by `body.text()` or by our counting reader, as the undici transport reads it. */
function undiciReads(url: string, body: typeof ResponseBody): BenchClient[] {
  const { origin } = new URL(url);
  const path = new URL(url).pathname;
  const make = (name: string, read: (response: Awaited<ReturnType<UndiciAgent['request']>>) => Promise<string>): BenchClient => {
    const agent = new UndiciAgent({ keepAliveTimeout: 4_000 });
    return {
      name,
      send: async () => {
        const response = await agent.request({ origin, path, method: 'GET', headers: ACCEPT });
        check(response.statusCode, await read(response));
      },
      close: () => agent.close(),
    };
  };
  const header = (value: string | string[] | undefined) => (typeof value === 'string' ? value : undefined);
  return [
    make('(a) undici request, body.text()', (response) => response.body.text()),
    make('(b) undici request, readNodeBody into BodyBuffer', async (response) => {
      const buffer = new body.BodyBuffer(body.bodyLimit(response.statusCode, body.DEFAULT_MAX_RESPONSE_BYTES));
      const encoding = header(response.headers['content-encoding']);
      if (body.announcedOver(header(response.headers['content-length']), encoding, buffer.limit)) throw new Error('over the limit');
      if (!(await body.readNodeBody(response.body, encoding, buffer, () => undefined))) throw new Error('over the limit');
      return buffer.text();
    }),
  ];
}

/** (c) and (d): Node's fetch, its body read by `response.text()` or through a reader into a BodyBuffer, as the ky transport reads it. */
function fetchReads(url: string, body: typeof ResponseBody): BenchClient[] {
  const make = (name: string, read: (response: Response) => Promise<string>): BenchClient => ({
    name,
    send: async () => {
      const response = await fetch(url, { headers: ACCEPT });
      check(response.status, await read(response));
    },
    close: () => Promise.resolve(),
  });
  return [
    make('(c) fetch, response.text()', (response) => response.text()),
    make('(d) fetch, reader into BodyBuffer', async (response) => {
      const buffer = new body.BodyBuffer(body.bodyLimit(response.status, body.DEFAULT_MAX_RESPONSE_BYTES));
      const reader = (response.body as ReadableStream<Uint8Array>).getReader();
      for (;;) {
        const { done, value } = await reader.read();
        if (done) return buffer.text();
        if (!buffer.add(value)) throw new Error('over the limit');
      }
    }),
  ];
}

/** Table 1: the counting reader next to the bare read it replaces, at concurrency 1 and 64. */
async function readerTable(url: string, settings: RoundSettings): Promise<void> {
  const body = await loadResponseBody();
  const [a, b] = undiciReads(`${url}/things/abc`, body) as [BenchClient, BenchClient];
  const [c, d] = fetchReads(`${url}/things/abc`, body) as [BenchClient, BenchClient];
  const bareOf = new Map([a, b, c, d].map((client, i) => [client, i < 2 ? a : c]));
  for (const concurrency of [1, 64]) {
    const samples = await measureInterleaved([a, b, c, d], concurrency, settings);
    const of = (client: BenchClient, key: keyof Omit<Sample, 'latencies'>) => median((samples.get(client) ?? []).map((s) => s[key]));
    const rows = [a, b, c, d].map((client) => {
      const runs = samples.get(client) ?? [];
      const bare = bareOf.get(client) ?? client;
      return [
        client.name,
        fmt(of(client, 'rps')),
        fmtRange(runs.map((s) => s.rps)),
        fmt(of(client, 'cpuUsPerRequest'), 1),
        fmt(of(client, 'rps') / of(bare, 'rps'), 3),
        fmt(of(client, 'cpuUsPerRequest') / of(bare, 'cpuUsPerRequest'), 3),
      ];
    });
    const title = `The size limit's reader on bench/server.ts's small JSON answer, concurrency ${concurrency}`;
    console.log(`${title}\n`);
    printTable(['read', 'req/s', 'min–max', 'CPU µs/req', '× bare req/s', '× bare CPU'], rows, title);
    console.log('');
  }
  for (const client of [a, b, c, d]) await client.close();
}

/** The hostile answers of table 2. */
interface HostileAnswer {
  readonly name: string;
  readonly path: string;
  readonly headers: Record<string, string>;
  readonly chunks: () => Iterable<Buffer>;
}

const CHUNK = 64 * 1024;
/** Where the endless body stops, so that the case without a limit ends. */
const ENDLESS_BOUND = 400 * MiB;

function* endless(): Iterable<Buffer> {
  // Valid JSON once it ends: without a limit the client reads, parses and keeps all of it.
  const pad = Buffer.alloc(CHUNK, 'x');
  yield Buffer.from('{"pad":"');
  for (let sent = 0; sent + CHUNK <= ENDLESS_BOUND - 10; sent += CHUNK) yield pad;
  yield Buffer.from('"}');
}

function* slices(bytes: Buffer): Iterable<Buffer> {
  for (let at = 0; at < bytes.length; at += CHUNK) yield bytes.subarray(at, at + CHUNK);
}

/** ~10 MB of gzip members, each 64 MiB of zeros at level 9: inflates about 1,000-fold (multi-member gzip is one valid body). */
function gzipBomb(): { bytes: Buffer; inflated: number } {
  const member = zlib.gzipSync(Buffer.alloc(64 * MiB), { level: 9 });
  const members = Math.ceil(10_000_000 / member.length);
  return { bytes: Buffer.concat(Array.from({ length: members }, () => member)), inflated: members * 64 * MiB };
}

/**
 * 10 GiB of zeros as one brotli stream (brotli streams do not concatenate): quality 1, since
 * quality 5 and up shrink zeros 100 times more but take ~20 s per 10 GiB to make.
 */
async function brotliBomb(): Promise<{ bytes: Buffer; inflated: number }> {
  const zeros = Buffer.alloc(16 * MiB);
  const compress = zlib.createBrotliCompress({ params: { [zlib.constants.BROTLI_PARAM_QUALITY]: 1 } });
  const out: Buffer[] = [];
  compress.on('data', (chunk: Buffer) => out.push(chunk));
  const ended = new Promise((resolve) => compress.on('end', resolve));
  const copies = 640;
  for (let i = 0; i < copies; i++) {
    if (!compress.write(zeros)) await new Promise((resolve) => compress.once('drain', resolve));
  }
  compress.end();
  await ended;
  return { bytes: Buffer.concat(out), inflated: copies * zeros.length };
}

/** Resolves once the response can take more, or the client is gone. */
function writable(res: ServerResponse): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      res.off('drain', done);
      res.off('close', done);
      resolve();
    };
    res.on('drain', done);
    res.on('close', done);
  });
}

/**
 * The server of table 2, in this process (the client is the child): each hostile answer in 64
 * KiB writes as fast as the client takes them, until it ends or the client hangs up. `written()`
 * is the last hostile answer's bytes flushed to the socket (compressed bytes, for the bombs).
 */
async function hostileServer(answers: readonly HostileAnswer[]): Promise<{ server: Server; url: string; written: () => Promise<number> }> {
  const none = Promise.resolve(Number.NaN);
  let last = none;
  const server = createServer((req, res) => {
    const answer = answers.find((a) => a.path === req.url);
    if (!answer) {
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"id":"c0ffee"}');
      return;
    }
    let flushed = 0;
    last = new Promise((resolve) => res.on('close', () => resolve(flushed)));
    res.writeHead(200, { 'content-type': 'application/json', ...answer.headers });
    void (async () => {
      for (const chunk of answer.chunks()) {
        if (res.destroyed) return;
        if (!res.write(chunk, (error) => (flushed += error ? 0 : chunk.length))) await writable(res);
      }
      res.end();
    })();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  // Taken once per case: NaN when the case never asked for its answer.
  const written = () => {
    const taken = last;
    last = none;
    return taken;
  };
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, written };
}

/** The child's V8 heap cap: room for the endless body's 400 MiB string twice (read, then parsed). */
const HEAP_MIB = 2048;
/** The resident size at which a child is killed, as a container's memory limit would have it killed: the machine stays safe. */
const RSS_CAP_MIB = 3072;
/** Past this a child is killed whatever it is doing; its attempt timeout (30 s, the default) should end it first. */
const CHILD_SECONDS = 60;

interface ChildRun {
  readonly outcome: string;
  readonly baselineRssBytes: number | undefined;
  readonly peakRssBytes: number | undefined;
  readonly seconds: number;
}

/** VmRSS and VmHWM (the peak) of a running process, bytes; undefined once it is gone. */
function residentOf(pid: number): { rss: number; peak: number } | undefined {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kib = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? Number.NaN) * 1024;
    return { rss: kib('VmRSS'), peak: kib('VmHWM') };
  } catch {
    return undefined;
  }
}

/**
 * Watches a child's resident size every 20 ms and kills it (SIGKILL, as the kernel's OOM killer
 * would) over the cap or past the time limit. --max-old-space-size alone does not bound it: a
 * body's chunks are Buffers, outside the V8 heap. `killed()` says why it was killed, if it was.
 */
function watch(child: ChildProcess): { peak: () => number | undefined; killed: () => string | undefined; stop: () => void } {
  let peak: number | undefined;
  let killed: string | undefined;
  const kill = (why: string) => {
    killed ??= why;
    child.kill('SIGKILL');
  };
  const poll = setInterval(() => {
    const resident = child.pid === undefined ? undefined : residentOf(child.pid);
    // A process that has just died (a zombie) lists no memory: NaN, kept out of the peak.
    if (!resident || !Number.isFinite(resident.peak)) return;
    peak = Math.max(peak ?? 0, resident.peak);
    if (resident.rss > RSS_CAP_MIB * MiB) kill(`killed: out of memory (RSS over the ${fmt(RSS_CAP_MIB)} MiB cap)`);
  }, 20);
  const timer = setTimeout(() => kill(`killed: no answer within ${CHILD_SECONDS} s`), CHILD_SECONDS * 1000);
  return {
    peak: () => peak,
    killed: () => killed,
    stop: () => {
      clearInterval(poll);
      clearTimeout(timer);
    },
  };
}

/** Runs one case in a fresh process: what the call did (or how the process ended) and its memory. */
async function runChild(job: ChildJob): Promise<ChildRun> {
  const script = fileURLToPath(new URL('./hostile-child.ts', import.meta.url));
  const started = performance.now();
  const child = spawn(process.execPath, [`--max-old-space-size=${HEAP_MIB}`, '--import', 'tsx', script, JSON.stringify(job)], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const watcher = watch(child);
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-4_000)));
  const [code, signal] = await new Promise<[number | null, NodeJS.Signals | null]>((resolve) =>
    child.on('close', (...ended: [number | null, NodeJS.Signals | null]) => resolve(ended)),
  );
  watcher.stop();
  const lines = stdout
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as Partial<ChildBaseline & ChildOutcome>);
  const baseline = lines.find((line) => line.baselineRssBytes !== undefined)?.baselineRssBytes;
  const report = lines.find((line) => line.outcome !== undefined);
  const seconds = (performance.now() - started) / 1000;
  if (report?.outcome !== undefined)
    return { outcome: report.outcome, baselineRssBytes: baseline, peakRssBytes: report.peakRssBytes, seconds };
  const lastError =
    stderr
      .trim()
      .split('\n')
      .reverse()
      .find((line) => /error|memory/i.test(line)) ?? '';
  const outcome =
    watcher.killed() ??
    (/heap out of memory/i.test(stderr)
      ? 'crashed: JavaScript heap out of memory'
      : `crashed (${code ?? signal}): ${lastError.slice(0, 100)}`);
  return { outcome, baselineRssBytes: baseline, peakRssBytes: watcher.peak(), seconds };
}

/** Table 2: each hostile answer, on each transport, with the default limit and without one, each in a fresh process. */
async function memoryTable(): Promise<void> {
  if (!existsSync('/proc/self/status')) {
    console.log('The hostile-answer memory table needs /proc (Linux) to watch the child processes: skipped.\n');
    return;
  }
  const gzip = gzipBomb();
  const brotli = await brotliBomb();
  const answers: HostileAnswer[] = [
    { name: `endless JSON body (stops at ${fmt(ENDLESS_BOUND / MiB)} MiB)`, path: '/endless', headers: {}, chunks: endless },
    {
      name: `gzip bomb (${fmt(gzip.bytes.length / 1e6, 1)} MB, ${fmt(gzip.inflated / 2 ** 30, 1)} GiB of zeros)`,
      path: '/gzip-bomb',
      headers: { 'content-encoding': 'gzip', 'content-length': String(gzip.bytes.length) },
      chunks: () => slices(gzip.bytes),
    },
    {
      name: `brotli bomb (${fmt(brotli.bytes.length / 1e6, 1)} MB, ${fmt(brotli.inflated / 2 ** 30, 1)} GiB of zeros)`,
      path: '/brotli-bomb',
      headers: { 'content-encoding': 'br', 'content-length': String(brotli.bytes.length) },
      chunks: () => slices(brotli.bytes),
    },
  ];
  const { server, url, written } = await hostileServer(answers);
  const rows: string[][] = [];
  try {
    for (const answer of answers) {
      for (const transport of ['ky', 'undici'] as const) {
        for (const unlimited of [false, true]) {
          const run = await runChild({ url, transport, unlimited, path: answer.path });
          const mib = (bytes: number | undefined) => (bytes === undefined ? '-' : fmt(bytes / MiB, 1));
          const over =
            run.peakRssBytes !== undefined && run.baselineRssBytes !== undefined ? run.peakRssBytes - run.baselineRssBytes : undefined;
          const limit = unlimited ? 'Infinity' : '8 MiB (default)';
          rows.push([
            answer.name,
            transport,
            limit,
            run.outcome,
            mib(run.peakRssBytes),
            mib(over),
            mib(await written()),
            fmt(run.seconds, 1),
          ]);
        }
      }
    }
  } finally {
    server.closeAllConnections();
    server.close();
  }
  const title = 'Peak RSS of a client in a fresh process under hostile 200 answers';
  console.log(`${title} (--max-old-space-size=${HEAP_MIB}; killed over ${fmt(RSS_CAP_MIB)} MiB RSS or after ${CHILD_SECONDS} s)\n`);
  printTable(
    ['answer', 'transport', 'maxResponseBytes', 'outcome', 'peak RSS MiB', 'over baseline MiB', 'server wrote MiB', 's'],
    rows,
    title,
  );
  console.log(
    "\nBaseline: the child after one small call (transport loaded, a connection open). Server wrote: body bytes flushed to the socket before the answer ended or the client hung up. Peak: the child's VmHWM (not its maxRSS, which Linux carries over from the parent through fork and exec); a killed child's as last seen, at most 20 ms before the kill.\n",
  );
}

/** The pipeline as users make it, direct or through `proxy`; every answer checked. */
function pipeline(url: string, transport: 'ky' | 'undici', proxy: string | undefined): BenchClient {
  // proxy: false, not undefined, for the direct rows: an HTTP_PROXY in the environment must not reroute them.
  const client = createClient({ baseUrl: url, transport, proxy: proxy ?? false });
  return {
    name: `pipeline on ${transport}, ${proxy ? 'through tinyproxy' : 'direct'}`,
    send: async () => {
      const { status, data } = await client.call(benchRoute, { thingId: 'abc' });
      check(status, JSON.stringify(data));
    },
    close: () => client.close(),
  };
}

/** Table 3: the pipeline on each transport, direct and through a local tinyproxy, at concurrency 1 and 16. */
async function proxyTable(url: string, settings: RoundSettings): Promise<void> {
  const proxy = await startProxy().catch((error: unknown) => {
    console.log(`The proxy table is skipped: ${(error as Error).message} (\`node scripts/ensure-proxy.mjs\` installs tinyproxy).\n`);
    return undefined;
  });
  if (!proxy) return;
  const clients = (['ky', 'undici'] as const).flatMap((t) => [pipeline(url, t, undefined), pipeline(url, t, proxy.url)]);
  try {
    // tinyproxy gives each client connection a thread of its own (1.11; a process before): concurrency stays modest.
    for (const concurrency of [1, 16]) {
      const samples = await measureInterleaved(clients, concurrency, settings);
      const rpsOf = (client: BenchClient) => median((samples.get(client) ?? []).map((s) => s.rps));
      const rows = clients.map((client, i) => {
        const runs = samples.get(client) ?? [];
        const direct = clients[i - (i % 2)] ?? client;
        return [
          client.name,
          fmt(rpsOf(client)),
          fmt(percentile(pooledLatencies(runs), 50) * 1000),
          fmt(median(runs.map((s) => s.cpuUsPerRequest)), 1),
          fmt(rpsOf(client) / rpsOf(direct), 2),
        ];
      });
      const title = `The proxy hop: pipeline direct and through tinyproxy on loopback, concurrency ${concurrency}`;
      console.log(`${title}\n`);
      printTable(['client', 'req/s', 'p50 µs', 'CPU µs/req (client)', '× direct req/s'], rows, title);
      console.log('');
    }
    const requests = await proxy.requests();
    const methods = [...new Set(requests.map((r) => r.method))].map((m) => `${fmt(requests.filter((r) => r.method === m).length)} ${m}`);
    console.log(`tinyproxy logged ${methods.join(' and ') || 'no requests'}: the proxied rows went through it.`);
    if (requests.length > 0 && requests.every((r) => r.method === 'CONNECT'))
      console.log(
        "All tunnels: undici's ProxyAgent, under both transports, tunnels to plain-http targets too, and keeps a tunnel open as it keeps a connection, so the rows measure the relay hop, not a proxy connection per request.",
      );
    console.log('');
  } finally {
    for (const client of clients) await client.close();
    await proxy.stop();
  }
}

/** `--hostile`: the three tables, one after another. */
export async function runHostileBench(settings: RoundSettings): Promise<void> {
  console.log(
    `Switchboard --hostile bench: Node ${process.version}, ${settings.rounds} interleaved rounds of ${settings.durationMs} ms after ${settings.warmupMs} ms warm-up; medians.\n`,
  );
  const { child, url } = await startServer();
  try {
    await readerTable(url, settings);
    await memoryTable();
    await proxyTable(url, settings);
  } finally {
    child.kill('SIGTERM');
  }
}
