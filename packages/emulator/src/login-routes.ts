/** The login host (OAuth client credentials) and token revocation. */
import type { FastifyInstance } from 'fastify';
import { ApiError } from './api-error.js';
import { bearer } from './http-request.js';
import type { EmulatorParts } from './parts.js';
import type { Replies } from './replies.js';

/** Adds `POST /login/oauth/token` and `DELETE /api/v2/tokens/me` to `app`. */
export function addLoginRoutes(app: FastifyInstance, parts: EmulatorParts, replies: Replies): void {
  app.post('/login/oauth/token', { config: { operationId: 'oauthToken' } }, async (request, reply) => {
    const form = (request.body ?? {}) as Record<string, string>;
    const oauthClient = parts.oauth.authenticate(request.headers.authorization);
    if (!oauthClient) {
      parts.stats.record('oauthToken', 400);
      return reply.code(400).send({ error: 'invalid_client', description: 'client not found', error_description: 'client not found' });
    }
    if (form.grant_type !== 'client_credentials') {
      parts.stats.record('oauthToken', 400);
      return reply
        .code(400)
        .send({ error: 'unsupported_grant_type', description: 'grant type not supported', error_description: 'grant type not supported' });
    }
    const fault = parts.faults.pick({ operationId: 'oauthToken', method: 'POST', path: request.url });
    request.emulator.fault = fault;
    if (fault && (await replies.applyLeadingFault(request, reply, fault))) return reply;
    await replies.send(request, reply, 200, parts.oauth.issue(oauthClient));
    return reply;
  });

  app.delete('/api/v2/tokens/me', { config: { operationId: 'deleteTokensMe' } }, async (request, reply) => {
    const token = bearer(request);
    try {
      if (!token) throw new ApiError(401, 'authentication.required');
      if (!parts.oauth.check(token).ok) throw new ApiError(401, 'bad.credentials');
      parts.oauth.revoke(token);
      await replies.send(request, reply, 204, undefined);
    } catch (error) {
      if (!(error instanceof ApiError)) throw error;
      await replies.sendError(request, reply, error);
    }
    return reply;
  });
}
