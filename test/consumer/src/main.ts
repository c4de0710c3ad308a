/**
 * A user's project, as the consumer check builds it: it depends on the packed tarballs installed
 * with plain npm, imports only what they export, compiles under strict TypeScript with NodeNext
 * resolution, and runs the things users do first: the emulator through its `bin`, an OAuth admin
 * call, a guest chat, the 25 Web Messaging operations, and a RedisLimiter through the project's own ioredis client on a real redis-server that loses its keys mid-run.
 *
 * It prints one line per step and exits 0, or prints what failed and exits 1. REDIS_URL is given
 * by test/consumer/check.ts, which also starts and stops that redis-server.
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gzipSync } from 'node:zlib';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { Redis } from 'ioredis';
import {
  ConfigurationError,
  createClient,
  defineRoute,
  HttpError,
  NetworkError,
  ResponseTooLargeError,
  ValidationError,
  WebChatAPI,
  type WebChatAPIOptions,
} from '@switchboard/webchat';
import { RedisLimiter } from '@switchboard/webchat/redis';
import type { EmulatorSettings } from '@switchboard/emulator';
import { driveGuestSession } from './guest-session.js';
import { driveWebMessaging } from './webmessaging.js';

const redisUrl = process.env.REDIS_URL;
if (!redisUrl) throw new Error('REDIS_URL is not set');
// A real forward proxy (tinyproxy on loopback), started by check.ts.
const proxyUrl = process.env.PROXY_URL;
if (!proxyUrl) throw new Error('PROXY_URL is not set');
const step = (text: string): void => console.log(`  ok  ${text}`);

function fail(text: string): never {
  throw new Error(text);
}

/** Fails if `work` has not settled after `ms`: nothing here may hang. */
async function within<T>(ms: number, what: string, work: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not finish within ${ms / 1000} s`)), ms);
  });
  try {
    return await Promise.race([work, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** A route to `/` of any server, for the hostile answers. */
const route = defineRoute<Record<string, never>, unknown>({
  operationId: 'hostile',
  method: 'GET',
  path: '/',
  pathParams: [],
  queryParams: [],
  auth: 'none',
  idempotent: true,
  deprecated: false,
  successStatus: 200,
});

/** An endless JSON body and a 10 MB gzip bomb (10 GB inflated), each stopped at 1 MiB on both transports. */
async function hostileAnswers(): Promise<void> {
  const member = gzipSync(Buffer.alloc(64 * 1024 * 1024), { level: 9 });
  const bomb = Buffer.concat(Array.from({ length: Math.ceil(10_000_000 / member.length) }, () => member));
  const server = createServer((request, response) => {
    if (request.url === '/bomb') {
      response.writeHead(200, { 'content-type': 'application/json', 'content-encoding': 'gzip' }).end(bomb);
      return;
    }
    response.writeHead(200, { 'content-type': 'application/json' });
    const chunk = Buffer.alloc(64 * 1024, 0x20);
    // Bounded: 1 GiB at most, or until the client hangs up.
    const write = (left: number): void => {
      if (left > 0 && !response.destroyed) response.write(chunk, () => write(left - 1));
    };
    write(16_384);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  try {
    for (const transport of ['ky', 'undici'] as const) {
      for (const path of ['/endless', '/bomb']) {
        const client = createClient({ baseUrl: `http://127.0.0.1:${port}${path}`, transport, maxResponseBytes: 1024 * 1024 });
        const error = await client.call(route, {}).catch((e: unknown) => e);
        await client.close();
        if (!(error instanceof ResponseTooLargeError) || error.code !== 'E_RESPONSE_TOO_LARGE')
          fail(`${path} on ${transport} gave ${String(error)}, not a ResponseTooLargeError`);
      }
    }
  } finally {
    server.closeAllConnections();
    server.close();
  }
  const rss = process.resourceUsage().maxRSS / 1024;
  step(`an endless body and a 10 MB gzip bomb are ResponseTooLargeErrors on ky and undici (peak RSS ${rss.toFixed(0)} MiB)`);
}

