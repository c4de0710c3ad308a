/**
 * The production set-up: what a service that talks to Genesys Cloud WebChat runs in each of its
 * worker processes. Configuration comes from the environment; the rate limit is shared by every
 * worker of the org through Redis; logs go through pino, traces through the OpenTelemetry SDK;
 * SIGTERM and SIGINT shut it down gracefully. Run it with `npm run example:production`.
 *
 * Environment:
 *   GENESYS_REGION                          a Genesys Cloud region, such as eu_west_1 (or eu-west-1)
 *   GENESYS_BASE_URL, GENESYS_LOGIN_URL     instead of a region: the API and login hosts (the emulator's apiUrl and loginUrl)
 *   GENESYS_CLIENT_ID, GENESYS_CLIENT_SECRET  an OAuth client (client credentials grant)
 *   GENESYS_ORGANIZATION_ID, GENESYS_DEPLOYMENT_ID  the WebChat deployment guests chat through
 *   GENESYS_QUEUE                           the queue chats are routed to (default Support)
 *   REDIS_URL                               redis://[user:password@]host:port[/db], rediss:// for TLS
 *   RATE_LIMIT_PER_MINUTE                   requests per minute for this org's OAuth client, all workers together
 *                                           (default 300, Genesys' documented limit per client-credentials token)
 *   OTEL_TRACES_EXPORTER                    otlp | console | none (default: otlp when OTEL_EXPORTER_OTLP_ENDPOINT or
 *                                           OTEL_EXPORTER_OTLP_TRACES_ENDPOINT is set, else none)
 *   OTEL_METRICS_EXPORTER                   otlp | console | prometheus | none, read by NodeSDK (default none)
 *   LOG_LEVEL                               pino's level (default info)
 *   RUN_SECONDS                             stop after this long, as on SIGTERM (default: run until signalled)
 *   SHUTDOWN_TIMEOUT_MS                     how long a graceful shutdown may take before exit 1 (default 10000)
 *
 * Offline: with no GENESYS_* setting at all, it starts the local Genesys WebChat emulator
 * (`@switchboard/emulator`) in this process and works against it.
 *
 * Without REDIS_URL: against a real Genesys org it refuses to start (exit 2, saying how to start a
 * Redis), since workers that each keep their own limit together exceed the org's. Offline, it
 * falls back to a LocalLimiter and says so: one process, nothing to share.
 *
 * Exit codes: 0 after a clean shutdown, 1 when the shutdown was forced (a second signal, or
 * SHUTDOWN_TIMEOUT_MS passed) or failed, 2 for a configuration error.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { type Limiter, LocalLimiter, type RegionName, SwitchboardError, WebChatAPI } from '@switchboard/webchat';
import { RedisLimiter } from '@switchboard/webchat/redis';
import { emulatorUnlessConfigured, onShutdown, redisSettings, serviceLogger, startTelemetry } from './support/service.js';
import { configError, numberSetting } from './support/settings.js';

const env = process.env;

// 1. OpenTelemetry first, before the code it should see is loaded and used; then pino for the logs.
const { sdk, exporter } = startTelemetry('webchat-service');
const log = serviceLogger();

// 2. Where Genesys is, and who we are. No GENESYS_* setting at all: the emulator, in this process.
const emulator = await emulatorUnlessConfigured(log, 'WebChat');
let target: { region: RegionName } | { baseUrl: string; loginUrl: string };
let clientId: string;
let clientSecret: string;
let organizationId: string;
let deploymentId: string;
if (emulator) {
  target = { baseUrl: emulator.apiUrl, loginUrl: emulator.loginUrl };
  ({ clientId, clientSecret } = emulator.client);
  ({ organizationId, deploymentId } = emulator);
} else {
  const required = ['GENESYS_CLIENT_ID', 'GENESYS_CLIENT_SECRET', 'GENESYS_ORGANIZATION_ID', 'GENESYS_DEPLOYMENT_ID'];
  const missing = required.filter((name) => !env[name]);
  if (!env.GENESYS_REGION && !(env.GENESYS_BASE_URL && env.GENESYS_LOGIN_URL))
    missing.push('GENESYS_REGION (or GENESYS_BASE_URL and GENESYS_LOGIN_URL)');
  if (missing.length > 0)
    configError(
      `Missing settings: ${missing.join(', ')}.`,
      'Set none of the GENESYS_* variables to run against the local emulator instead.',
    );
  if (env.GENESYS_BASE_URL && env.GENESYS_LOGIN_URL) {
    target = { baseUrl: env.GENESYS_BASE_URL, loginUrl: env.GENESYS_LOGIN_URL };
  } else {
    // WebChatAPI refuses a region it does not know (step 4).
    target = { region: env.GENESYS_REGION as RegionName };
  }
  clientId = env.GENESYS_CLIENT_ID as string;
  clientSecret = env.GENESYS_CLIENT_SECRET as string;
  organizationId = env.GENESYS_ORGANIZATION_ID as string;
  deploymentId = env.GENESYS_DEPLOYMENT_ID as string;
}

// 3. One rate limit for every worker of this org's OAuth client, through Redis.
const perMinute = numberSetting('RATE_LIMIT_PER_MINUTE', 300);
let limiter: Limiter;
if (env.REDIS_URL) {
  const shared = new RedisLimiter({
    // The same id in every worker (and every service) that uses this OAuth client of this org.
    id: `genesys-webchat:${organizationId}:${clientId}`,
    redis: redisSettings(env.REDIS_URL),
    limit: perMinute,
    intervalMs: 60_000,
    onFallback: (active) =>
      active
        ? log.warn('Redis is unreachable: this worker uses a local share of the rate limit until it answers')
        : log.info('Redis answers again: back on the shared rate limit'),
  });
  limiter = shared;
} else if (emulator) {
  log.warn(
    'REDIS_URL is not set: using a LocalLimiter, which only this process shares (fine against the emulator, not for several workers)',
  );
  limiter = new LocalLimiter({ limit: perMinute, intervalMs: 60_000 });
} else {
  configError(
    'REDIS_URL is not set. Every worker of this service shares one Genesys rate limit through Redis.',
    'Start one and point REDIS_URL at it, for example:',
    '  redis-server --port 6379 --bind 127.0.0.1 --save "" --appendonly no   (or: docker run --rm -p 6379:6379 redis:7)',
    '  export REDIS_URL=redis://127.0.0.1:6379',
  );
}

// 4. The client, wired with all of it. A setting it cannot use (an unknown region, a loginUrl that
// is not a login host) is a typed error here, before anything is sent.
let api: WebChatAPI;
try {
  api = new WebChatAPI({
    ...target,
    oauth: { clientId, clientSecret },
    rateLimit: { limiter },
    logger: log.child({ component: 'webchat' }),
    timeout: 10_000,
    // All 19 WebChat v2 operations are deprecated by Genesys: once per operation, into the logs.
    onDeprecated: (operationId, message) => log.warn({ operationId }, message),
  });
} catch (error) {
  configError(`The Genesys settings cannot be used: ${error instanceof Error ? error.message : String(error)}`);
}
// Redis answers within 5 s, or calls use this worker's local share of the limit until it does.
if (limiter instanceof RedisLimiter) await limiter.ready();
let calls = 0;
let failedCalls = 0;
api.on('call.end', (event) => {
  calls++;
  if (event.outcome !== 'success') failedCalls++;
});

// 5. The work: here a loop standing in for the requests a service would handle.
const queue = env.GENESYS_QUEUE || 'Support';
const perCall = { totalTimeout: 30_000 };
let stopping = false;
const stopped = new AbortController();
let rounds = 0;
let failedRounds = 0;

async function oneRound(round: number): Promise<void> {
  const { data: deployment } = await api.getWebchatDeployment({ deploymentId }, perCall);
  const chat = await api.startGuestChat(
    {
      organizationId,
      deploymentId,
      routingTarget: { targetType: 'QUEUE', targetAddress: queue },
      memberInfo: { displayName: 'Website visitor' },
    },
    perCall,
  );
  try {
    // Customer text: the client keeps it out of logs and spans unless `includeMessageText: true`.
    await chat.sendMessage('Hello, I have a question about my order.', perCall);
  } finally {
    await chat.leave(perCall);
  }
  log.info({ round, deploymentId: deployment.id, conversationId: chat.conversationId }, 'round done');
}

async function work(): Promise<void> {
  while (!stopping) {
    const round = rounds + failedRounds + 1;
    try {
      await oneRound(round);
      rounds++;
    } catch (error) {
      failedRounds++;
      // The client has logged the failed call already (redacted); its code is enough here.
      log.warn(
        {
          round,
          code: error instanceof SwitchboardError ? error.code : 'unexpected',
          errorName: error instanceof Error ? error.name : typeof error,
        },
        'round failed',
      );
    }
    // A pause that a shutdown ends at once.
    await sleep(500, undefined, { signal: stopped.signal }).catch(() => undefined);
  }
}

// 6. Graceful shutdown: no new work, calls in flight finish, then the client, the limiter and the SDK close.
const shutdownTimeoutMs = numberSetting('SHUTDOWN_TIMEOUT_MS', 10_000);
let working: Promise<void> = Promise.resolve();

onShutdown(log, shutdownTimeoutMs, async (reason) => {
  stopping = true;
  stopped.abort();
  log.info({ reason }, 'shutting down: taking no new work, letting calls in flight finish');
  await working;
  await api.close(); // refuses new calls, waits for those in flight, revokes the OAuth token
  await limiter.close(); // ours to close: api.close() leaves a limiter it was given open
  log.info({ rounds, failedRounds, calls, failedCalls }, 'client and rate limiter closed');
  await sdk.shutdown(); // flushes the spans still batched
  await emulator?.stop();
});

log.info(
  { rateLimitPerMinute: perMinute, sharedLimiter: limiter instanceof RedisLimiter, tracesExporter: exporter?.constructor.name ?? 'none' },
  'started',
);
working = work();
