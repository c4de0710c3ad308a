/**
 * The request pipeline, for every operation of every contract served (apis.ts: WebChat, Web
 * Messaging): correlation id, auth as the contract says, rate limits, faults, validation, the
 * operation's handler, and one place that writes the answer; and fastify's own errors
 * (unparseable JSON, wrong media type, too large) as Genesys error bodies.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { ApiError } from './api-error.js';
import type { ServedApi } from './apis.js';
import type { GuestClaims } from './guest-jwt.js';
import { bearer, fastifyPath, JSON_TYPE } from './http-request.js';
import type { Answer, QueryValue } from './operation.js';
import type { EmulatorParts } from './parts.js';
import type { RateDecision } from './rate-limit.js';
import type { Replies } from './replies.js';
import { requestBody } from './request-body.js';
import type { SpecOperation, SpecParam } from './spec.js';

/**
 * An array parameter's values (`collectionFormat: multi`): the key repeated, as the contract says;
 * also `name[]` (axios' default, which Genesys' JS SDK leaves in place) and comma-separated values
 * in one (the contract's own description says "Comma separated values expected"): lenient.
 */
function arrayValues(spec: SpecParam, raw: Record<string, unknown>): string[] {
  const given = [raw[spec.name], raw[`${spec.name}[]`]].flat().filter((v): v is string => typeof v === 'string');
  const values = given
    .flatMap((v) => v.split(','))
    .map((v) => v.trim())
    .filter((v) => v !== '');
  const allowed = spec.items?.enum;
  for (const value of values) {
    if (allowed && !allowed.some((a) => a.toLowerCase() === value.toLowerCase()))
      throw new ApiError(400, 'invalid.query.param.value', { value, parameter: spec.name, allowed: allowed.join(', ') });
  }
  return values;
}

