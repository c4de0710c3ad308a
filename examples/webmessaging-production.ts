/**
 * The production set-up for Web Messaging: what a service that carries its customers' chats over
 * Genesys Cloud Web Messaging runs in each of its worker processes. Each customer's conversation is
 * a guest session started by a key, the customer's id, and recorded in a store that every worker
 * shares (Redis): whichever worker serves the customer next, or this one after a restart, resumes
 * the same session and gets only the messages after the last one handed over. Configuration comes
 * from the environment; logs go through pino, traces through the OpenTelemetry SDK; SIGTERM and
 * SIGINT shut it down gracefully. Run it with `npm run example:webmessaging-production`.
 *
 * Environment:
 *   GENESYS_REGION                          a Genesys Cloud region, such as eu_west_1 (or eu-west-1): its API and guest WebSocket hosts
 *   GENESYS_BASE_URL, GENESYS_WEBMESSAGING_URL  instead of a region: the API host and the guest WebSocket (the emulator's
 *                                           apiUrl and webMessagingUrl)
 *   GENESYS_DEPLOYMENT_ID                   the Web Messaging deployment guests chat through (guest sessions need no OAuth client)
 *   REDIS_URL                               the session store shared by the fleet: redis://[user:password@]host:port[/db],
 *                                           rediss:// for TLS. It holds the sessions' tokens: a Redis trusted with them.
 *   OTEL_TRACES_EXPORTER                    otlp | console | none (default: otlp when OTEL_EXPORTER_OTLP_ENDPOINT or
 *                                           OTEL_EXPORTER_OTLP_TRACES_ENDPOINT is set, else none)
 *   OTEL_METRICS_EXPORTER                   otlp | console | prometheus | none, read by NodeSDK (default none)
 *   LOG_LEVEL                               pino's level (default info)
 *   RUN_SECONDS                             stop after this long, as on SIGTERM (default: run until signalled)
 *   SHUTDOWN_TIMEOUT_MS                     how long a graceful shutdown may take before exit 1 (default 10000); sends in
 *                                           flight get half of it to settle, then are abandoned
 *
 * Offline: with no GENESYS_* setting at all, it starts the local Genesys emulator
 * (`@switchboard/emulator`, Web Messaging included) in this process and works against it.
 *
 * Without REDIS_URL: against a real deployment it refuses to start (exit 2, saying how to start a
 * Redis), since a session recorded in one worker's memory cannot be resumed by another. Offline, it
 * falls back to a MemoryStore and says so: one process, nothing to share.
 *
 * What it logs of a conversation: digests of the customer's id and of the session's token (the
 * session's span carries the same digest), message ids and directions. Never a token, a JWT or a
 * message's text; the client keeps them out of its own log lines and spans as well.
 *
 * Exit codes: 0 after a clean shutdown, 1 when the shutdown was forced (a second signal, or
 * SHUTDOWN_TIMEOUT_MS passed) or failed, 2 for a configuration error.
 */
