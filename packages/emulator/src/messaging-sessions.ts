/**
 * Web Messaging guest sessions, keyed by the guest's token (client-generated, at most 2,048
 * characters: reusing it resumes the session): their messages (the history that
 * `GET /api/v2/webmessaging/messages` pages), their attachments, and the 2-per-second `onMessage`
 * budget. Customer data lives here and in nothing the emulator logs.
 *
 * What it holds is bounded (`EmulatorOptions.messaging`): at most `maxSessions` sessions and
 * `maxStoredBytes` of messages (their JSON) and uploaded files together. Over either, the least
 * recently created sessions are forgotten, never the one being written (their sockets get 4007,
 * as for a token the platform does not know); if that one alone is over, its oldest files and then
 * its oldest messages go.
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
  /** Guest messages still to take and lose: not stored, echoed or answered (a fault: a server that dropped them). */
  loseNext: number;
  /** Guest messages still to store and answer without their echo (a fault: the echo lost on the way). */
  withholdEchoNext: number;
  /** Guest messages the agent answered, for its deterministic choice of reply. */
  answered: number;
  /** Bytes of its messages' JSON and uploaded files, counted against `maxStoredBytes`. */
  storedBytes: number;
  /** Its one live resume token, if it asked for one. */
  resumeToken: string | undefined;
}

/** How much the guest sessions may hold together (`EmulatorOptions.messaging`). */
export interface SessionBounds {
  /** Sessions held at once. */
  readonly maxSessions: number;
  /** Bytes of messages (their JSON) and uploaded files held at once, all sessions together. */
  readonly maxStoredBytes: number;
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
  #storedBytes = 0;
  /** Told of every session removed, whatever removed it (the protocol stops its expiry timer). */
  onRemove: (session: GuestSession) => void = () => {};

  constructor(
    private readonly random: Random,
    private readonly now: () => number,
    private readonly bounds: SessionBounds,
  ) {}

  /** Bytes held now (messages and files, all sessions). */
  get storedBytes(): number {
    return this.#storedBytes;
  }

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
      loseNext: 0,
      withholdEchoNext: 0,
      answered: 0,
      storedBytes: 0,
      resumeToken: undefined,
    };
    this.#byToken.set(token, session);
    this.#byId.set(session.id, session);
    this.#fit(session);
    return session;
  }

  remove(session: GuestSession): void {
    if (this.#byId.get(session.id) !== session) return;
    if (this.#byToken.get(session.token) === session) this.#byToken.delete(session.token);
    this.#byId.delete(session.id);
    for (const id of session.attachments.keys()) this.#attachments.delete(id);
    if (session.resumeToken !== undefined) this.#resumeTokens.delete(session.resumeToken);
    this.#storedBytes -= session.storedBytes;
    this.onRemove(session);
  }

  #count(session: GuestSession, bytes: number): void {
    session.storedBytes += bytes;
    this.#storedBytes += bytes;
  }

  /**
   * Back within the bounds: the least recently created sessions other than `keep` go first (the
   * maps keep creation order); then, if `keep` alone is over, its oldest files, then its oldest messages.
   */
  #fit(keep: GuestSession): void {
    const { maxSessions, maxStoredBytes } = this.bounds;
    for (const session of this.#byId.values()) {
      if (this.#byId.size <= maxSessions && this.#storedBytes <= maxStoredBytes) return;
      if (session !== keep) this.remove(session);
    }
    for (const attachment of keep.attachments.values()) {
      if (this.#storedBytes <= maxStoredBytes) return;
      this.dropFile(attachment);
    }
    while (this.#storedBytes > maxStoredBytes && keep.messages.length > 0) {
      const oldest = keep.messages.shift() as StoredMessage;
      this.#count(keep, -messageBytes(oldest));
    }
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
    // One live resume token per session: a new one replaces the last, so asking again and again holds nothing more.
    if (session.resumeToken !== undefined) this.#resumeTokens.delete(session.resumeToken);
    session.resumeToken = resumeToken;
    this.#resumeTokens.set(resumeToken, { sessionId: session.id, exp });
    return { resumeToken, exp };
  }

  /** The session a live resume token names (used once). */
  redeemResumeToken(resumeToken: string): GuestSession | undefined {
    const entry = this.#resumeTokens.get(resumeToken);
    this.#resumeTokens.delete(resumeToken);
    const session = entry ? this.#byId.get(entry.sessionId) : undefined;
    if (session?.resumeToken === resumeToken) session.resumeToken = undefined;
    if (!entry || entry.exp * 1000 <= this.now()) return undefined;
    return session;
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
    this.#count(session, messageBytes(message));
    this.#fit(session);
    return message;
  }

  /** Keeps an uploaded file (counted against the bounds: older ones may go to make room). */
  storeFile(attachment: Attachment, data: Buffer): void {
    const session = this.#byId.get(attachment.sessionId);
    if (!session) return;
    this.dropFile(attachment);
    attachment.state = 'uploaded';
    attachment.data = data;
    this.#count(session, data.length);
    this.#fit(session);
  }

  /** Lets go of a file (deleted, or dropped to stay within the bounds): the attachment is gone (4009). */
  dropFile(attachment: Attachment): void {
    const session = this.#byId.get(attachment.sessionId);
    if (attachment.data && session) this.#count(session, -attachment.data.length);
    delete attachment.data;
    if (attachment.state === 'uploaded') attachment.state = 'deleted';
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

/** What a message says, the same on the guest WebSocket and in the history. */
function messageFieldsJson(message: StoredMessage): Record<string, unknown> {
  return {
    type: message.type,
    ...(message.text !== undefined ? { text: message.text } : {}),
    ...(message.content ? { content: message.content } : {}),
    ...(message.events ? { events: message.events } : {}),
    direction: message.direction,
    ...(message.metadata ? { metadata: message.metadata } : {}),
    ...(message.originatingEntity ? { originatingEntity: message.originatingEntity } : {}),
  };
}

/** The body of a StructuredMessage frame (the guest WebSocket): its channel says `Private`. */
export function structuredMessageJson(message: StoredMessage): Record<string, unknown> {
  return { id: message.id, channel: { ...channelJson(message), type: 'Private' }, ...messageFieldsJson(message) };
}

/** A message as the history API (WebMessagingMessage) shows it. */
export function historyMessageJson(message: StoredMessage): Record<string, unknown> {
  return { id: message.id, channel: channelJson(message), ...messageFieldsJson(message) };
}

/** What a stored message counts against `maxStoredBytes`: its JSON. */
function messageBytes(message: StoredMessage): number {
  return Buffer.byteLength(JSON.stringify(message));
}
