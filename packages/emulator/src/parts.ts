/** What a running emulator is made of, before any HTTP: its state, its rules and its counters. */
import { randomBytes } from 'node:crypto';
import { DEFAULT_AGENT, ScriptedAgent } from './agent.js';
import { type ServedApi, servedApis } from './apis.js';
import { EventStreams } from './event-stream.js';
import { createMessagingParts, type MessagingParts } from './messaging-parts.js';
import { FaultInjector } from './faults.js';
import { FaultWaits } from './fault-waits.js';
import { GuestJwtIssuer } from './guest-jwt.js';
import { type OAuthClient, OAuthServer } from './oauth.js';
import type { World } from './operation.js';
import {
  DEFAULT_HEARTBEAT_MS,
  DEFAULT_ORG_RATE_LIMIT,
  DEFAULT_RATE_LIMIT,
  DEFAULT_TOKEN_TTL_SECONDS,
  type EmulatorOptions,
} from './options.js';
import { createRandom, deriveSeed, type Random, randomSeed } from './random.js';
import { RateLimiter } from './rate-limit.js';
import { Stats } from './stats.js';
import { streamFault, streamFaultRule } from './stream-fault.js';
import { Store } from './store.js';

/** What a running emulator is made of; Web Messaging's parts are messaging-parts.ts's. */
export interface EmulatorParts extends MessagingParts {
  readonly options: EmulatorOptions;
  /** The REST APIs served, each with its contract (WebChat, Web Messaging). */
  readonly apis: readonly ServedApi[];
  /** The seeded stream for ids; correlation ids have their own, so that faults drawn by seed never depend on them. */
  readonly random: Random;
  readonly correlationIds: Random;
  readonly organizationId: string;
  /** The OAuth client it starts with. */
  readonly client: OAuthClient;
  readonly oauth: OAuthServer;
  readonly limiter: RateLimiter;
  readonly faults: FaultInjector;
  readonly waits: FaultWaits;
  readonly stats: Stats;
  readonly store: Store;
  readonly agent: ScriptedAgent;
  readonly jwt: GuestJwtIssuer;
  readonly streams: EventStreams;
  readonly deploymentIds: readonly string[];
  /** What operation handlers see; its `wsBase` is known once the server listens. */
  readonly world: World & { wsBase: string };
  /** Adds a stream fault rule, checked as the admin endpoint checks it; throws a TypeError for a bad one. */
  addStreamRule(rule: unknown): void;
  /** A fault on a conversation's sockets from code, checked as the admin endpoint checks it; returns the sockets it touched. */
  applyStreamFault(conversationId: string, fault: unknown): number;
}

/** Makes the emulator's parts from `options`, seeded (a random seed unless one is given). */
export function createParts(options: EmulatorOptions): EmulatorParts {
  const seed = options.seed ?? randomSeed();
  // Independent streams, so that faults drawn by seed never depend on how much else was drawn.
  const random = createRandom(deriveSeed(seed, 0));
  const correlationIds = createRandom(deriveSeed(seed, 1));
  const apis = servedApis();
  const organizationId = options.organizationId ?? random.uuid();
  const client: OAuthClient = options.clients?.[0] ?? { clientId: random.uuid(), clientSecret: randomBytes(24).toString('base64url') };
  const oauth = new OAuthServer(options.clients ?? [client], options.tokenTtlSeconds ?? DEFAULT_TOKEN_TTL_SECONDS);
  const limiter = new RateLimiter(options.rateLimit ?? DEFAULT_RATE_LIMIT, options.orgRateLimit ?? DEFAULT_ORG_RATE_LIMIT);
  const faults = new FaultInjector(seed);
  for (const rule of options.faults ?? []) faults.add(rule);
  const stats = new Stats();
  const store = new Store(random);
  const agent = new ScriptedAgent(store, { ...DEFAULT_AGENT, ...options.agent });
  const jwt = new GuestJwtIssuer(options.messaging?.now ?? Date.now);
  const streams = new EventStreams(
    createRandom(deriveSeed(seed, 2)),
    options.heartbeatMs ?? DEFAULT_HEARTBEAT_MS,
    (id) => store.conversations.get(id),
    (c) => agent.routed(c),
  );
  const addStreamRule = (rule: unknown): void => {
    const checked = streamFaultRule(rule);
    if (typeof checked === 'string') throw new TypeError(`stream fault rule: ${checked}`);
    streams.rules.push(checked);
  };
  for (const rule of options.streamFaults ?? []) addStreamRule(rule);
  const applyStreamFault = (conversationId: string, fault: unknown): number => {
    const checked = streamFault(fault);
    if (typeof checked === 'string') throw new TypeError(checked);
    return streams.apply(conversationId, checked);
  };
  store.listeners = {
    memberChanged: (c, m) => streams.memberChanged(c, m),
    message: (c, m) => streams.message(c, m),
    typing: (c, m, id, at) => streams.typing(c, m, id, at),
    mediaRequest: (c, r) => streams.mediaRequest(c, r),
  };
  const initialDeployments = options.deployments ?? [
    { name: 'Switchboard emulator', description: 'The deployment the emulator starts with', disabled: false },
  ];
  const deploymentIds = initialDeployments.map((d) => store.saveDeployment(d).id);

  const messagingParts = createMessagingParts(seed, options, jwt, () => world.wsBase);
  const { webDeployments, messagingAuth, guestSessions } = messagingParts;
  const world = { store, agent, streams, jwt, organizationId, wsBase: '', webDeployments, messagingAuth, guestSessions };
  const waits = new FaultWaits();
  return {
    options,
    apis,
    random,
    correlationIds,
    organizationId,
    client,
    oauth,
    limiter,
    faults,
    waits,
    stats,
    store,
    agent,
    jwt,
    streams,
    deploymentIds,
    world,
    addStreamRule,
    applyStreamFault,
    ...messagingParts,
  };
}
