/**
 * `startEmulator`: one fastify server on 127.0.0.1 serving the login host under `/login`, both
 * REST APIs (WebChat, Web Messaging) under `/api/v2`, WebChat's event streams under
 * `/streaming`, Web Messaging's guest WebSocket at `/v1` with its attachment URLs under
 * `/uploads` and `/downloads`, and test controls under `/__emulator`. Every API request goes
 * through one pipeline (operation-routes.ts): correlation id, auth as the contract says, rate
 * limits, faults, validation, the operation, and one place that writes the answer (replies.ts).
 */
import type { AddressInfo } from 'node:net';
import Fastify, { type FastifyInstance } from 'fastify';
import { addControlRoutes } from './control-routes.js';
import type { Emulator } from './emulator.js';
import type { Pending } from './http-request.js';
import { addLoginRoutes } from './login-routes.js';
import { addErrorAnswers, addOperationRoutes } from './operation-routes.js';
import type { EmulatorOptions } from './options.js';
import { GUEST_SOCKET_PATH } from './guest-socket.js';
import { messagingControls } from './messaging-controls.js';
import { createParts, type EmulatorParts } from './parts.js';
import { Replies } from './replies.js';
import { refuseUpgrade, upgradeTarget } from './socket-server.js';
import { addUploadRoutes } from './upload-routes.js';

export type { Emulator, EmulatorSettings, EmulatorStats, MessagingControls } from './emulator.js';

/** The fastify app, with the body parsers Genesys' clients need. */
function createApp(options: EmulatorOptions): FastifyInstance {
  const app = Fastify({ logger: false, bodyLimit: options.bodyLimit ?? 1_048_576, forceCloseConnections: true, keepAliveTimeout: 60_000 });
  app.decorateRequest('emulator', null as unknown as Pending);
  app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' }, (_req, body, done) => {
    done(null, Object.fromEntries(new URLSearchParams(body as string)));
  });
  // Genesys accepts `Content-Type: application/json` with an empty body on operations that take
  // none (Genesys' JS SDKs send it on every request: test/genesys-sdks.test.ts records their wire), so an empty JSON body is no
  // body. Anything else goes to Fastify's own parser, with its protections (prototype poisoning,
  // body size): a non-empty malformed body is still a 400.
  const parseJson = app.getDefaultJsonParser('error', 'error');
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (request, body, done) => {
    const text = typeof body === 'string' ? body : body.toString('utf8');
    if (text === '') done(null, undefined);
    else void parseJson(request, text, done);
  });
  return app;
}

/**
 * Starts a Genesys Cloud emulator on 127.0.0.1: the login host (OAuth client credentials), the
 * 19 WebChat operations and the 25 Web Messaging operations with validation, rate limits and
 * fault injection, WebChat's event stream, Web Messaging's guest WebSocket, and a scripted agent.
 * Resolves once it listens; `stop()` closes it.
 */
export async function startEmulator(options: EmulatorOptions = {}): Promise<Emulator> {
  const parts = createParts(options);
  const app = createApp(options);
  const replies = new Replies(parts.stats, parts.waits);
  addOperationRoutes(app, parts, replies);
  addLoginRoutes(app, parts, replies);
  const controls = addControlRoutes(app, parts);
  addUploadRoutes(app, parts);
  addErrorAnswers(app, parts, replies);
  // Upgrades by path: Web Messaging's guests at /v1, WebChat's event streams everywhere else (they answer 404 to what is not theirs).
  app.server.on('upgrade', (request, socket, head: Buffer) => {
    // A target that is no URL (`GET //[`) is answered here: nothing thrown from this listener may reach the process.
    const target = upgradeTarget(request);
    if (!target) refuseUpgrade(socket, '400 Bad Request');
    else if (target.pathname === GUEST_SOCKET_PATH) parts.guestSockets.handleUpgrade(request, socket, head);
    else parts.streams.handleUpgrade(request, socket, head);
  });

  await app.listen({ host: '127.0.0.1', port: options.port ?? 0 });
  const { port } = app.server.address() as AddressInfo;
  parts.world.wsBase = `ws://127.0.0.1:${port}`;
  return handle(`http://127.0.0.1:${port}`, parts, app, controls);
}

/** The running emulator's handle: how to reach it, its counters and controls, and stop(). */
function handle(origin: string, parts: EmulatorParts, app: FastifyInstance, controls: ReturnType<typeof addControlRoutes>): Emulator {
  const { organizationId, client, faults, streams, agent, waits } = parts;
  let stopping: Promise<void> | undefined;
  const loginUrl = `${origin}/login`;
  const deploymentId = parts.deploymentIds[0] ?? '';
  const webMessagingUrl = `${origin.replace(/^http:/, 'ws:')}${GUEST_SOCKET_PATH}`;
  const { webMessagingDeploymentId } = parts;
  return {
    settings: {
      baseUrl: origin,
      loginUrl,
      organizationId,
      deploymentId,
      clientId: client.clientId,
      clientSecret: client.clientSecret,
      webMessagingUrl,
      webMessagingDeploymentId,
    },
    apiUrl: origin,
    loginUrl,
    organizationId,
    deploymentId,
    client,
    stats: controls.stats,
    faults: { add: (rule) => faults.add(rule), remove: (id) => faults.remove(id), clear: () => faults.clear() },
    streams: {
      drop: (conversationId) => parts.applyStreamFault(conversationId, { kind: 'drop' }),
      stall: (conversationId, ms) => parts.applyStreamFault(conversationId, { kind: 'stall', ms }),
      close: (conversationId, code, reason) => parts.applyStreamFault(conversationId, { kind: 'close', code, reason }),
      frame: (conversationId, data) => parts.applyStreamFault(conversationId, { kind: 'frame', data }),
      addRule: (rule) => parts.addStreamRule(rule),
      clearRules: () => void streams.rules.splice(0),
    },
    webMessagingUrl,
    webMessagingDeploymentId,
    messaging: messagingControls(parts),
    offerMediaRequest: (conversationId, types) => controls.offerMediaRequest(conversationId, types),
    stop: () =>
      (stopping ??= (async () => {
        agent.stop();
        parts.messagingAgent.stop();
        parts.guestActions.stop();
        const closingHttp = app.close(); // stops listening at once, then drops every connection
        waits.releaseAll();
        await Promise.all([streams.closeAll(), parts.guestSockets.closeAll()]);
        await closingHttp;
      })()),
  };
}