/** Query values typed by the spec, defaults applied; a bad value is Genesys' invalid.query.param.value. */
function parseQuery(params: readonly SpecParam[], raw: Record<string, unknown>): Record<string, QueryValue> {
  const query: Record<string, QueryValue> = {};
  for (const spec of params) {
    if (spec.type === 'array') {
      const values = arrayValues(spec, raw);
      query[spec.name] = values.length > 0 ? values : undefined;
      continue;
    }
    let value: unknown = raw[spec.name];
    if (Array.isArray(value)) value = value.at(-1);
    // An empty value of an optional parameter is one not given: the guest SDK sends every optional
    // parameter, the unset ones empty (`?pageSize=&pageNumber=`, `?after=&before=`, as test/genesys-sdks.test.ts records).
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
 * Checks the request's credentials as the operation's scheme requires; returns the rate-limit key.
 * An operation without auth ignores an Authorization header: Genesys' JS SDK sends its OAuth
 * token on every call, also to these.
 */
function authenticate(
  parts: EmulatorParts,
  request: FastifyRequest,
  api: ServedApi,
  operation: SpecOperation,
): { key: string; guest?: GuestClaims } {
  if (operation.authScheme === 'none') return { key: `ip:${request.ip}` };
  const token = bearer(request);
  if (!token) throw new ApiError(401, 'authentication.required');
  if (operation.authScheme === 'oauth') {
    if (!parts.oauth.check(token).ok) throw new ApiError(401, 'bad.credentials');
    return { key: token };
  }
  const guest = parts.jwt.verify(token);
  if (!guest) throw new ApiError(401, 'bad.credentials');
  api.admitGuest(guest, operation.operationId, request.params as Record<string, string>, parts.world);
  return { key: token, guest };
}

/** The operation's header parameters, by wire name; a header sent twice counts once (the last). */
function headerValues(params: readonly SpecParam[] | undefined, request: FastifyRequest): Record<string, string | undefined> {
  const headers: Record<string, string | undefined> = {};
  for (const spec of params ?? []) {
    const value = request.headers[spec.name.toLowerCase()];
    headers[spec.name] = Array.isArray(value) ? value.at(-1) : value;
  }
  return headers;
}

function setRateHeaders(reply: FastifyReply, decision: RateDecision): void {
  reply.header('inin-ratelimit-allowed', String(decision.limit));
  reply.header('inin-ratelimit-count', String(decision.count));
  reply.header('inin-ratelimit-reset', String(decision.resetSeconds));
}

/** Counts the request against its key's and the organization's limits; throws the 429 when over. */
function rateLimit(parts: EmulatorParts, reply: FastifyReply, key: string): void {
  const decision = parts.limiter.take(key, parts.organizationId);
  setRateHeaders(reply, decision);
  if (!decision.allowed) {
    throw new ApiError(
      429,
      'too.many.requests.retry.after',
      { retryAfter: String(decision.resetSeconds) },
      { 'retry-after': String(decision.resetSeconds) },
    );
  }
}

/** Adds the APIs' hooks and a route per operation of each contract to `app`. */
export function addOperationRoutes(app: FastifyInstance, parts: EmulatorParts, replies: Replies): void {
  const operationsById = new Map(
    parts.apis.flatMap((api) => api.spec.operations.map((o) => [o.operationId, { api, operation: o }] as const)),
  );

  // Before the body is parsed: an unauthenticated request gets its 401 whatever its body.
  app.addHook('onRequest', async (request, reply) => {
    const correlationId = parts.correlationIds.uuid();
    request.emulator = { correlationId, operationId: (request.routeOptions.config as { operationId?: string }).operationId ?? 'unknown' };
    reply.header('inin-correlation-id', correlationId);
    const served = operationsById.get(request.emulator.operationId);
    if (!served) return;
    try {
      const { key, guest } = authenticate(parts, request, served.api, served.operation);
      request.emulator.guest = guest;
      request.emulator.rateKey = key;
      rateLimit(parts, reply, key);
    } catch (error) {
      if (!(error instanceof ApiError)) throw error;
      await replies.sendError(request, reply, error);
      return reply;
    }
  });

  // Every answer reports the rate-limit window, also those that were not counted (401, 404, login).
  app.addHook('onSend', async (request, reply) => {
    if (reply.hasHeader('inin-ratelimit-allowed')) return;
    const token = bearer(request);
    setRateHeaders(reply, parts.limiter.peek(token ?? `ip:${request.ip}`, parts.organizationId));
  });

  for (const { api, operation } of operationsById.values()) {
    const handler = api.handlers[operation.operationId];
    if (!handler) throw new Error(`the emulator has no handler for ${operation.operationId}`);
    const checkBody = operation.body ? requestBody(api.spec, operation.body.schemaRef) : undefined;

    app.route({
      method: operation.method,
      url: fastifyPath(operation.path),
      config: { operationId: operation.operationId },
      handler: async (request, reply) => {
        try {
          const { guest } = request.emulator;
          const fault = parts.faults.pick({ operationId: operation.operationId, method: operation.method, path: request.url });
          request.emulator.fault = fault;
          if (fault && (await replies.applyLeadingFault(request, reply, fault))) return;
          if (request.body !== undefined && !JSON_TYPE.test(request.headers['content-type'] ?? ''))
            throw new ApiError(415, 'unsupported.media.type');
          const query = parseQuery(operation.queryParams, request.query as Record<string, unknown>);
          checkQueryBounds(query);
          let body: unknown = request.body;
          if (checkBody) {
            if (body === undefined || body === null) throw new ApiError(400, 'bad.request');
            const checked = checkBody(body);
            if (checked.problems.length > 0)
              throw new ApiError(400, 'constraint.validation', {
                violation: checked.problems.map((p) => `${p.field}: ${p.problem}`).join('; '),
              });
            body = checked.body;
          }
          const answer: Answer = handler({
            params: request.params as Record<string, string>,
            query,
            headers: headerValues(operation.headerParams, request),
            body,
            guest,
            world: parts.world,
            url: request.url,
          });
          await replies.send(request, reply, answer.status, answer.body);
        } catch (error) {
          if (!(error instanceof ApiError)) throw error;
          await replies.sendError(request, reply, error);
        }
      },
    });
  }
}

/** Answers fastify's own errors and unknown paths as Genesys does, with error bodies. */
export function addErrorAnswers(app: FastifyInstance, parts: EmulatorParts, replies: Replies): void {
  app.setNotFoundHandler((request, reply) => replies.sendError(request, reply, new ApiError(404, 'not.found')));
  app.setErrorHandler(async (error: { statusCode?: number; code?: string }, request, reply) => {
    request.emulator ??= { correlationId: parts.random.uuid(), operationId: 'unknown' };
    if (error.statusCode === 415) return replies.sendError(request, reply, new ApiError(415, 'unsupported.media.type'));
    if (error.statusCode === 413)
      return replies.sendError(
        request,
        reply,
        new ApiError(413, 'request.entity.too.large', { maximum: String(parts.options.bodyLimit ?? 1_048_576) }),
      );
    if (error.statusCode === 400) return replies.sendError(request, reply, new ApiError(400, 'bad.request'));
    return replies.sendError(request, reply, new ApiError(500, 'internal.server.error'));
  });
}
