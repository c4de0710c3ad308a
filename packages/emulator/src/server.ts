/**
 * `startEmulator`: one fastify server on 127.0.0.1 serving the login host under `/login`, the
 * API under `/api/v2`, event streams under `/streaming`, and test controls under `/__emulator`.
 * Every API request goes through one pipeline: correlation id, auth as the spec says, rate
 * limits, faults, validation, the operation, and one place that writes the answer.
 */
import { randomBytes } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import Fastify, { type FastifyReply, type FastifyRequest } from 'fastify';
import { DEFAULT_AGENT, ScriptedAgent } from './agent.js';
import { ApiError } from './api-error.js';
import { type ErrorBody, errorBody, MESSAGES } from './error-body.js';
import { EventStreams } from './event-stream.js';
import { streamFault, type StreamFaultRule, streamFaultRule } from './stream-fault.js';
import { type Fault, FaultInjector, type FaultRule, faultRuleProblem } from './faults.js';
import { type GuestClaims, GuestJwtIssuer } from './guest-jwt.js';
import { type OAuthClient, OAuthServer } from './oauth.js';
import type { Answer, OperationHandler, QueryValue, World } from './operation.js';
import { DEFAULT_HEARTBEAT_MS, DEFAULT_ORG_RATE_LIMIT, DEFAULT_RATE_LIMIT, DEFAULT_TOKEN_TTL_SECONDS, type EmulatorOptions } from './options.js';
import { createRandom, deriveSeed, randomSeed } from './random.js';
import { type RateDecision, RateLimiter } from './rate-limit.js';
import { adminHandlers } from './routes/admin.js';
import { guestHandlers } from './routes/guest.js';
import { requestBody } from './request-body.js';
import { loadSpec, type SpecOperation, type SpecParam } from './spec.js';
import { Stats } from './stats.js';
import { Store } from './store.js';

/**
 * How a client reaches a running emulator, named as `WebChatAPI` takes it: what
 * `switchboard-emulator --json` prints, for scripts and for clients in other processes.
 */
export interface EmulatorSettings {
  /** The API host: `WebChatAPI`'s `baseUrl` (the emulator's `apiUrl`). */
  readonly baseUrl: string;
  /** The login host, to which `/oauth/token` is appended: `WebChatAPI`'s `loginUrl`. */
  readonly loginUrl: string;
  /** The organization's id, for `startGuestChat`. */
  readonly organizationId: string;
  /** The deployment it starts with, for `startGuestChat`. */
  readonly deploymentId: string;
  /** The OAuth client's id (client credentials). */
  readonly clientId: string;
  /** The OAuth client's secret (client credentials). */
  readonly clientSecret: string;
}

/** A running emulator, from {@link startEmulator}. */
export interface Emulator {
  /** How a client reaches it, named as `WebChatAPI` takes it (what `switchboard-emulator --json` prints). */
  readonly settings: EmulatorSettings;
  /** Base URL of the API host (append `/api/v2/...`). */
  readonly apiUrl: string;
  /** Base URL of the login host (append `/oauth/token`). */
  readonly loginUrl: string;
  /** The organization's id. */
  readonly organizationId: string;
  /** The deployment it starts with. */
  readonly deploymentId: string;
  /** The OAuth client it starts with. */
  readonly client: OAuthClient;
  /** What the emulator saw and did, for tests and benchmarks. */
  readonly stats: EmulatorStats;
  /** Fault injection while it runs (also at `/__emulator/faults`). */
  readonly faults: {
    /** Adds a rule; returns its id. Throws a TypeError for an invalid rule. */
    add(rule: FaultRule): number;
    /** Removes a rule by id; whether there was one. */
    remove(id: number): boolean;
    /** Removes every rule. */
    clear(): void;
  };
  /**
   * Faults on a conversation's event stream sockets (also at `/__emulator/streams`). Each returns
   * how many sockets it touched. The scripted agent keeps answering meanwhile: what a guest misses
   * is in the messages API.
   */
  readonly streams: {
    /** Destroys the sockets without a close frame, as a network drop does. */
    drop(conversationId: string): number;
    /** The open sockets send nothing, heartbeats included, for `ms`, and stay open; the frames they would have sent are lost. */
    stall(conversationId: string, ms: number): number;
    /** Closes the sockets with a close frame of `code` (and `reason`). */
    close(conversationId: string, code: number, reason?: string): number;
    /** Adds a fault that hits every socket attached from now on, `everyMs` after it attached and again every `everyMs`. Throws a TypeError for an invalid rule. */
    addRule(rule: StreamFaultRule): void;
    /** Removes every rule (sockets attached under them keep their schedule until they close). */
    clearRules(): void;
  };
  /** Has the scripted agent offer a media request (co-browse, screen share) in a conversation; returns its id. `types` is `['COBROWSE']` by default. */
  offerMediaRequest(conversationId: string, types?: readonly ('COBROWSE' | 'SCREENSHARE')[]): string;
  /** Closes every connection and socket, stops every timer. */
  stop(): Promise<void>;
}

