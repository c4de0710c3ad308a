/**
 * Web Messaging guest sessions, keyed by the guest's token (client-generated, at most 2,048
 * characters: reusing it resumes the session): their messages (the history that
 * `GET /api/v2/webmessaging/messages` pages), their attachments, and the 2-per-second `onMessage`
 * budget. Customer data lives here and in nothing the emulator logs.
 */
import type { Random } from './random.js';

export type Direction = 'Inbound' | 'Outbound';

/** A message as both the guest WebSocket (StructuredMessage) and the history (WebMessagingMessage) show it. */
export interface StoredMessage {
  readonly id: string;
  readonly direction: Direction;
  readonly type: 'Text' | 'Structured' | 'Event';
  readonly time: string;
  readonly text?: string;
  readonly content?: readonly Record<string, unknown>[];
  readonly events?: readonly Record<string, unknown>[];
  readonly metadata?: Readonly<Record<string, string>>;
  readonly originatingEntity?: 'Human' | 'Bot';
  /** Who sent it, for an outbound message (the agent's nickname). */
  readonly from?: string;
}

export interface Attachment {
  readonly id: string;
  readonly sessionId: string;
  readonly fileName: string;
  readonly fileType: string;
  /** The size the guest declared in `onAttachment`. */
  readonly declaredSize: number | undefined;
  state: 'awaiting-upload' | 'uploaded' | 'failed' | 'deleted';
  data?: Buffer;
  /** A secret in the upload and download URLs: a presigned URL is the only credential it needs. */
  readonly signature: string;
}

export type SessionState = 'active' | 'read-only' | 'closed' | 'expired';

export interface GuestSession {
  readonly id: string;
  /** The guest's token; changes only when a `resumeToken` moves the session to a new one. */
  token: string;
  readonly deploymentId: string;
  readonly createdAt: number;
  readonly expiresAt: number;
  state: SessionState;
  authenticated: boolean;
  readonly messages: StoredMessage[];
  readonly attachments: Map<string, Attachment>;
  /** When the `onMessage` requests of the last second were accepted (the 2-per-second limit). */
  readonly accepted: number[];
  /** `onMessage` requests still to refuse with 4029 whatever the rate (a fault: 4029 in bursts). */
  refuseNext: number;
  /** Guest messages the agent answered, for its deterministic choice of reply. */
  answered: number;
}

/** Genesys' guest token limit (the notes' guestTokenFormat fact). */
export const MAX_TOKEN_CHARACTERS = 2_048;

export class GuestSessions {
  readonly #byToken = new Map<string, GuestSession>();
  readonly #byId = new Map<string, GuestSession>();
  /** Attachments by id, across sessions: an upload URL names only the attachment. */
  readonly #attachments = new Map<string, Attachment>();
  /** Resume tokens (`resumeToken` action) to the session they resume. */
  readonly #resumeTokens = new Map<string, { sessionId: string; exp: number }>();

  constructor(
    private readonly random: Random,
    private readonly now: () => number,
  ) {}

  byToken(token: string): GuestSession | undefined {
    return this.#byToken.get(token);
  }

  byId(id: string): GuestSession | undefined {
    return this.#byId.get(id);
  }

  get size(): number {
    return this.#byToken.size;
  }

  all(): IterableIterator<GuestSession> {
    return this.#byId.values();
  }

  /** A new session for `token`, replacing any it had (startNew, or a token whose session was cleared). */
  create(token: string, deploymentId: string, durationSeconds: number, authenticated: boolean): GuestSession {
    const previous = this.#byToken.get(token);
    if (previous) this.remove(previous);
    const now = this.now();
    const session: GuestSession = {
      id: this.random.uuid(),
      token,
      deploymentId,
      createdAt: now,
      expiresAt: now + durationSeconds * 1000,
      state: 'active',
      authenticated,
      messages: [],
      attachments: new Map(),
      accepted: [],
      refuseNext: 0,
      answered: 0,
    };
    this.#byToken.set(token, session);
    this.#byId.set(session.id, session);
    return session;
  }

