/**
 * The guest WebSocket's protocol: the 12 actions of Genesys' schema (`RequestType`), answered
 * with the frames of guest-frames.ts. Every frame a guest sends is answered or ignored, never
 * thrown on: not JSON, not an object, an unknown action or a missing field is an error frame.
 *
 * Where the contracts are silent (the notes' `notEstablished`), the choices are said where they
 * are made below.
 */
import type { RawData } from 'ws';
import { allowedMedia, type GuestAttachments } from './guest-attachments.js';
import {
  ERROR_CODES,
  errorFrame,
  event,
  type GuestRequest,
  isRecord,
  readOnlyError,
  response,
  type ServerFrame,
  tooManyRequests,
} from './guest-frames.js';
import type { GuestJwtIssuer } from './guest-jwt.js';
import type { GuestConnection, GuestSockets } from './guest-socket.js';
import type { MessagingAgent } from './messaging-agent.js';
import type { MessagingAuth } from './messaging-auth.js';
import type { SessionFault } from './messaging-fault.js';
import {
  type GuestSession,
  type GuestSessions,
  MAX_TOKEN_CHARACTERS,
  type StoredMessage,
  structuredMessageJson,
} from './messaging-sessions.js';
import { loadProtocol } from './spec.js';
import type { WebDeployments } from './web-deployments.js';

/** The limits a guest session runs under (`EmulatorOptions.messaging`). */
export interface MessagingLimits {
  /** `onMessage` requests per session per second (Genesys: 2). */
  readonly messagesPerSecond: number;
  /** Largest guest message text, in characters (4011 above). */
  readonly maxMessageCharacters: number;
  /** Largest `channel.metadata.customAttributes`, in bytes of JSON (4013 above). */
  readonly maxCustomDataBytes: number;
  /** How long a session lives, in seconds. */
  readonly sessionDurationSeconds: number;
}

/** How long the JWT of `getJwt` and a resume token live (the contract is silent). */
export const SESSION_JWT_TTL_SECONDS = 3_600;

/** The schema's request model for each action, for its required fields. */
const REQUEST_MODELS: Readonly<Record<string, string | undefined>> = {
  configureSession: 'ConfigureSessionRequest',
  configureAuthenticatedSession: 'ConfigureAuthenticatedSessionRequest',
  onAttachment: 'GenerateUploadUrlRequest',
  getAttachment: 'GenerateDownloadUrlRequest',
  deleteAttachment: 'DeleteAttachmentRequest',
  onMessage: 'SendMessageRequest',
  closeSession: 'CloseSessionRequest',
  echo: 'SendEchoRequest',
  getJwt: 'GetJwtRequest',
  getConfiguration: 'GetConfigurationRequest',
  // No model in the schema: they need the token only.
  disconnectCustomer: undefined,
  resumeToken: undefined,
};

/**
 * Fields the schema requires that Genesys' own Kotlin transport may leave out (the notes'
 * discrepancies): the emulator follows the client, as the platform evidently does.
 */
const LENIENT: Readonly<Record<string, readonly string[]>> = {
  onMessage: ['time'],
  onAttachment: ['fileSize', 'fileMd5'],
};

/** Whether a request's action is one of the schema's (an own key only: `toString` is no action). */
function isAction(action: unknown): action is string {
  return typeof action === 'string' && Object.hasOwn(REQUEST_MODELS, action);
}

function requiredFields(action: string): readonly string[] {
  const model = REQUEST_MODELS[action];
  const required = model ? (loadProtocol().definitions[model]?.required ?? []) : ['action', 'token'];
  const lenient = LENIENT[action] ?? [];
  return required.filter((name) => !lenient.includes(name));
}

/** Whether a value has a JSON Schema primitive type. */
const HAS_TYPE: Readonly<Record<string, (value: unknown) => boolean>> = {
  string: (value) => typeof value === 'string',
  boolean: (value) => typeof value === 'boolean',
  integer: (value) => Number.isInteger(value),
  number: (value) => typeof value === 'number' && Number.isFinite(value),
};