// 1. The emulator, started through the `bin` npm installed, as `npx switchboard-emulator --port 0
// --json` would (npx itself is checked by check.ts: a signal to npx would not reach the server).
const bin = fileURLToPath(new URL('../node_modules/.bin/switchboard-emulator', import.meta.url));
const emulator = spawn(bin, ['--port', '0', '--json'], { stdio: ['ignore', 'pipe', 'inherit'] });
// Everything after the spawn runs under the finally that stops what was started, so that a failed
// check leaves no emulator, client or Redis connection behind.
let redis: Redis | undefined;
let limiter: RedisLimiter | undefined;
let api: WebChatAPI | undefined;
let fellBack = false;
try {
  const firstLine = await within(
    30_000,
    'the emulator start',
    new Promise<string>((resolve, reject) => {
      createInterface({ input: emulator.stdout }).once('line', resolve);
      emulator.once('exit', (code) => reject(new Error(`switchboard-emulator exited with ${code} before printing its settings`)));
    }),
  );
  const settings = JSON.parse(firstLine) as EmulatorSettings;
  const keys = Object.keys(settings).sort().join(',');
  if (keys !== 'baseUrl,clientId,clientSecret,deploymentId,loginUrl,organizationId,webMessagingDeploymentId,webMessagingUrl')
    fail(`--json printed the keys ${keys}`);
  step(`switchboard-emulator --json is listening at ${settings.baseUrl}`);

  redis = new Redis(redisUrl);
  limiter = new RedisLimiter({
    id: `consumer-${process.pid}`,
    limit: 5,
    intervalMs: 1_000,
    // The user's own ioredis client: the limiter makes its connections from it and leaves it open.
    redis,
    onFallback: (active) => {
      if (active) fellBack = true;
    },
  });
  await limiter.ready();

  const options: WebChatAPIOptions = {
    baseUrl: settings.baseUrl,
    loginUrl: settings.loginUrl,
    oauth: { clientId: settings.clientId, clientSecret: settings.clientSecret },
    rateLimit: { limiter },
    onDeprecated: () => undefined,
  };
  api = new WebChatAPI(options);

  // 2. Bad configuration and bad input are typed errors, before anything is sent.
  try {
    new WebChatAPI({ ...options, loginUrl: `${settings.loginUrl}/oauth/token` });
    fail('a loginUrl ending in /oauth/token was accepted');
  } catch (error) {
    if (!(error instanceof ConfigurationError)) throw error;
  }
  try {
    await api.getWebchatDeployment({ deploymentId: '' });
    fail('an empty deploymentId was sent');
  } catch (error) {
    if (!(error instanceof ValidationError)) throw error;
  }
  step('bad settings and bad input are a ConfigurationError and a ValidationError, imported from @switchboard/webchat');

  // 3. An OAuth admin call, and an HttpError for a 404.
  const { data: deployment, status } = await api.getWebchatDeployment({ deploymentId: settings.deploymentId });
  if (status !== 200 || deployment.id !== settings.deploymentId) fail(`getWebchatDeployment answered ${status}`);
  try {
    await api.getWebchatDeployment({ deploymentId: 'no-such-deployment' });
    fail('an unknown deployment was found');
  } catch (error) {
    if (!(error instanceof HttpError) || error.status !== 404) throw error;
  }
  step(`OAuth client credentials: read deployment ${deployment.id}; an unknown one is an HttpError 404`);

  // 4. A guest chat: create, send, page, leave.
  const chat = await api.startGuestChat({
    organizationId: settings.organizationId,
    deploymentId: settings.deploymentId,
    routingTarget: { targetType: 'QUEUE', targetAddress: 'Support' },
    memberInfo: { displayName: 'Consumer' },
  });
  await chat.sendMessage('Hello from a project that installed Switchboard with npm.');
  let guestMessages = 0;
  for await (const message of chat.messages({ maxResults: 1 })) if (message.sender.role === 'CUSTOMER') guestMessages++;
  if (guestMessages !== 1) fail(`paging found ${guestMessages} guest messages, not 1`);
  await chat.leave();
  step(`guest chat ${chat.conversationId}: created, sent a message, paged it back one per page, left`);

  // 4b. The same through a forward proxy: the login, the API calls and the event stream, on the
  // fetch and undici of this Node.js; a proxy that is down is a NetworkError that names it.
  const proxied = new WebChatAPI({ ...options, proxy: proxyUrl });
  try {
    await proxied.getWebchatDeployment({ deploymentId: settings.deploymentId });
    const viaProxy = await proxied.startGuestChat({
      organizationId: settings.organizationId,
      deploymentId: settings.deploymentId,
      routingTarget: { targetType: 'QUEUE', targetAddress: 'Support' },
      memberInfo: { displayName: 'Consumer' },
    });
    for await (const event of viaProxy.events()) if (event.type === 'connection' && event.state === 'open') break;
    await viaProxy.leave();
  } finally {
    await proxied.close();
  }
  const down = await createClient({ baseUrl: settings.baseUrl, proxy: 'http://127.0.0.1:9', transport: 'undici' })
    .call(route, {})
    .catch((error: unknown) => error);
  if (!(down instanceof NetworkError) || down.proxy !== 'http://127.0.0.1:9') fail(`a proxy that is down gave ${String(down)}`);
  step('through a forward proxy: an OAuth call and a guest chat with its event stream; a proxy that is down is named');

  // 4b'. Web Messaging, WebChat's successor: its 25 operations with their auth, and its typed errors.
  const webMessaging = await within(60_000, 'the 25 Web Messaging operations', driveWebMessaging(settings));
  step(
    `Web Messaging: ${webMessaging.operations.length} of 25 operations answered as documented (OAuth, guest JWT, none); ${webMessaging.errors} errors typed`,
  );

  // 4b''. A guest session under a key in a RedisStore, dropped and resumed by a second client through the proxy.
  const guest = await within(60_000, 'the guest session', driveGuestSession(settings, redisUrl, proxyUrl));
  if (!guest.resumedSame) fail('the key did not resume the same session');
  step(
    `a guest session: echoed and answered, the answer after a drop ${guest.recovered ? 'read back from the history' : 'live on the next socket'}, resumed by its key from Redis by a client through the proxy, nothing handed over twice`,
  );

  // 4c. Hostile answers: an endless body and a gzip bomb end at maxResponseBytes on both transports.
  await hostileAnswers();

  // 5. The Redis limiter loses its keys (FLUSHALL) with calls queued: every call is still granted.
  const calls = 12;
  const client = api;
  const results = Array.from({ length: calls }, () => client.getWebchatDeployment({ deploymentId: settings.deploymentId }));
  await results[0];
  await redis.flushall();
  const statuses = await within(
    30_000,
    `${calls} calls queued across FLUSHALL`,
    Promise.all(results.map(async (call) => (await call).status)),
  );
  if (statuses.some((code) => code !== 200)) fail(`after FLUSHALL the calls answered ${statuses.join(' ')}`);
  if (fellBack) fail('the limiter fell back to its local budget: Redis was unreachable, so the key-loss fix was not what served the calls');
  const recreated = await redis.keys(`*consumer-${process.pid}*`);
  if (recreated.length === 0) fail('the limiter did not re-create its keys in Redis');
  step(
    `RedisLimiter: Redis flushed with ${calls} calls in flight; all ${calls} granted on the shared budget, its ${recreated.length} keys re-created`,
  );
} finally {
  // 6. Shutdown: everything settles and the process exits by itself.
  await api?.close();
  await limiter?.close();
  if (redis && (await redis.ping()) !== 'PONG') fail('closing the limiter closed the ioredis client it was given');
  redis?.disconnect();
  emulator.kill('SIGTERM');
  const [code] = (await within(10_000, 'the emulator stop', once(emulator, 'exit'))) as [number | null];
  if (code !== 0) console.error(`switchboard-emulator exited with ${code} on SIGTERM`);
}
step('closed the client, the limiter and the emulator');
