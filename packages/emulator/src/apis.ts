/**
 * The REST APIs the emulator serves, each from its own contract through the one request pipeline
 * (operation-routes.ts): WebChat (19 operations) and Web Messaging (25). What differs between
 * them is here: their handlers, and which guest JWT admits a `guestJwt` operation.
 */
import { ApiError } from './api-error.js';
import type { GuestClaims } from './guest-jwt.js';
import type { OperationHandler, World } from './operation.js';
import { adminHandlers } from './routes/admin.js';
import { guestHandlers } from './routes/guest.js';
import { webDeploymentHandlers } from './routes/web-deployments.js';
import { webMessagingHandlers } from './routes/web-messaging.js';
import { type ApiSpecName, loadSpec, type SpecFile } from './spec.js';

export interface ServedApi {
  readonly spec: SpecFile;
  readonly handlers: Readonly<Record<string, OperationHandler>>;
  /**
   * Whether a guest JWT (signed by the emulator, unexpired) admits this request to a `guestJwt`
   * operation; throws the ApiError when not. The contract names the JWT in prose (`authToken`).
   */
  admitGuest(claims: GuestClaims, operationId: string, params: Readonly<Record<string, string>>, world: World): void;
}

const wrongToken = (): ApiError => new ApiError(401, 'bad.credentials');

const webChat = (spec: SpecFile): ServedApi => ({
  spec,
  handlers: { ...adminHandlers, ...guestHandlers },
  // A conversation's JWT opens that conversation only.
  admitGuest: (claims, _operationId, params) => {
    if (claims.use !== 'webchat') throw wrongToken();
    if (claims.conversationId !== params.conversationId) throw new ApiError(403, 'not.authorized');
  },
});

const webMessaging = (spec: SpecFile): ServedApi => ({
  spec,
  handlers: { ...webDeploymentHandlers, ...webMessagingHandlers },
  admitGuest: (claims, operationId, _params, world) => {
    // The history takes the JWT of the guest WebSocket's getJwt action, for a session that still exists.
    if (operationId === 'getWebmessagingMessages') {
      if (claims.use !== 'webmessaging-session' || !world.guestSessions.byId(claims.sessionId)) throw wrongToken();
      return;
    }
    // Revoking takes the authenticated session's JWT (code exchange or refresh), while it is live.
    if (claims.use !== 'webmessaging-auth' || !world.messagingAuth.live(claims)) throw wrongToken();
  },
});

const FACTORIES: Readonly<Record<ApiSpecName, (spec: SpecFile) => ServedApi>> = {
  'webchat-api': webChat,
  'webmessaging-platform-api': webMessaging,
};

/** Every API the emulator serves, each with its contract. */
export function servedApis(): readonly ServedApi[] {
  return (Object.keys(FACTORIES) as ApiSpecName[]).map((name) => FACTORIES[name](loadSpec(name)));
}