/**
 * The first field of a request whose type is not the one its model gives (`string`, `boolean`,
 * `integer`, `number`; objects are checked where they are read), and that type. Every action has
 * `tracingId` (a string), also those with no model.
 */
function mistypedField(action: string, request: Record<string, unknown>): { name: string; type: string } | undefined {
  const model = REQUEST_MODELS[action];
  const properties = (model ? loadProtocol().definitions[model]?.properties : undefined) ?? { tracingId: { type: 'string' } };
  for (const [name, { type }] of Object.entries(properties)) {
    const value = request[name];
    const has = type === undefined ? undefined : HAS_TYPE[type];
    if (value !== undefined && value !== null && has && !has(value)) return { name, type: type as string };
  }
  return undefined;
}

/** What the protocol needs besides its own state. */
export interface GuestActionsDeps {
  readonly sockets: GuestSockets;
  readonly sessions: GuestSessions;
  readonly deployments: WebDeployments;
  readonly auth: MessagingAuth;
  readonly jwt: GuestJwtIssuer;
  readonly agent: MessagingAgent;
  readonly attachments: GuestAttachments;
  readonly limits: MessagingLimits;
  readonly now: () => number;
}

export class GuestActions {
  readonly #expiry = new Map<string, ReturnType<typeof setTimeout>>();
  #stopped = false;

  constructor(private readonly deps: GuestActionsDeps) {
    // However a session goes (replaced, cleared, forgotten to stay within the bounds), its expiry timer goes with it.
    deps.sessions.onRemove = (session) => {
      clearTimeout(this.#expiry.get(session.id));
      this.#expiry.delete(session.id);
    };
  }

  // Frames in ---------------------------------------------------------------------------------

  /** One frame from a guest: parsed, checked, and handed to its action. */
  frame(connection: GuestConnection, data: RawData, isBinary: boolean): void {
    const reply = (frame: ServerFrame) => this.deps.sockets.send(connection, frame);
    if (isBinary) return reply(errorFrame(ERROR_CODES.badRequest, 'Binary frames are not supported; send JSON text'));
    let request: unknown;
    try {
      request = JSON.parse(Buffer.isBuffer(data) ? data.toString('utf8') : Buffer.concat(data as Buffer[]).toString('utf8'));
    } catch {
      return reply(errorFrame(ERROR_CODES.badRequest, 'The frame is not valid JSON'));
    }
    if (!isRecord(request)) return reply(errorFrame(ERROR_CODES.badRequest, 'A request is a JSON object with an action'));
    const tracingId = typeof request.tracingId === 'string' ? request.tracingId : undefined;
    const action = request.action;
    if (!isAction(action))
      return reply(
        errorFrame(ERROR_CODES.badRequest, `Unknown action; expected one of ${Object.keys(REQUEST_MODELS).join(', ')}`, tracingId),
      );
    const missing = requiredFields(action).find((name) => request[name] === undefined || request[name] === null);
    if (missing) return reply(errorFrame(ERROR_CODES.missingParameter, `Missing parameter: ${missing}`, tracingId));
    if (typeof request.token !== 'string' || request.token === '' || request.token.length > MAX_TOKEN_CHARACTERS)
      return reply(errorFrame(ERROR_CODES.badRequest, `token must be a string of 1 to ${MAX_TOKEN_CHARACTERS} characters`, tracingId));
    const mistyped = mistypedField(action, request);
    if (mistyped) return reply(errorFrame(ERROR_CODES.badRequest, `${mistyped.name} must be of type ${mistyped.type}`, tracingId));
    this.#dispatch(connection, request as GuestRequest, reply);
  }

  #dispatch(connection: GuestConnection, request: GuestRequest, reply: (frame: ServerFrame) => void): void {
    switch (request.action) {
      case 'configureSession':
        return this.#configure(connection, request, reply, false);
      case 'configureAuthenticatedSession':
        return this.#configure(connection, request, reply, true);
      case 'echo':
        return this.#echo(request, reply);
      case 'getConfiguration':
        return this.#getConfiguration(request, reply);
    }
    // Every other action acts on the session this connection configured.
    const session = this.#sessionOf(connection, request, reply);
    if (!session) return;
    switch (request.action) {
      case 'onMessage':
        return this.#onMessage(session, request, reply);
      case 'onAttachment':
        return this.deps.attachments.onAttachment(session, request, reply);
      case 'getAttachment':
        return this.deps.attachments.getAttachment(session, request, reply);
      case 'deleteAttachment':
        return this.deps.attachments.deleteAttachment(session, request, reply);
      case 'closeSession':
        return this.#closeSession(connection, session, request, reply);
      case 'getJwt':
        return this.#getJwt(session, request, reply);
      case 'disconnectCustomer':
        return this.#disconnectCustomer(session, request, reply);
      case 'resumeToken':
        return reply(
          response('ResumeTokenResponse', this.deps.sessions.issueResumeToken(session, SESSION_JWT_TTL_SECONDS), request.tracingId),
        );
    }
  }

