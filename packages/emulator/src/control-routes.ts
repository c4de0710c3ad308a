/** The test controls under `/__emulator`: counters, fault rules, stream faults and media requests; Web Messaging's under `/__emulator/messaging`. */
import type { FastifyInstance } from 'fastify';
import { type FaultRule, faultRuleProblem } from './faults.js';
import { addMessagingControlRoutes } from './messaging-controls.js';
import type { EmulatorParts } from './parts.js';
import type { EmulatorStats } from './emulator.js';
import { streamFault, streamFaultRule } from './stream-fault.js';

/** What the controls give the emulator's handle too: the counters, and media requests from code. */
export interface Controls {
  readonly stats: EmulatorStats;
  offerMediaRequest(conversationId: string, types?: readonly ('COBROWSE' | 'SCREENSHARE')[]): string;
}

/** The counters, live, as `emulator.stats` and `/__emulator/stats` show them. */
function statsOf(parts: EmulatorParts): EmulatorStats {
  return {
    requests: (operationId, outcome) => parts.stats.requests(operationId, outcome),
    get totalRequests() {
      return parts.stats.totalRequests;
    },
    get tooManyRequests() {
      return parts.stats.tooManyRequests;
    },
    get faultsInjected() {
      return parts.faults.injected;
    },
    get tokensIssued() {
      return parts.oauth.issuedCount;
    },
    get openEventStreams() {
      return parts.streams.openSockets;
    },
    get openGuestSockets() {
      return parts.guestSockets.openSockets;
    },
    messagesStored: (conversationId) => parts.store.conversations.get(conversationId)?.messages.length ?? 0,
    snapshot: () => ({
      requests: parts.stats.byOperation(),
      totalRequests: parts.stats.totalRequests,
      tooManyRequests: parts.stats.tooManyRequests,
      faultsInjected: parts.faults.injected,
      tokensIssued: parts.oauth.issuedCount,
      openEventStreams: parts.streams.openSockets,
      openGuestSockets: parts.guestSockets.openSockets,
      guestFramesSent: parts.guestSockets.framesSent,
      guestSessions: parts.guestSessions.size,
      eventFramesSent: parts.streams.framesSent,
      messagesStored: Object.fromEntries([...parts.store.conversations.values()].map((c) => [c.id, c.messages.length])),
    }),
  };
}

/** Adds the `/__emulator` endpoints to `app`. */
export function addControlRoutes(app: FastifyInstance, parts: EmulatorParts): Controls {
  const offerMediaRequest = (conversationId: string, types: readonly ('COBROWSE' | 'SCREENSHARE')[] = ['COBROWSE']): string => {
    const conversation = parts.store.conversations.get(conversationId);
    if (!conversation) throw new Error(`no conversation ${conversationId}`);
    return parts.store.addMediaRequest(conversation, types).id;
  };

  const emulatorStats = statsOf(parts);

  app.get('/__emulator/stats', () => emulatorStats.snapshot());
  app.get('/__emulator/faults', () => parts.faults.list());
  app.post('/__emulator/faults', async (request, reply) => {
    const problem = faultRuleProblem(request.body);
    if (problem) return reply.code(400).send({ error: problem });
    return reply.code(201).send({ id: parts.faults.add(request.body as FaultRule) });
  });
  app.delete('/__emulator/faults', async (_request, reply) => {
    parts.faults.clear();
    return reply.code(204).send();
  });
  app.delete<{ Params: { id: string } }>('/__emulator/faults/:id', async (request, reply) =>
    reply.code(parts.faults.remove(Number(request.params.id)) ? 204 : 404).send(),
  );
  app.get('/__emulator/streams/rules', () => parts.streams.rules);
  app.post<{ Body: unknown }>('/__emulator/streams/rules', async (request, reply) => {
    const rule = streamFaultRule(request.body);
    if (typeof rule === 'string') return reply.code(400).send({ error: rule });
    parts.streams.rules.push(rule);
    return reply.code(201).send({ rules: parts.streams.rules.length });
  });
  app.delete('/__emulator/streams/rules', async (_request, reply) => {
    parts.streams.rules.splice(0);
    return reply.code(204).send();
  });
  app.post<{ Params: { id: string }; Body: unknown }>('/__emulator/conversations/:id/stream', async (request, reply) => {
    if (!parts.store.conversations.has(request.params.id)) return reply.code(404).send({ error: 'no such conversation' });
    const fault = streamFault(request.body);
    if (typeof fault === 'string') return reply.code(400).send({ error: fault });
    return reply.code(200).send({ sockets: parts.streams.apply(request.params.id, fault) });
  });
  app.post<{ Params: { id: string }; Body: { types?: ('COBROWSE' | 'SCREENSHARE')[] } | undefined }>(
    '/__emulator/conversations/:id/mediarequests',
    async (request, reply) => {
      if (!parts.store.conversations.has(request.params.id)) return reply.code(404).send({ error: 'no such conversation' });
      return reply.code(201).send({ id: offerMediaRequest(request.params.id, request.body?.types) });
    },
  );
  addMessagingControlRoutes(app, parts);
  return { stats: emulatorStats, offerMediaRequest };
}
