/**
 * The Web Messaging side of a running emulator, before any HTTP: its deployments, auth, guest
 * sessions, the guest WebSocket and its protocol, and the scripted agent that answers there.
 */
import { DEFAULT_AGENT } from './agent.js';
import { GuestActions } from './guest-actions.js';
import { GuestAttachments } from './guest-attachments.js';
import type { GuestJwtIssuer } from './guest-jwt.js';
import { GuestSockets } from './guest-socket.js';
import { MessagingAgent } from './messaging-agent.js';
import { MessagingAuth } from './messaging-auth.js';
import { isSessionFault, messagingFault, messagingFaultRule } from './messaging-fault.js';
import { GuestSessions } from './messaging-sessions.js';
import { DEFAULT_MESSAGING, type EmulatorOptions } from './options.js';
import { createRandom, deriveSeed } from './random.js';
import { seedWebDeployments, WebDeployments } from './web-deployments.js';

export interface MessagingParts {
  /** Web Messaging's deployments, configurations, push devices and cobrowse sessions. */
  readonly webDeployments: WebDeployments;
  /** The Web Messaging deployment it starts with. */
  readonly webMessagingDeploymentId: string;
  readonly messagingAuth: MessagingAuth;
  readonly guestSessions: GuestSessions;
  readonly guestSockets: GuestSockets;
  readonly guestActions: GuestActions;
  readonly guestAttachments: GuestAttachments;
  readonly messagingAgent: MessagingAgent;
  /** Adds a guest-socket fault rule, checked as the admin endpoint checks it; throws a TypeError for a bad one. */
  addMessagingRule(rule: unknown): void;
  /**
   * A fault on the guest sockets (or the session) of a guest token, checked as the admin endpoint
   * checks it; returns the sockets of that token (0: no such session).
   */
  applyMessagingFault(token: string, fault: unknown): number;
}

/** Makes the Web Messaging parts; `wsBase` is the emulator's ws:// origin, known once it listens. */
export function createMessagingParts(seed: number, options: EmulatorOptions, jwt: GuestJwtIssuer, wsBase: () => string): MessagingParts {
  const messaging = { ...DEFAULT_MESSAGING, ...options.messaging };
  const now = options.messaging?.now ?? Date.now;
  const webDeployments = new WebDeployments(createRandom(deriveSeed(seed, 3)), messaging.blockedExtensions, now);
  const webMessagingDeploymentId = seedWebDeployments(webDeployments, messaging.maxFileSizeKB);
  const messagingAuth = new MessagingAuth(jwt, now);
  const guestSessions = new GuestSessions(createRandom(deriveSeed(seed, 4)), now, messaging);
  // The agent and the protocol each need the other: the protocol hands the agent guest messages,
  // the agent's answers go out through the protocol.
  let deliver: GuestActions['deliverFromAgent'] = () => {};
  const messagingAgent = new MessagingAgent(guestSessions, { ...DEFAULT_AGENT, ...options.agent }, seed, {
    deliver: (session, message) => deliver(session, message),
  });
  let frame: GuestActions['frame'] = () => {};
  let sessionFault: GuestActions['sessionFault'] = () => false;
  const guestSockets = new GuestSockets({
    admits: (id) => webDeployments.deployments.get(id)?.status === 'Active',
    frame: (connection, data, isBinary) => frame(connection, data, isBinary),
    sessionFault: (connection, fault) => void (connection.token !== undefined && sessionFault(connection.token, fault)),
  });
  const guestAttachments = new GuestAttachments({
    sockets: guestSockets,
    sessions: guestSessions,
    deployments: webDeployments,
    now,
    origin: () => wsBase().replace(/^ws:/, 'http:'),
  });
  const guestActions = new GuestActions({
    sockets: guestSockets,
    sessions: guestSessions,
    deployments: webDeployments,
    auth: messagingAuth,
    jwt,
    agent: messagingAgent,
    attachments: guestAttachments,
    limits: messaging,
    now,
  });
  deliver = (session, message) => guestActions.deliverFromAgent(session, message);
  frame = (connection, data, isBinary) => guestActions.frame(connection, data, isBinary);
  sessionFault = (token, fault) => guestActions.sessionFault(token, fault);
  const addMessagingRule = (rule: unknown): void => {
    const checked = messagingFaultRule(rule);
    if (typeof checked === 'string') throw new TypeError(`messaging fault rule: ${checked}`);
    guestSockets.rules.push(checked);
  };
  for (const rule of messaging.faults ?? []) addMessagingRule(rule);
  const applyMessagingFault = (token: string, fault: unknown): number => {
    const checked = messagingFault(fault);
    if (typeof checked === 'string') throw new TypeError(checked);
    const connections = guestSockets.connectionsOf(token);
    if (isSessionFault(checked)) return guestActions.sessionFault(token, checked) ? connections.length : 0;
    for (const connection of connections) guestSockets.applyToConnection(connection, checked);
    return connections.length;
  };

  return {
    webDeployments,
    webMessagingDeploymentId,
    messagingAuth,
    guestSessions,
    guestSockets,
    guestActions,
    guestAttachments,
    messagingAgent,
    addMessagingRule,
    applyMessagingFault,
  };
}
