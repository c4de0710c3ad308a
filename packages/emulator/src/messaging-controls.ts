/**
 * Web Messaging's test controls, one set for code (`emulator.messaging`) and HTTP
 * (`/__emulator/messaging/...`), each checked the same way:
 *
 * - `POST /__emulator/messaging/sessions/:token/fault` `{ kind, … }` → `{ sockets }` (messaging-fault.ts)
 * - `POST /__emulator/messaging/sessions/:token/agent-disconnect` → `{ disconnected }`
 * - `GET|POST|DELETE /__emulator/messaging/rules` (`{ fault, everyMs }`)
 * - `POST /__emulator/messaging/refuse-upgrades` `{ count, status? }`
 * - `POST /__emulator/messaging/auth-codes` → `{ code }`
 * - `POST /__emulator/messaging/cobrowse` `{ deploymentId? }` → `{ id, joinCode }`
 */
import type { FastifyInstance } from 'fastify';
import type { MessagingControls } from './emulator.js';
import { type MessagingFault, messagingFaultRule } from './messaging-fault.js';
import type { EmulatorParts } from './parts.js';

/** The controls as `emulator.messaging` offers them. */
export function messagingControls(parts: EmulatorParts): MessagingControls {
  const fault = (token: string, f: MessagingFault | Record<string, unknown>): number => parts.applyMessagingFault(token, f);
  return {
    fault,
    drop: (token) => fault(token, { kind: 'drop' }),
    stall: (token, ms) => fault(token, { kind: 'stall', ms }),
    close: (token, code, reason) => fault(token, { kind: 'close', code, reason }),
    frame: (token, data) => fault(token, { kind: 'frame', data }),
    duplicateNext: (token) => fault(token, { kind: 'duplicate' }),
    reorderNext: (token) => fault(token, { kind: 'reorder' }),
    rateLimit: (token, count) => fault(token, { kind: 'rate-limit', count }),
    loseMessages: (token, count) => fault(token, { kind: 'lose', count }),
    withholdEchoes: (token, count) => fault(token, { kind: 'withhold-echo', count }),
    expire: (token) => fault(token, { kind: 'expire' }),
    refuseUpgrades: (count, status = 503) => {
      if (!Number.isInteger(count) || count < 0) throw new TypeError('count must be a whole number');
      if (!Number.isInteger(status) || status < 400 || status > 599) throw new TypeError('status must be 400–599');
      parts.guestSockets.refuseUpgrades(count, status);
    },
    addRule: (rule) => parts.addMessagingRule(rule),
    clearRules: () => void parts.guestSockets.rules.splice(0),
    disconnectAgent: (token) => {
      const session = parts.guestSessions.byToken(token);
      return session ? parts.messagingAgent.disconnect(session) : false;
    },
    issueAuthCode: () => parts.messagingAuth.issueCode(),
    offerCobrowse: (deploymentId = parts.webMessagingDeploymentId) => {
      const session = parts.webDeployments.offerCobrowse(deploymentId);
      return { id: session.id, joinCode: session.joinCode };
    },
    messagesStored: (token) => parts.guestSessions.byToken(token)?.messages.length ?? 0,
  };
}

/** What a thrown TypeError or ApiError says, for a 400 or 404. */
function problem(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** Adds the `/__emulator/messaging` endpoints to `app`. */
export function addMessagingControlRoutes(app: FastifyInstance, parts: EmulatorParts): void {
  const controls = messagingControls(parts);
  app.post<{ Params: { token: string }; Body: unknown }>('/__emulator/messaging/sessions/:token/fault', async (request, reply) => {
    if (!parts.guestSessions.byToken(request.params.token)) return reply.code(404).send({ error: 'no session has this token' });
    try {
      return reply.code(200).send({ sockets: parts.applyMessagingFault(request.params.token, request.body) });
    } catch (error) {
      return reply.code(400).send({ error: problem(error) });
    }
  });
  app.post<{ Params: { token: string } }>('/__emulator/messaging/sessions/:token/agent-disconnect', async (request, reply) => {
    if (!parts.guestSessions.byToken(request.params.token)) return reply.code(404).send({ error: 'no session has this token' });
    return reply.code(200).send({ disconnected: controls.disconnectAgent(request.params.token) });
  });
  app.get('/__emulator/messaging/rules', () => parts.guestSockets.rules);
  app.post<{ Body: unknown }>('/__emulator/messaging/rules', async (request, reply) => {
    const rule = messagingFaultRule(request.body);
    if (typeof rule === 'string') return reply.code(400).send({ error: rule });
    parts.guestSockets.rules.push(rule);
    return reply.code(201).send({ rules: parts.guestSockets.rules.length });
  });
  app.delete('/__emulator/messaging/rules', async (_request, reply) => {
    controls.clearRules();
    return reply.code(204).send();
  });
  app.post<{ Body: { count?: unknown; status?: unknown } | undefined }>('/__emulator/messaging/refuse-upgrades', async (request, reply) => {
    try {
      controls.refuseUpgrades(request.body?.count as number, (request.body?.status ?? 503) as number);
      return reply.code(204).send();
    } catch (error) {
      return reply.code(400).send({ error: problem(error) });
    }
  });
  app.post('/__emulator/messaging/auth-codes', async (_request, reply) => reply.code(201).send({ code: controls.issueAuthCode() }));
  app.post<{ Body: { deploymentId?: string } | undefined }>('/__emulator/messaging/cobrowse', async (request, reply) => {
    try {
      return reply.code(201).send(controls.offerCobrowse(request.body?.deploymentId));
    } catch {
      return reply.code(404).send({ error: 'no such deployment' });
    }
  });
}