/** Counters of what the emulator saw and did (`emulator.stats`, also at `/__emulator/stats`). */
export interface EmulatorStats {
  /** Requests received for an operation (`oauthToken` for the login host), optionally only those answered with a status or reset. */
  requests(operationId: string, outcome?: number | 'reset'): number;
  /** Requests received, all operations together. */
  readonly totalRequests: number;
  /** Requests answered with 429. */
  readonly tooManyRequests: number;
  /** Requests a fault rule picked. */
  readonly faultsInjected: number;
  /** OAuth tokens issued. */
  readonly tokensIssued: number;
  /** Event stream websockets open now. */
  readonly openEventStreams: number;
  /** Messages stored in a conversation: the proof that a write was not duplicated (or lost). */
  messagesStored(conversationId: string): number;
  /** Every counter as plain data, as `/__emulator/stats` serves it. */
  snapshot(): Record<string, unknown>;
}

interface Pending {
  readonly correlationId: string;
  readonly operationId: string;
  /** The key this request was counted under, once it was. */
  rateKey?: string;
  guest?: GuestClaims | undefined;
  fault?: Fault | undefined;
}

declare module 'fastify' {
  interface FastifyRequest {
    emulator: Pending;
  }
}

const JSON_TYPE = /^application\/json\b/i;

function fastifyPath(path: string): string {
  return path.replace(/\{(\w+)\}/g, ':$1');
}

function bearer(request: FastifyRequest): string | undefined {
  const match = /^Bearer\s+(\S+)$/i.exec(request.headers.authorization ?? '');
  return match?.[1];
}

/** Query values typed by the spec, defaults applied; a bad value is Genesys' invalid.query.param.value. */
function parseQuery(params: readonly SpecParam[], raw: Record<string, unknown>): Record<string, QueryValue> {
  const query: Record<string, QueryValue> = {};
  for (const spec of params) {
    let value: unknown = raw[spec.name];
    if (Array.isArray(value)) value = value.at(-1);
    // An empty value of an optional parameter is one not given: the guest SDK sends every optional
    // parameter, the unset ones empty (`?pageSize=&pageNumber=`, `?after=&before=`; design.md §7).
    if (value === undefined || (value === '' && spec.required !== true)) {
      query[spec.name] = spec.default;
      continue;
    }
    const text = typeof value === 'string' ? value : JSON.stringify(value);
    const invalid = (allowed: string) => new ApiError(400, 'invalid.query.param.value', { value: text, parameter: spec.name, allowed });
    if (spec.type === 'integer') {
      const number = Number(text);
      if (!/^-?\d+$/.test(text) || !Number.isSafeInteger(number)) throw invalid('integers');
      query[spec.name] = number;
    } else if (spec.type === 'boolean') {
      if (text !== 'true' && text !== 'false') throw invalid('true, false');
      query[spec.name] = text === 'true';
    } else {
      if (spec.enum && !spec.enum.includes(text)) throw invalid(spec.enum.join(', '));
      query[spec.name] = text;
    }
  }
  return query;
}