  remove(session: GuestSession): void {
    if (this.#byToken.get(session.token) === session) this.#byToken.delete(session.token);
    this.#byId.delete(session.id);
    for (const id of session.attachments.keys()) this.#attachments.delete(id);
  }

  /** Moves a session to another token (a resume token used with a new guest token). */
  rekey(session: GuestSession, token: string): void {
    const other = this.#byToken.get(token);
    if (other && other !== session) this.remove(other);
    this.#byToken.delete(session.token);
    session.token = token;
    this.#byToken.set(token, session);
  }

  issueResumeToken(session: GuestSession, ttlSeconds: number): { resumeToken: string; exp: number } {
    const resumeToken = this.random.uuid().replaceAll('-', '') + this.random.uuid().replaceAll('-', '');
    const exp = Math.floor(this.now() / 1000) + ttlSeconds;
    this.#resumeTokens.set(resumeToken, { sessionId: session.id, exp });
    return { resumeToken, exp };
  }

  /** The session a live resume token names (used once). */
  redeemResumeToken(resumeToken: string): GuestSession | undefined {
    const entry = this.#resumeTokens.get(resumeToken);
    this.#resumeTokens.delete(resumeToken);
    if (!entry || entry.exp * 1000 <= this.now()) return undefined;
    return this.#byId.get(entry.sessionId);
  }

  /**
   * Counts an `onMessage` against the session's limit (`perSecond` in any second); the seconds to
   * wait when over it. A refused request is not counted, so a client that waits `retryAfter` gets in.
   */
  takeMessageTurn(session: GuestSession, perSecond: number): { ok: true } | { ok: false; retryAfter: number } {
    const now = this.now();
    if (session.refuseNext > 0) {
      session.refuseNext--;
      return { ok: false, retryAfter: 1 };
    }
    while (session.accepted.length > 0 && now - (session.accepted[0] as number) >= 1000) session.accepted.shift();
    if (session.accepted.length >= perSecond) {
      const waitMs = (session.accepted[0] as number) + 1000 - now;
      return { ok: false, retryAfter: Math.max(1, Math.ceil(waitMs / 1000)) };
    }
    session.accepted.push(now);
    return { ok: true };
  }

  /** A message with its id and time, not stored: what is sent but is no history (typing, echo answers). */
  transient(fields: Omit<StoredMessage, 'id' | 'time'>): StoredMessage {
    return { ...fields, id: this.random.uuid().replaceAll('-', ''), time: new Date(this.now()).toISOString() };
  }

  addMessage(session: GuestSession, fields: Omit<StoredMessage, 'id' | 'time'>): StoredMessage {
    const message = this.transient(fields);
    session.messages.push(message);
    return message;
  }

  addAttachment(session: GuestSession, fields: Pick<Attachment, 'fileName' | 'fileType' | 'declaredSize'> & { id?: string }): Attachment {
    const attachment: Attachment = {
      id: fields.id !== undefined && !this.#attachments.has(fields.id) ? fields.id : this.random.uuid(),
      sessionId: session.id,
      fileName: fields.fileName,
      fileType: fields.fileType,
      declaredSize: fields.declaredSize,
      state: 'awaiting-upload',
      signature: this.random.uuid().replaceAll('-', ''),
    };
    session.attachments.set(attachment.id, attachment);
    this.#attachments.set(attachment.id, attachment);
    return attachment;
  }

  attachment(id: string): Attachment | undefined {
    return this.#attachments.get(id);
  }
}

// Wire shapes -------------------------------------------------------------------------------

/** A message's channel: when, its id, and who it is from or to. */
function channelJson(message: StoredMessage): Record<string, unknown> {
  return {
    time: message.time,
    messageId: message.id,
    ...(message.from !== undefined ? { from: { nickname: message.from }, to: {} } : {}),
  };
}

/** The body of a StructuredMessage frame (the guest WebSocket). */
export function structuredMessageJson(message: StoredMessage): Record<string, unknown> {
  return {
    id: message.id,
    channel: { ...channelJson(message), type: 'Private' },
    type: message.type,
    ...(message.text !== undefined ? { text: message.text } : {}),
    ...(message.content ? { content: message.content } : {}),
    ...(message.events ? { events: message.events } : {}),
    direction: message.direction,
    ...(message.metadata ? { metadata: message.metadata } : {}),
    ...(message.originatingEntity ? { originatingEntity: message.originatingEntity } : {}),
  };
}

/** A message as the history API (WebMessagingMessage) shows it. */
export function historyMessageJson(message: StoredMessage): Record<string, unknown> {
  return {
    id: message.id,
    channel: channelJson(message),
    type: message.type,
    ...(message.text !== undefined ? { text: message.text } : {}),
    ...(message.content ? { content: message.content } : {}),
    ...(message.events ? { events: message.events } : {}),
    direction: message.direction,
    ...(message.metadata ? { metadata: message.metadata } : {}),
    ...(message.originatingEntity ? { originatingEntity: message.originatingEntity } : {}),
  };
}