import { createHash, randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { RedisStore } from '@switchboard/middleware/redis';
import {
  AbortError,
  type GuestSession,
  GuestSessionError,
  type KeyValueStore,
  MemoryStore,
  OutcomeUnknownError,
  type RegionName,
  type SessionMessage,
  SwitchboardError,
  WebMessagingAPI,
} from '@switchboard/webmessaging';
import { emulatorUnlessConfigured, onShutdown, redisRequired, redisSettings, serviceLogger, startTelemetry } from './support/service.js';
import { configError, numberSetting } from './support/settings.js';

const env = process.env;

// 1. OpenTelemetry first, then pino (see examples/production.ts).
const { sdk, exporter } = startTelemetry('webmessaging-service');
const log = serviceLogger();

// 2. Where Genesys is. No GENESYS_* setting at all: the emulator, in this process.
const emulator = await emulatorUnlessConfigured(log, 'Web Messaging');
let target: { region: RegionName } | { baseUrl: string; webMessagingUrl: string };
let deploymentId: string;
if (emulator) {
  target = { baseUrl: emulator.apiUrl, webMessagingUrl: emulator.webMessagingUrl };
  deploymentId = emulator.webMessagingDeploymentId;
} else {
  const hosts = env.GENESYS_BASE_URL && env.GENESYS_WEBMESSAGING_URL;
  const missing = [
    ...(env.GENESYS_DEPLOYMENT_ID ? [] : ['GENESYS_DEPLOYMENT_ID']),
    ...(env.GENESYS_REGION || hosts ? [] : ['GENESYS_REGION (or GENESYS_BASE_URL and GENESYS_WEBMESSAGING_URL)']),
  ];
  if (missing.length > 0)
    configError(
      `Missing settings: ${missing.join(', ')}.`,
      'Set none of the GENESYS_* variables to run against the local emulator instead.',
    );
  // WebMessagingAPI refuses a region it does not know (step 4).
  target = hosts
    ? { baseUrl: env.GENESYS_BASE_URL as string, webMessagingUrl: env.GENESYS_WEBMESSAGING_URL as string }
    : { region: env.GENESYS_REGION as RegionName };
  deploymentId = env.GENESYS_DEPLOYMENT_ID as string;
}

// 3. Where sessions are recorded: one store for every worker, so that any of them resumes any customer.
let store: KeyValueStore;
if (env.REDIS_URL) {
  store = new RedisStore({ redis: redisSettings(env.REDIS_URL) });
} else if (emulator) {
  log.warn('REDIS_URL is not set: using a MemoryStore, which only this process sees (fine against the emulator, not for several workers)');
  store = new MemoryStore();
} else {
  redisRequired("Every worker of this service resumes its customers' sessions from one store in Redis.");
}

// 4. The client, wired with all of it. A setting it cannot use (an unknown region) is a typed error
// here, before anything connects.
let messaging: WebMessagingAPI;
try {
  messaging = new WebMessagingAPI({
    ...target,
    deploymentId,
    sessionStore: store, // records each session started with a key: its token, and the last message handed over
    logger: log.child({ component: 'webmessaging' }),
    timeout: 10_000,
  });
} catch (error) {
  configError(`The Genesys settings cannot be used: ${error instanceof Error ? error.message : String(error)}`);
}

// 5. The work: a few customers writing now and then, standing in for the chats a service carries.
const CUSTOMERS = ['customer-1', 'customer-2', 'customer-3'];
const QUESTIONS = ['Hello, I have a question about my order.', 'It was due on Monday and has not come.', 'Can you tell me where it is?'];
let stopping = false;
/** Aborted when the shutdown starts: session starts and pauses end at once, and no new work begins. */
const stopped = new AbortController();
/** Aborted when the shutdown's grace for sends in flight is up: those still unsettled are given up. */
const abandoned = new AbortController();

/** A name for a secret, or a customer's id, that logs can carry and compare: the start of its SHA-256, as the client names sessions. */
function digestOf(text: string): string {
  return createHash('sha256').update(text).digest('base64url').slice(0, 16);
}

/** What a failure was, for a log line: its type and code, never a detail of what was sent. */
function failureOf(error: unknown): Record<string, unknown> {
  return {
    errorName: error instanceof Error ? error.name : typeof error,
    code: error instanceof SwitchboardError ? error.code : 'unexpected',
    ...(error instanceof GuestSessionError ? { failure: error.failure, protocolCode: error.protocolCode } : {}),
  };
}

/** Whether a send's failure says the session is over (refused, down for too long, closed): the next message needs it started again. */
function sessionOver(error: unknown): boolean {
  const cause = error instanceof OutcomeUnknownError ? error.failure : error;
  return cause instanceof GuestSessionError && cause.failure !== 'rejected' && cause.failure !== 'unanswered';
}

/** Hands an agent's (or bot's) message to the customer's own channel; here, a log line of its id and direction. */
function forwardToCustomer(customer: string, message: SessionMessage, recovered: boolean): void {
  log.info({ customer, messageId: message.id, direction: message.direction, recovered }, 'agent message forwarded');
}

/** The customer's session: the one any worker recorded under the customer's id, else a new one, recorded. */
async function openSession(customerId: string, customer: string, startNew: boolean): Promise<GuestSession> {
  const fresh = randomUUID(); // the token of a new record: a session that comes back with another was resumed
  const session = await messaging.startSession({ key: customerId, token: fresh, startNew, signal: stopped.signal });
  // The agent's messages (those that came while no worker held the session too) go on to the customer.
  session.on('message', ({ message, recovered }) => {
    if (message.direction === 'Outbound') forwardToCustomer(customer, message, recovered);
  });
  log.info({ customer, session: digestOf(session.token), resumed: session.token !== fresh }, 'session ready');
  return session;
}

/** Sends the customer's message, once at most; whether the session can take the next one. */
async function send(session: GuestSession, customer: string, text: string): Promise<boolean> {
  try {
    const sent = await session.sendMessage(text, { signal: abandoned.signal }); // settles at the server's echo
    log.info({ customer, messageId: sent.id }, 'message sent');
  } catch (error) {
    if (error instanceof OutcomeUnknownError) {
      // Neither echoed nor in the history, twice (or on the wire when the session ended): it may
      // have reached the agent, and sending it again could show it twice.
      log.warn({ customer, stats: session.stats }, 'sent, maybe; not sent again');
    } else if (error instanceof AbortError && abandoned.signal.aborted) {
      log.warn({ customer, stats: session.stats }, 'send abandoned at shutdown (one on the wire may still arrive); not sent again');
    } else {
      // Refused by the server (too long, read-only, …), invalid, or the session ended before it went.
      log.warn({ customer, ...failureOf(error) }, 'send failed: not sent');
    }
    return !sessionOver(error);
  }
  return true;
}

/** A pause between messages, which the shutdown ends at once. */
const pause = () => sleep(1_000, undefined, { signal: stopped.signal }).catch(() => undefined);

/** One customer's conversation until the shutdown; a session the agent ended (read-only) or that is over is started again. */
async function converse(customerId: string): Promise<void> {
  const customer = digestOf(customerId); // customer ids are personal data: logs carry a digest
  let asked = 0;
  let startNew = false;
  while (!stopping) {
    let session: GuestSession;
    try {
      session = await openSession(customerId, customer, startNew);
    } catch (error) {
      if (!stopping) log.warn({ customer, ...failureOf(error) }, 'session start failed');
      await pause();
      continue;
    }
    let usable = true;
    while (usable && !stopping && !session.readOnly) {
      usable = await send(session, customer, QUESTIONS[asked++ % QUESTIONS.length] as string);
      await pause();
    }
    // At the shutdown, messaging.close() closes it and records where the customer is.
    if (stopping) return;
    startNew = session.readOnly;
    log.info({ customer, readOnly: session.readOnly }, 'session over: starting it again');
    await session.close();
  }
}

// 6. Graceful shutdown, at SIGTERM, SIGINT or after RUN_SECONDS: no new work, sends in flight
// settle (or are abandoned when their grace is up), then the sessions (each record written last),
// the store and the SDK close. A second signal, or SHUTDOWN_TIMEOUT_MS passing, exits 1 at once.
const shutdownTimeoutMs = numberSetting('SHUTDOWN_TIMEOUT_MS', 10_000);
let working: Promise<unknown> = Promise.resolve();

onShutdown(log, shutdownTimeoutMs, async (reason) => {
  stopping = true;
  stopped.abort();
  log.info({ reason }, 'shutting down: starting no new work, letting sends in flight settle');
  const graceOver = sleep(shutdownTimeoutMs / 2, 'grace over', { ref: false });
  if ((await Promise.race([working, graceOver])) === 'grace over') {
    log.warn({ graceMs: shutdownTimeoutMs / 2 }, 'sends still in flight: abandoning them');
    abandoned.abort();
    await working;
  }
  // Closes each session's socket (the session stays on the server) and writes its record last:
  // the worker that resumes a customer goes on after the last message handed over here.
  await messaging.close();
  await store.close(); // ours to close: the client leaves a store it was given open
  log.info('sessions and session store closed');
  await sdk.shutdown(); // flushes the spans still batched
  await emulator?.stop();
});

log.info(
  { customers: CUSTOMERS.length, sharedStore: store instanceof RedisStore, tracesExporter: exporter?.constructor.name ?? 'none' },
  'started',
);
working = Promise.all(
  CUSTOMERS.map((customerId) => converse(customerId).catch((error: unknown) => log.error(failureOf(error), 'conversation failed'))),
);