  /**
   * The session a request names: the connection must have configured it (4007 otherwise, as for a
   * token the platform does not know), and it must not have expired (4006).
   */
  #sessionOf(connection: GuestConnection, request: GuestRequest, reply: (frame: ServerFrame) => void): GuestSession | undefined {
    const session = connection.token === request.token ? this.deps.sessions.byToken(request.token) : undefined;
    if (!session) {
      reply(errorFrame(ERROR_CODES.sessionNotFound, 'Session not found: configure a session on this connection first', request.tracingId));
      return undefined;
    }
    if (session.state !== 'expired' && this.deps.now() >= session.expiresAt) this.expire(session);
    if (session.state === 'expired') {
      reply(errorFrame(ERROR_CODES.sessionExpired, 'Session has expired', request.tracingId));
      return undefined;
    }
    return session;
  }

  // Sessions ----------------------------------------------------------------------------------

  #sessionResponse(session: GuestSession, connected: boolean, newSession: boolean, tracingId?: string): ServerFrame {
    const deployment = this.deps.deployments.deployments.get(session.deploymentId);
    const rules = deployment ? this.deps.deployments.attachmentRules(deployment) : undefined;
    return response(
      'SessionResponse',
      {
        connected,
        newSession,
        readOnly: session.state !== 'active',
        maxCustomDataBytes: this.deps.limits.maxCustomDataBytes,
        ...(rules?.enabled ? { allowedMedia: allowedMedia(rules), blockedExtensions: rules.blockedExtensions } : {}),
        clearedExistingSession: false,
        durationSeconds: this.deps.limits.sessionDurationSeconds,
        expirationDate: Math.floor(session.expiresAt / 1000),
      },
      tracingId,
    );
  }

  /**
   * configureSession / configureAuthenticatedSession: a new session, or the token's own resumed
   * (`newSession: false`). `startNew` replaces a session that no longer takes messages (read-only,
   * closed, expired) with a new one and is ignored for an active one: Genesys' Java SDK documents
   * it for "your currently read-only session". A `resumeToken` (from the resumeToken action) moves
   * its session to this request's token (the schema has the field; no client documents it).
   */
  #configure(connection: GuestConnection, request: GuestRequest, reply: (frame: ServerFrame) => void, authenticated: boolean): void {
    const { sessions, auth } = this.deps;
    const { token, tracingId } = request;
    if (request.deploymentId !== connection.deploymentId)
      return reply(errorFrame(ERROR_CODES.badRequest, 'deploymentId does not match the connection’s', tracingId));
    if (authenticated) {
      const code = isRecord(request.data) && typeof request.data.code === 'string' ? request.data.code : '';
      const jwtClaims = auth.verifyAuthJwt(code);
      const accepted = jwtClaims?.use === 'webmessaging-auth' ? jwtClaims.deploymentId === connection.deploymentId : auth.redeem(code);
      if (!accepted) return reply(errorFrame(401, 'Authentication failed: data.code is not a code or JWT the platform issued', tracingId));
    }
    let session = sessions.byToken(token);
    if (typeof request.resumeToken === 'string') {
      const resumed = sessions.redeemResumeToken(request.resumeToken);
      if (!resumed) return reply(errorFrame(ERROR_CODES.sessionNotFound, 'Session not found for that resume token', tracingId));
      this.deps.sockets.rebind(resumed.token, token);
      sessions.rekey(resumed, token);
      session = resumed;
    }
    if (session && session.state !== 'expired' && this.deps.now() >= session.expiresAt) this.expire(session);
    const startNew = request.startNew === true;
    if (session?.state === 'expired' && !startNew) return reply(errorFrame(ERROR_CODES.sessionExpired, 'Session has expired', tracingId));
    if (session?.authenticated && !authenticated && !(startNew && session.state !== 'active'))
      return reply(errorFrame(4017, 'Cannot downgrade an authenticated session to an unauthenticated one', tracingId));
    let newSession = false;
    if (!session || (startNew && session.state !== 'active')) {
      if (session) this.deps.sessions.remove(session);
      session = sessions.create(token, connection.deploymentId, this.deps.limits.sessionDurationSeconds, authenticated);
      this.#scheduleExpiry(session);
      newSession = true;
    } else if (authenticated) {
      session.authenticated = true;
    }
    this.deps.sockets.bind(connection, token);
    reply(this.#sessionResponse(session, true, newSession, tracingId));
  }

  #scheduleExpiry(session: GuestSession): void {
    const ms = session.expiresAt - this.deps.now();
    // setTimeout's ceiling; a longer session is checked when it is next used instead.
    if (this.#stopped || ms > 2_147_483_647) return;
    const timer = setTimeout(
      () => {
        this.#expiry.delete(session.id);
        if (this.deps.sessions.byId(session.id) === session && session.state !== 'expired') this.expire(session);
      },
      Math.max(0, ms),
    );
    this.#expiry.set(session.id, timer);
  }

  /** The session is over: SessionExpiredEvent to its sockets; from now on 4006 to what it asks. */
  expire(session: GuestSession): void {
    session.state = 'expired';
    const timer = this.#expiry.get(session.id);
    if (timer) clearTimeout(timer);
    this.#expiry.delete(session.id);
    this.deps.sockets.publish(session.token, response('SessionExpiredEvent', {}));
  }

  /** A session fault (from a schedule or a control) on the session a token names; whether there was one. */
  sessionFault(token: string, fault: SessionFault): boolean {
    const session = this.deps.sessions.byToken(token);
    if (!session) return false;
    if (fault.kind === 'expire') this.expire(session);
    else if (fault.kind === 'rate-limit') session.refuseNext += fault.count;
    else if (fault.kind === 'lose') session.loseNext += fault.count;
    else session.withholdEchoNext += fault.count;
    return true;
  }

  /**
   * closeSession: the sender gets SessionResponse `connected: false` (read-only: the session takes
   * no more messages; `startNew` then begins another). With closeAllConnections, every other
   * socket sharing the token gets ConnectionClosedEvent (the fixture without a reason) and is closed.
   */
  #closeSession(connection: GuestConnection, session: GuestSession, request: GuestRequest, reply: (frame: ServerFrame) => void): void {
    session.state = 'closed';
    if (request.closeAllConnections === true) {
      for (const other of this.deps.sockets.connectionsOf(session.token)) {
        if (other === connection) continue;
        this.deps.sockets.send(other, event('ConnectionClosedEvent', {}));
        this.deps.sockets.unbind(other);
        other.ws.close(1000, 'Session closed');
      }
    }
    reply(this.#sessionResponse(session, false, false, request.tracingId));
  }

  /**
   * Presence `Clear` (the guest clears the conversation): SessionClearedEvent to every socket of
   * the token, then ConnectionClosedEvent, and the session is gone; the Kotlin transport reads that
   * pair as "conversation cleared". The next configureSession starts a new one.
   */
  #clear(session: GuestSession): void {
    const token = session.token;
    this.deps.sockets.publish(token, event('SessionClearedEvent', {}));
    this.deps.sockets.publish(token, event('ConnectionClosedEvent', {}));
    for (const connection of this.deps.sockets.connectionsOf(token)) this.deps.sockets.unbind(connection);
    this.deps.sessions.remove(session);
  }

  /**
   * disconnectCustomer (in the schema, used by no official client: the notes' notEstablished):
   * taken as the guest ending the conversation, which then ends as when the agent disconnects:
   * the Presence Disconnect event, read-only.
   */
  #disconnectCustomer(session: GuestSession, request: GuestRequest, reply: (frame: ServerFrame) => void): void {
    // An error answers the request, on the socket that sent it; the Disconnect event goes to every socket of the session.
    if (session.state !== 'active') return reply(readOnlyError(request.tracingId));
    this.deps.agent.disconnect(session);
  }

  // Messages ----------------------------------------------------------------------------------

  #echo(request: GuestRequest, reply: (frame: ServerFrame) => void): void {
    const message = isRecord(request.message) ? request.message : {};
    // The health check's answer: the message back as a StructuredMessage of type "response" (the Kotlin fixture).
    reply(
      response(
        'StructuredMessage',
        {
          ...message,
          type: typeof message.type === 'string' ? message.type : 'Text',
          direction: 'Inbound',
          id: this.deps.sessions.transient({ direction: 'Inbound', type: 'Text' }).id,
        },
        request.tracingId,
      ),
    );
  }

  #onMessage(session: GuestSession, request: GuestRequest, reply: (frame: ServerFrame) => void): void {
    const { tracingId } = request;
    if (session.state !== 'active') return reply(readOnlyError(tracingId));
    const turn = this.deps.sessions.takeMessageTurn(session, this.deps.limits.messagesPerSecond);
    // Over the limit the message is refused, not stored: the client sends it again after retryAfter.
    if (!turn.ok) return reply(tooManyRequests(turn.retryAfter, tracingId));
    const message = isRecord(request.message) ? request.message : {};
    const type = message.type;
    if (type !== 'Text' && type !== 'Structured' && type !== 'Event')
      return reply(errorFrame(ERROR_CODES.badRequest, 'message.type must be Text, Structured or Event', tracingId));
    const attributes = customAttributes(request) ?? customAttributes(message);
    if (attributes !== undefined && Buffer.byteLength(JSON.stringify(attributes)) > this.deps.limits.maxCustomDataBytes)
      return reply(
        errorFrame(
          ERROR_CODES.customAttributesTooLarge,
          `Custom Attributes in channel metadata is larger than ${this.deps.limits.maxCustomDataBytes} bytes`,
          tracingId,
        ),
      );
    if (type === 'Event') return this.#onEvent(session, message, tracingId);
    const text = typeof message.text === 'string' ? message.text : undefined;
    if (text !== undefined && [...text].length > this.deps.limits.maxMessageCharacters)
      return reply(
        errorFrame(
          ERROR_CODES.messageTooLong,
          `Message text is longer than ${this.deps.limits.maxMessageCharacters} characters`,
          tracingId,
        ),
      );
    const content = Array.isArray(message.content) ? message.content.filter(isRecord) : [];
    const resolved: Record<string, unknown>[] = [];
    for (const item of content) {
      if (item.contentType !== 'Attachment') {
        resolved.push(item);
        continue;
      }
      const found = this.deps.attachments.uploadedOne(session, isRecord(item.attachment) ? item.attachment.id : undefined, tracingId);
      if ('refusal' in found) return reply(found.refusal);
      resolved.push({ contentType: 'Attachment', attachment: this.deps.attachments.json(found.attachment) });
    }
    if ((text === undefined || text === '') && resolved.length === 0)
      return reply(errorFrame(ERROR_CODES.badRequest, 'A message needs text or content', tracingId));
    const stored = this.#accept(
      session,
      { direction: 'Inbound', type, ...(text !== undefined ? { text } : {}), ...(resolved.length > 0 ? { content: resolved } : {}) },
      tracingId,
    );
    if (stored) this.deps.agent.guestMessage(session, stored);
  }

  /** Guest events: typing goes nowhere (no agent UI here), Join greets, Clear clears, others are kept. */
  #onEvent(session: GuestSession, message: Record<string, unknown>, tracingId: string | undefined): void {
    const events = Array.isArray(message.events) ? message.events.filter(isRecord) : [];
    const presence = events.map((e) => (isRecord(e.presence) ? e.presence.type : undefined));
    if (presence.includes('Clear')) return this.#clear(session);
    if (events.every((e) => e.eventType === 'Typing')) return;
    const stored = this.#accept(session, { direction: 'Inbound', type: 'Event', events }, tracingId);
    if (stored && presence.includes('Join')) this.deps.agent.guestJoined(session);
  }

  /**
   * Stores a guest message (or kept event) and echoes it to every socket of the session, as the
   * `lose` and `withhold-echo` faults allow; what was stored, or undefined when it was lost.
   *
   * The faults act here, at the point of storing, and nowhere earlier in `#onMessage`: a lost
   * message is one the platform took and then dropped, so it has had its 4029 turn (the rate limit
   * counts it; a request refused with 4029 is answered as usual and uses none of the count) and
   * passed every check (a request answered with an error frame uses none either: the guest knows
   * its fate). Only what would be stored and echoed counts: typing events and Clear, which leave
   * no echo either way, do not use up the count.
   */
  #accept(session: GuestSession, fields: Omit<StoredMessage, 'id' | 'time'>, tracingId: string | undefined): StoredMessage | undefined {
    if (session.loseNext > 0) {
      // Taken and lost: not stored, not echoed, not answered; the client's echo timeout must notice.
      session.loseNext--;
      return undefined;
    }
    const stored = this.deps.sessions.addMessage(session, fields);
    // A withheld echo: stored and answered, but the echo is lost on the way.
    if (session.withholdEchoNext > 0) session.withholdEchoNext--;
    else this.#deliver(session, stored, tracingId);
    return stored;
  }

  /** A message to every socket of the session: the guest's own echoed (with its tracingId), the agent's. */
  #deliver(session: GuestSession, message: StoredMessage, tracingId?: string): void {
    this.deps.sockets.publish(session.token, event('StructuredMessage', structuredMessageJson(message), tracingId));
  }

  /** Where the agent's messages go. */
  deliverFromAgent(session: GuestSession, message: StoredMessage): void {
    this.#deliver(session, message);
  }

  #getJwt(session: GuestSession, request: GuestRequest, reply: (frame: ServerFrame) => void): void {
    const exp = Math.floor(this.deps.now() / 1000) + SESSION_JWT_TTL_SECONDS;
    const jwt = this.deps.jwt.issue({ use: 'webmessaging-session', sessionId: session.id, deploymentId: session.deploymentId, exp });
    reply(response('JwtResponse', { jwt, exp }, request.tracingId));
  }

  #getConfiguration(request: GuestRequest, reply: (frame: ServerFrame) => void): void {
    const deployment = this.deps.deployments.deployments.get(request.deploymentId as string);
    if (!deployment) return reply(errorFrame(ERROR_CODES.badRequest, 'Unknown deploymentId', request.tracingId));
    const rules = this.deps.deployments.attachmentRules(deployment);
    reply(
      response(
        'GetConfigurationResponse',
        {
          allowedMedia: allowedMedia(rules),
          blockedExtensions: rules.blockedExtensions,
          maxCustomDataBytes: this.deps.limits.maxCustomDataBytes,
          messageRoutingEnabled: true,
          sessionDurationSeconds: this.deps.limits.sessionDurationSeconds,
        },
        request.tracingId,
      ),
    );
  }

  stop(): void {
    this.#stopped = true;
    for (const timer of this.#expiry.values()) clearTimeout(timer);
    this.#expiry.clear();
  }
}

function customAttributes(holder: Record<string, unknown>): unknown {
  const channel = holder.channel;
  return isRecord(channel) && isRecord(channel.metadata) ? channel.metadata.customAttributes : undefined;
}