/** Limits the spec states in prose (descriptions) rather than in schema keywords. */
function checkQueryBounds(query: Record<string, QueryValue>): void {
  const bound = (name: string, min: number, max: number) => {
    const value = query[name];
    if (typeof value === 'number' && (value < min || value > max)) {
      throw new ApiError(400, 'invalid.query.param.value', { value: String(value), parameter: name, allowed: `${min} to ${max}` });
    }
  };
  bound('maxResults', 1, 100);
  bound('pageSize', 1, 100);
  bound('pageNumber', 1, Number.MAX_SAFE_INTEGER);
}

/**
 * Starts a Genesys Cloud WebChat emulator on 127.0.0.1: the login host (OAuth client
 * credentials), the 19 WebChat operations with validation, rate limits and fault injection, the
 * event stream, and a scripted agent. Resolves once it listens; `stop()` closes it.
 */
export async function startEmulator(options: EmulatorOptions = {}): Promise<Emulator> {
  const seed = options.seed ?? randomSeed();
  // Independent streams, so that faults drawn by seed never depend on how much else was drawn.
  const random = createRandom(deriveSeed(seed, 0));
  const correlationIds = createRandom(deriveSeed(seed, 1));
  const spec = loadSpec();
  const organizationId = options.organizationId ?? random.uuid();
  const client: OAuthClient = options.clients?.[0] ?? { clientId: random.uuid(), clientSecret: randomBytes(24).toString('base64url') };
  const oauth = new OAuthServer(options.clients ?? [client], options.tokenTtlSeconds ?? DEFAULT_TOKEN_TTL_SECONDS);
  const limiter = new RateLimiter(options.rateLimit ?? DEFAULT_RATE_LIMIT, options.orgRateLimit ?? DEFAULT_ORG_RATE_LIMIT);
  const faults = new FaultInjector(seed);
  for (const rule of options.faults ?? []) faults.add(rule);
  const stats = new Stats();
  const store = new Store(random);
  const agent = new ScriptedAgent(store, { ...DEFAULT_AGENT, ...options.agent });
  const jwt = new GuestJwtIssuer();
  const streams = new EventStreams(createRandom(deriveSeed(seed, 2)), options.heartbeatMs ?? DEFAULT_HEARTBEAT_MS, (id) => store.conversations.get(id), (c) => agent.routed(c));
  const addStreamRule = (rule: unknown): void => {
    const checked = streamFaultRule(rule);
    if (typeof checked === 'string') throw new TypeError(`stream fault rule: ${checked}`);
    streams.rules.push(checked);
  };
  for (const rule of options.streamFaults ?? []) addStreamRule(rule);
  /** A fault on a conversation's sockets from code, checked as the admin endpoint checks it. */
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
  const initialDeployments = options.deployments ?? [{ name: 'Switchboard emulator', description: 'The deployment the emulator starts with', disabled: false }];
  const deploymentIds = initialDeployments.map((d) => store.saveDeployment(d).id);

  const app = Fastify({ logger: false, bodyLimit: options.bodyLimit ?? 1_048_576, forceCloseConnections: true, keepAliveTimeout: 60_000 });
  app.decorateRequest('emulator', null as unknown as Pending);
  app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' }, (_req, body, done) => {
    done(null, Object.fromEntries(new URLSearchParams(body as string)));
  });
  // Genesys accepts `Content-Type: application/json` with an empty body on operations that take
  // none (Genesys' JS SDKs send it on every request: design.md §7), so an empty JSON body is no
  // body. Anything else goes to Fastify's own parser, with its protections (prototype poisoning,
  // body size): a non-empty malformed body is still a 400.
  const parseJson = app.getDefaultJsonParser('error', 'error');
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (request, body, done) => {
    const text = typeof body === 'string' ? body : body.toString('utf8');
    if (text === '') done(null, undefined);
    else void parseJson(request, text, done);
  });

  // Fault waits, released at stop() so that no timer outlives the emulator.
  const waits = new Set<{ timer: ReturnType<typeof setTimeout>; resolve: () => void }>();
  const sleep = (ms: number) =>
    new Promise<void>((resolve) => {
      const wait = { timer: setTimeout(() => (waits.delete(wait), resolve()), ms), resolve };
      waits.add(wait);
    });

  let wsBase = '';
  const world: World = {
    store,
    agent,
    streams,
    jwt,
    organizationId,
    get wsBase() {
      return wsBase;
    },
  };

  // Writing answers: the one place faults that change a response are applied -------------------

  const send = async (request: FastifyRequest, reply: FastifyReply, status: number, body: unknown): Promise<void> => {
    const { operationId } = request.emulator;
    let { fault } = request.emulator;
    const payload = body === undefined ? '' : JSON.stringify(body);
    if (payload) reply.header('content-type', 'application/json');
    // An answer without a body (204) has nothing to cut, break or delay: it is reset instead.
    if (!payload && (fault?.kind === 'reset-mid-body' || fault?.kind === 'malformed-json' || fault?.kind === 'slow-body')) fault = { kind: 'reset', processed: true };
    if (fault?.kind === 'reset' || fault?.kind === 'reset-mid-body' || fault?.kind === 'slow-body') {
      reply.hijack();
      const raw = reply.raw;
      stats.record(operationId, fault.kind === 'slow-body' ? status : 'reset');
      if (fault.kind === 'reset') {
        raw.socket?.destroy();
        return;
      }
      raw.writeHead(status, { ...(reply.getHeaders() as Record<string, string>), 'content-length': Buffer.byteLength(payload) });
      if (fault.kind === 'reset-mid-body') {
        raw.write(payload.slice(0, Math.floor(payload.length / 2)));
        await sleep(10);
        raw.socket?.destroy();
        return;
      }
      raw.flushHeaders();
      await sleep(fault.ms);
      raw.end(payload);
      return;
    }
    if (fault?.kind === 'slow-headers') await sleep(fault.ms);
    stats.record(operationId, status);
    const text = fault?.kind === 'malformed-json' && payload ? payload.slice(0, Math.max(1, Math.floor(payload.length / 2))) : payload;
    await reply.code(status).send(text || undefined);
  };

  const sendError = (request: FastifyRequest, reply: FastifyReply, error: ApiError): Promise<void> => {
    for (const [name, value] of Object.entries(error.headers)) reply.header(name, value);
    const body: ErrorBody = errorBody(error.status, error.errorCode, MESSAGES[error.errorCode], request.emulator.correlationId, error.params);
    return send(request, reply, error.status, body);
  };

  // The request pipeline --------------------------------------------------------------------

  const operationsById = new Map(spec.operations.map((o) => [o.operationId, o]));

  // Before the body is parsed: an unauthenticated request gets its 401 whatever its body.
  app.addHook('onRequest', async (request, reply) => {
    const correlationId = correlationIds.uuid();
    request.emulator = { correlationId, operationId: (request.routeOptions.config as { operationId?: string }).operationId ?? 'unknown' };
    reply.header('inin-correlation-id', correlationId);
    const operation = operationsById.get(request.emulator.operationId);
    if (!operation) return;
    try {
      const { key, guest } = authenticate(request, operation);
      request.emulator.guest = guest;
      request.emulator.rateKey = key;
      rateLimit(reply, key);
    } catch (error) {
      if (!(error instanceof ApiError)) throw error;
      await sendError(request, reply, error);
      return reply;
    }
  });

  // Every answer reports the rate-limit window, also those that were not counted (401, 404, login).
  app.addHook('onSend', async (request, reply) => {
    if (reply.hasHeader('inin-ratelimit-allowed')) return;
    const token = bearer(request);
    setRateHeaders(reply, limiter.peek(token ?? `ip:${request.ip}`, organizationId));
  });

  /** Checks the request's credentials as the operation's scheme requires; returns the rate-limit key. */
  const authenticate = (request: FastifyRequest, operation: SpecOperation): { key: string; guest?: GuestClaims } => {
    if (operation.authScheme === 'none') return { key: `ip:${request.ip}` };
    const token = bearer(request);
    if (!token) throw new ApiError(401, 'authentication.required');
    if (operation.authScheme === 'oauth') {
      if (!oauth.check(token).ok) throw new ApiError(401, 'bad.credentials');
      return { key: token };
    }
    const guest = jwt.verify(token);
    if (!guest) throw new ApiError(401, 'bad.credentials');
    if (guest.conversationId !== (request.params as { conversationId?: string }).conversationId) throw new ApiError(403, 'not.authorized');
    return { key: token, guest };
  };

  const setRateHeaders = (reply: FastifyReply, decision: RateDecision): void => {
    reply.header('inin-ratelimit-allowed', String(decision.limit));
    reply.header('inin-ratelimit-count', String(decision.count));
    reply.header('inin-ratelimit-reset', String(decision.resetSeconds));
  };

  const rateLimit = (reply: FastifyReply, key: string): void => {
    const decision = limiter.take(key, organizationId);
    setRateHeaders(reply, decision);
    if (!decision.allowed) {
      throw new ApiError(429, 'too.many.requests.retry.after', { retryAfter: String(decision.resetSeconds) }, { 'retry-after': String(decision.resetSeconds) });
    }
  };

  /** Applies a fault that replaces the operation; returns true when the answer is already decided. */
  const applyLeadingFault = async (request: FastifyRequest, reply: FastifyReply, fault: Fault): Promise<boolean> => {
    if (fault.kind === 'latency') await sleep(fault.ms);
    if (fault.kind === 'status') {
      const code = fault.status === 503 ? 'service.unavailable' : fault.status === 504 ? 'request.timeout' : fault.status === 408 ? 'client.timeout' : 'internal.server.error';
      const headers: Record<string, string> = fault.retryAfter !== undefined ? { 'retry-after': String(fault.retryAfter) } : {};
      await sendError(request, reply, new ApiError(fault.status, code, {}, headers));
      return true;
    }
    if (fault.kind === 'reset' && !fault.processed) {
      await send(request, reply, 0, undefined);
      return true;
    }
    return false;
  };

  const handlers: Readonly<Record<string, OperationHandler>> = { ...adminHandlers, ...guestHandlers };
  for (const operation of spec.operations) {
    const handler = handlers[operation.operationId];
    if (!handler) throw new Error(`the emulator has no handler for ${operation.operationId}`);
    const checkBody = operation.body ? requestBody(operation.body.schemaRef) : undefined;

    app.route({
      method: operation.method,
      url: fastifyPath(operation.path),
      config: { operationId: operation.operationId },
      handler: async (request, reply) => {
        try {
          const { guest } = request.emulator;
          const fault = faults.pick({ operationId: operation.operationId, method: operation.method, path: request.url });
          request.emulator.fault = fault;
          if (fault && (await applyLeadingFault(request, reply, fault))) return;
          if (request.body !== undefined && !JSON_TYPE.test(request.headers['content-type'] ?? '')) throw new ApiError(415, 'unsupported.media.type');
          const query = parseQuery(operation.queryParams, request.query as Record<string, unknown>);
          checkQueryBounds(query);
          let body: unknown = request.body;
          if (checkBody) {
            if (body === undefined || body === null) throw new ApiError(400, 'bad.request');
            const checked = checkBody(body);
            if (checked.problems.length > 0) throw new ApiError(400, 'constraint.validation', { violation: checked.problems.map((p) => `${p.field}: ${p.problem}`).join('; ') });
            body = checked.body;
          }
          const answer: Answer = handler({ params: request.params as Record<string, string>, query, body, guest, world, url: request.url });
          await send(request, reply, answer.status, answer.body);
        } catch (error) {
          if (!(error instanceof ApiError)) throw error;
          await sendError(request, reply, error);
        }
      },
    });
  }

  // The login host and token revocation -------------------------------------------------------

  app.post('/login/oauth/token', { config: { operationId: 'oauthToken' } }, async (request, reply) => {
    const form = (request.body ?? {}) as Record<string, string>;
    const oauthClient = oauth.authenticate(request.headers.authorization);
    if (!oauthClient) {
      stats.record('oauthToken', 400);
      return reply.code(400).send({ error: 'invalid_client', description: 'client not found', error_description: 'client not found' });
    }
    if (form.grant_type !== 'client_credentials') {
      stats.record('oauthToken', 400);
      return reply.code(400).send({ error: 'unsupported_grant_type', description: 'grant type not supported', error_description: 'grant type not supported' });
    }
    const fault = faults.pick({ operationId: 'oauthToken', method: 'POST', path: request.url });
    request.emulator.fault = fault;
    if (fault && (await applyLeadingFault(request, reply, fault))) return reply;
    await send(request, reply, 200, oauth.issue(oauthClient));
    return reply;
  });

  app.delete('/api/v2/tokens/me', { config: { operationId: 'deleteTokensMe' } }, async (request, reply) => {
    const token = bearer(request);
    try {
      if (!token) throw new ApiError(401, 'authentication.required');
      if (!oauth.check(token).ok) throw new ApiError(401, 'bad.credentials');
      oauth.revoke(token);
      await send(request, reply, 204, undefined);
    } catch (error) {
      if (!(error instanceof ApiError)) throw error;
      await sendError(request, reply, error);
    }
    return reply;
  });

  // Test controls ---------------------------------------------------------------------------

  const offerMediaRequest = (conversationId: string, types: readonly ('COBROWSE' | 'SCREENSHARE')[] = ['COBROWSE']): string => {
    const conversation = store.conversations.get(conversationId);
    if (!conversation) throw new Error(`no conversation ${conversationId}`);
    return store.addMediaRequest(conversation, types).id;
  };

  const emulatorStats: EmulatorStats = {
    requests: (operationId, outcome) => stats.requests(operationId, outcome),
    get totalRequests() {
      return stats.totalRequests;
    },
    get tooManyRequests() {
      return stats.tooManyRequests;
    },
    get faultsInjected() {
      return faults.injected;
    },
    get tokensIssued() {
      return oauth.issuedCount;
    },
    get openEventStreams() {
      return streams.openSockets;
    },
    messagesStored: (conversationId) => store.conversations.get(conversationId)?.messages.length ?? 0,
    snapshot: () => ({
      requests: stats.byOperation(),
      totalRequests: stats.totalRequests,
      tooManyRequests: stats.tooManyRequests,
      faultsInjected: faults.injected,
      tokensIssued: oauth.issuedCount,
      openEventStreams: streams.openSockets,
      eventFramesSent: streams.framesSent,
      messagesStored: Object.fromEntries([...store.conversations.values()].map((c) => [c.id, c.messages.length])),
    }),
  };

  app.get('/__emulator/stats', () => emulatorStats.snapshot());
  app.get('/__emulator/faults', () => faults.list());
  app.post('/__emulator/faults', async (request, reply) => {
    const problem = faultRuleProblem(request.body);
    if (problem) return reply.code(400).send({ error: problem });
    return reply.code(201).send({ id: faults.add(request.body as FaultRule) });
  });
  app.delete('/__emulator/faults', async (_request, reply) => {
    faults.clear();
    return reply.code(204).send();
  });
  app.delete<{ Params: { id: string } }>('/__emulator/faults/:id', async (request, reply) => reply.code(faults.remove(Number(request.params.id)) ? 204 : 404).send());
  app.get('/__emulator/streams/rules', () => streams.rules);
  app.post<{ Body: unknown }>('/__emulator/streams/rules', async (request, reply) => {
    const rule = streamFaultRule(request.body);
    if (typeof rule === 'string') return reply.code(400).send({ error: rule });
    streams.rules.push(rule);
    return reply.code(201).send({ rules: streams.rules.length });
  });
  app.delete('/__emulator/streams/rules', async (_request, reply) => {
    streams.rules.splice(0);
    return reply.code(204).send();
  });
  app.post<{ Params: { id: string }; Body: unknown }>('/__emulator/conversations/:id/stream', async (request, reply) => {
    if (!store.conversations.has(request.params.id)) return reply.code(404).send({ error: 'no such conversation' });
    const fault = streamFault(request.body);
    if (typeof fault === 'string') return reply.code(400).send({ error: fault });
    return reply.code(200).send({ sockets: streams.apply(request.params.id, fault) });
  });
  app.post<{ Params: { id: string }; Body: { types?: ('COBROWSE' | 'SCREENSHARE')[] } | undefined }>('/__emulator/conversations/:id/mediarequests', async (request, reply) => {
    if (!store.conversations.has(request.params.id)) return reply.code(404).send({ error: 'no such conversation' });
    return reply.code(201).send({ id: offerMediaRequest(request.params.id, request.body?.types) });
  });

  // Errors fastify raises itself (unparseable JSON, wrong media type, too large), as ErrorBodies --

  app.setNotFoundHandler((request, reply) => sendError(request, reply, new ApiError(404, 'not.found')));
  app.setErrorHandler(async (error: { statusCode?: number; code?: string }, request, reply) => {
    request.emulator ??= { correlationId: random.uuid(), operationId: 'unknown' };
    if (error.statusCode === 415) return sendError(request, reply, new ApiError(415, 'unsupported.media.type'));
    if (error.statusCode === 413) return sendError(request, reply, new ApiError(413, 'request.entity.too.large', { maximum: String(options.bodyLimit ?? 1_048_576) }));
    if (error.statusCode === 400) return sendError(request, reply, new ApiError(400, 'bad.request'));
    return sendError(request, reply, new ApiError(500, 'internal.server.error'));
  });

  app.server.on('upgrade', (request, socket, head: Buffer) => streams.handleUpgrade(request, socket, head));

  await app.listen({ host: '127.0.0.1', port: options.port ?? 0 });
  const { port } = app.server.address() as AddressInfo;
  const origin = `http://127.0.0.1:${port}`;
  wsBase = `ws://127.0.0.1:${port}`;

  let stopping: Promise<void> | undefined;
  const loginUrl = `${origin}/login`;
  const deploymentId = deploymentIds[0] ?? '';
  return {
    settings: { baseUrl: origin, loginUrl, organizationId, deploymentId, clientId: client.clientId, clientSecret: client.clientSecret },
    apiUrl: origin,
    loginUrl,
    organizationId,
    deploymentId,
    client,
    stats: emulatorStats,
    faults: { add: (rule) => faults.add(rule), remove: (id) => faults.remove(id), clear: () => faults.clear() },
    streams: {
      drop: (conversationId) => applyStreamFault(conversationId, { kind: 'drop' }),
      stall: (conversationId, ms) => applyStreamFault(conversationId, { kind: 'stall', ms }),
      close: (conversationId, code, reason) => applyStreamFault(conversationId, { kind: 'close', code, reason }),
      addRule: (rule) => addStreamRule(rule),
      clearRules: () => void streams.rules.splice(0),
    },
    offerMediaRequest,
    stop: () =>
      (stopping ??= (async () => {
        agent.stop();
        const closingHttp = app.close(); // stops listening at once, then drops every connection
        for (const wait of waits) {
          clearTimeout(wait.timer);
          wait.resolve();
        }
        waits.clear();
        await streams.closeAll();
        await closingHttp;
      })()),
  };
}
