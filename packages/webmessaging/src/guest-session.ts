/**
 * A Web Messaging guest session over Genesys' WebSocket protocol, on the resilient stream of
 * @switchboard/genesys: it connects, configures (or resumes) the session by its token, delivers the
 * conversation's messages once each and in order (live, and after a reconnect read back from the
 * history with a JWT from `getJwt`), paces what it sends to the protocol's 2 messages a second, and
 * settles every send at its echo or with a typed error.
 *
 * What the session sends and receives is customer data: no frame, text or token appears in an
 * event reason or an error message.
 */
import { randomUUID } from 'node:crypto';
import { AbortError, type CallOptions, type Client, type ProxySetting, untilAborted } from '@switchboard/core';
import { EventFanOut, ResilientStream, type StreamConnectionEvent, type StreamFrame, type StreamHandlers } from '@switchboard/genesys';
import { OutcomeUnknownError } from '@switchboard/middleware';
import type { WebMessagingOperations } from './generated/operations.js';
import { type GuestFrame, type IgnoredGuestFrameReason, parseGuestFrame, type ReceivedMessageEvent } from './guest-frame.js';
import {
  configureAuthenticatedSessionRequest,
  configureSessionRequest,
  echoRequest,
  getJwtRequest,
  buttonResponseRequest,
  textMessageRequest,
  typingRequest,
} from './guest-request.js';
import { GuestSessionError, type SessionEvent, streamFailure } from './session-events.js';
import { type AttachmentFile, SessionAttachments, type UploadAttachmentOptions, type UploadedAttachment } from './session-attachments.js';
import { fromFrame, fromHistory, matchesSend, type SessionMessage, timeOf } from './session-message.js';
import type { SessionCursor } from './session-record.js';
import type { SessionSignIn } from './session-sign-in.js';
import type { SendObserver, SessionObserver } from './session-telemetry.js';
import { echoTimeoutMs, type SessionOptions, streamSettings } from './session-options.js';
import { SessionPace } from './session-pace.js';

/** Where a session connects and what it is. */
export interface GuestSessionInfo {
  /** The guest WebSocket's base URL (`wss://webmessaging.<domain>/v1`), without its query. */
  readonly webMessagingUrl: string;
  /** The Web Messaging deployment. */
  readonly deploymentId: string;
  /** The session's token: reusing it resumes the session. */
  readonly token: string;
  /** Whether the first configureSession asks for a new session in place of a read-only one. */
  readonly startNew: boolean;
  /** How the socket connects (the client's proxy setting). */
  readonly proxy: ProxySetting;
  /** Its record in the client's store, when it was started by a key: where it resumes, moved on as messages are handed over. */
  readonly record?: SessionCursor | undefined;
  /** The guest's sign-in, for an authenticated session: each configure carries its JWT, and closing revokes it. */
  readonly signIn?: SessionSignIn | undefined;
  /** The client whose pipeline carries the session's HTTP beside the socket: attachment uploads to their presigned URLs. Without it, `uploadAttachment` is refused. */
  readonly client?: Pick<Client, 'call'> | undefined;
}

/** What a session has sent so far ({@link GuestSession.stats}). */
export interface SessionStats {
  /** onMessage frames sent, each attempt counted (a 4029 or a drop makes a second). */
  readonly sent: number;
  /** Sends settled by the server's echo. */
  readonly echoed: number;
  /** 4029 refusals (TooManyRequestsErrorMessage) waited out. */
  readonly rateLimited: number;
  /** Sends in doubt after a drop that the history did not hold, sent again. */
  readonly resent: number;
  /** Sends in doubt after a drop that the history held: settled without sending again. */
  readonly foundInHistory: number;
  /** Sends in doubt a second time, or when the session ended: rejected with OutcomeUnknownError. */
  readonly unknown: number;
}

/** A send not yet settled. */
interface PendingSend {
  readonly tracingId: string;
  readonly frame: string;
  readonly text: string;
  /** The attachments it carries: with its text, what it is looked up by in the history. */
  readonly attachmentIds: readonly string[];
  readonly signal: AbortSignal | undefined;
  /** Its listener on `signal`, removed once it settles. */
  readonly onAbort: () => void;
  readonly resolve: (message: SessionMessage) => void;
  readonly reject: (error: Error) => void;
  /**
   * `waiting`: its dispatch waits for the session and its turn (one dispatch per send);
   * `sent`: on the wire, waiting for its echo; `in-doubt`: sent on a connection that went before
   * its echo came, so the history decides.
   */
  state: 'waiting' | 'sent' | 'in-doubt';
  /** How many times it went out: a send goes out at most twice. */
  attempts: number;
  /** Drops the connection when the echo is overdue; cleared at the echo. */
  echoTimer: ReturnType<typeof setTimeout> | undefined;
  /** Its span and measures, when the client observes. */
  readonly observer: SendObserver | undefined;
}

/** A request answered by one frame (SessionResponse, JwtResponse). */
interface PendingAnswer {
  readonly kind: GuestFrame['kind'];
  readonly resolve: (frame: GuestFrame) => void;
  readonly reject: (error: Error) => void;
}

/** The history's largest page; the walk back stops after this many pages (what a session could hold). */
const HISTORY_PAGE_SIZE = 100;
const MAX_HISTORY_PAGES = 50;
/** The most events kept for the first iterator or listener; older ones are dropped (the history has the messages). */
const MAX_BACKLOG = 10_000;
/** What a configure (or getJwt) refused with ends the session: expired (4006), not found (4007), a sign-in refused (401), an authenticated session configured without one (4017). */
const REFUSED_CODES = new Set([4006, 4007, 401, 4017]);
/** How many settled sends' messages are remembered: far more than a reorder window or a gap fill holds. */
const MAX_CLAIMED = 256;
/** At most one typing event in this long: the Kotlin transport's TYPING_INDICATOR_COOL_DOWN_MILLISECONDS. */
const TYPING_COOLDOWN_MS = 5_000;
/** A send goes out at most this many times: once, and once more after a drop the history did not cover. */
const MAX_ATTEMPTS = 2;
/** A JWT from getJwt is asked for again when it has less than this left. */
const JWT_MARGIN_MS = 60_000;

/** One guest session; made by `WebMessagingAPI.startSession`. */
export class GuestSession {
  /** The session's token: keep it to resume the session (in this process or another). */
  readonly token: string;
  /** The Web Messaging deployment. */
  readonly deploymentId: string;
  readonly #api: WebMessagingOperations;
  readonly #closed: () => void;
  readonly #observer: SessionObserver | undefined;
  readonly #record: SessionCursor | undefined;
  readonly #signIn: SessionSignIn | undefined;
  /** Its attachments: uploads, download URLs, deletes (session-attachments.ts). */
  readonly #attachments: SessionAttachments;
  readonly #stream: ResilientStream<SessionMessage, SessionEvent, IgnoredGuestFrameReason | 'binary frame'>;
  /** The protocol's pace: 2 onMessage a second, spread evenly (and a 4029's retryAfter as a pause). */
  readonly #pace: SessionPace;
  /** Sends not settled, by tracingId, in call order: the first is the one on the wire, or next to go. */
  readonly #sends = new Map<string, PendingSend>();
  #pumping = false;
  /** When a typing event last went (0: none since the last message). */
  #typedAt = 0;
  /** The ids of the latest messages that settled a send (see #claim). */
  readonly #claimed = new Set<string>();
  readonly #answers = new Map<string, PendingAnswer>();
  /**
   * Its iterators and listeners. Until the first comes, events wait: the session connects (and
   * reads its history) as it starts, before the caller can listen. A message handed over moves
   * the session's record on (whoever resumes it goes on from there).
   */
  readonly #events = new EventFanOut<SessionEvent>({
    backlog: MAX_BACKLOG,
    handedOver: (event) => {
      if (event.type === 'message') this.#record?.advance(event.message.id);
    },
  });
  #jwt: { readonly jwt: string; readonly expiresAt: number } | undefined;
  #readOnly = false;
  #first = true;
  #startNew: boolean;
  /** Settles once the session is configured and its gap filled: what sends wait for. */
  #ready: Deferred = deferred();
  readonly #stats = { sent: 0, echoed: 0, rateLimited: 0, resent: 0, foundInHistory: 0, unknown: 0 };
  readonly #echoTimeoutMs: number;
  #end: GuestSessionError | undefined;
  /** Guest messages the current gap fill recovered: sends in doubt are looked up among them. */
  #recoveredGuest: SessionMessage[] = [];

  /**
   * @param api - the operations the session's own calls run on (its history).
   * @param info - where it connects and what it is.
   * @param options - how it keeps its connection, paces its sends and orders what it delivers.
   * @param closed - called once when it closes.
   * @param observer - its spans, metrics, client events and log lines.
   */
  constructor(
    api: WebMessagingOperations,
    info: GuestSessionInfo,
    options: SessionOptions = {},
    closed: () => void = () => undefined,
    observer?: SessionObserver,
  ) {
    this.#api = api;
    this.#closed = closed;
    this.#observer = observer;
    this.#record = info.record;
    this.#signIn = info.signIn;
    // The token and deployment checked now (a ValidationError naming neither value), not at each connection.
    configureSessionRequest({ token: info.token, tracingId: 'check', deploymentId: info.deploymentId });
    this.token = info.token;
    this.deploymentId = info.deploymentId;
    this.#startNew = info.startNew;
    this.#echoTimeoutMs = echoTimeoutMs(options);
    this.#attachments = new SessionAttachments({
      token: this.token,
      deploymentId: this.deploymentId,
      client: info.client,
      // An upload's verdict is an answer like an echo: as long a wait before the session asks after it.
      verdictMs: this.#echoTimeoutMs,
      send: (frame) => this.#stream.send(frame),
      whenReady: (signal, operationId) => this.#whenReady(signal, operationId),
      ended: () => this.#end,
      readOnly: () => this.#readOnly,
    });
    const pace = options.pace ?? { perSecond: 2, minSpacingMs: 510 };
    this.#pace = new SessionPace(pace.perSecond, pace.minSpacingMs);
    const uri = `${info.webMessagingUrl}?deploymentId=${encodeURIComponent(info.deploymentId)}&application=${encodeURIComponent('switchboard-webmessaging')}`;
    this.#stream = new ResilientStream(
      {
        uri,
        proxy: info.proxy,
        read: (text) => this.#read(text),
        idOf: (message) => message.id,
        timeOf,
        missed: (afterId, signal) => this.#missed(afterId, signal),
        opened: (send, signal) => this.#configure(send, signal),
        // The health check of the official clients: an echo, whose answer shows the server is there.
        heartbeat: () => echoRequest({ token: this.token, tracingId: randomUUID() }),
      },
      streamSettings(options),
      this.#handlers(),
    );
  }

  /** What the session has sent so far: frames out, echoes in, 4029 refusals waited out, sends looked up or sent again after a drop. */
  get stats(): SessionStats {
    return { ...this.#stats };
  }

  /** Whether the session is read-only: the agent disconnected; a new session needs `startNew`. */
  get readOnly(): boolean {
    return this.#readOnly;
  }

  /** Connects and resolves once the session is configured (or rejects with a GuestSessionError). */
  async start(signal?: AbortSignal): Promise<this> {
    // Resumed by its record: only what came after the last message handed over (by any process).
    this.#stream.start(this.#record?.after);
    await this.#whenReady(signal, 'start');
    return this;
  }

  /**
   * The session's events as they happen, by `type`; the iterator ends when the session closes or
   * `signal` aborts, and throws when it fails. The first iterator (or {@link GuestSession.on}
   * listener) also gets what came before it, since the session started: its history, and the
   * connection's opening.
   */
  events(options: { readonly signal?: AbortSignal } = {}): AsyncGenerator<SessionEvent, void, undefined> {
    return this.#events.events(options.signal);
  }

  /** Calls `listener` with each event of `type`; returns the function that removes it. */
  on<T extends SessionEvent['type']>(type: T, listener: (event: Extract<SessionEvent, { type: T }>) => void): () => void {
    return this.#events.on(type, listener as (event: SessionEvent) => void);
  }

  /**
   * Sends a text message, with attachments the guest uploaded when `attachmentIds` names them (the
   * text may then be empty); resolves with it once the server echoes it (its id and time, its
   * `attachments`), and rejects with a GuestSessionError for what the server refuses (4011 too
   * long, 4013 custom attributes too large, 4009 or 4010 an attachment unknown or not uploaded, 409
   * read-only, …) or a ValidationError, before anything is sent, for bad input. Sends go out at the
   * protocol's pace, one after another, in call order; a 4029 is waited out.
   */
  async sendMessage(
    text: string,
    options: Pick<CallOptions, 'signal'> & {
      /** Custom attributes, for the conversation's participant data. */
      readonly customAttributes?: Readonly<Record<string, string>>;
      /** Attachments uploaded with {@link GuestSession.uploadAttachment}, by id: the message's content. */
      readonly attachmentIds?: readonly string[];
    } = {},
  ): Promise<SessionMessage> {
    const tracingId = randomUUID();
    const { customAttributes, attachmentIds } = options;
    const frame = textMessageRequest({ token: this.token, tracingId, text, customAttributes, attachmentIds });
    return this.#enqueue(tracingId, frame, text, attachmentIds ?? [], options.signal);
  }

  /**
   * Answers a quick reply or a button an agent's or bot's message offered (its `quickReplies` or
   * `buttons`): a Structured message with a ButtonResponse, sent and settled as
   * {@link GuestSession.sendMessage} sends and settles a text (paced, in call order, at its echo).
   */
  sendReply(
    choice: {
      /** The text of the quick reply or button chosen (shown as the guest's message). */
      readonly text: string;
      /** Its payload, as the message offering it gave it. */
      readonly payload: string;
      /** What was chosen. @default 'QuickReply' */
      readonly type?: 'QuickReply' | 'Button';
      /** The id of the message that offered it. */
      readonly originatingMessageId?: string;
    },
    options: Pick<CallOptions, 'signal'> & {
      /** Custom attributes, for the conversation's participant data. */
      readonly customAttributes?: Readonly<Record<string, string>>;
    } = {},
  ): Promise<SessionMessage> {
    const tracingId = randomUUID();
    const frame = buttonResponseRequest({ token: this.token, tracingId, ...choice, customAttributes: options.customAttributes });
    return this.#enqueue(tracingId, frame, choice.text, [], options.signal);
  }

  /**
   * Tells the agent the guest is typing (a Typing event), at most once in 5 s (the cooldown of
   * Genesys' Kotlin transport; a message sent starts it again). Typing is worth no wait and no
   * retry: it resolves `true` when it went, `false` when it was not needed (within the cooldown),
   * or the session is not connected or is read-only. It takes its turn of the session's pace, so
   * that it never pushes a message over the protocol's 2 a second.
   */
  async sendTyping(options: Pick<CallOptions, 'signal'> = {}): Promise<boolean> {
    const now = Date.now();
    // Not connected, or connected but not yet configured (its gap not filled): typing is not worth the wait.
    if (this.#end || this.#readOnly || now - this.#typedAt < TYPING_COOLDOWN_MS || !this.#ready.settled || !this.#stream.connected)
      return false;
    this.#typedAt = now;
    await this.#pace.acquire('onMessage', options.signal);
    return this.#stream.send(typingRequest({ token: this.token, tracingId: randomUUID() }));
  }

  /** Queues a send (one frame, settled at its echo) behind those made before it. */
  #enqueue(
    tracingId: string,
    frame: string,
    text: string,
    attachmentIds: readonly string[],
    signal: AbortSignal | undefined,
  ): Promise<SessionMessage> {
    if (this.#end) return Promise.reject(this.#end);
    if (this.#readOnly) return Promise.reject(new GuestSessionError('rejected', 'the session is read-only', 409));
    if (signal?.aborted) return Promise.reject(new AbortError(signal.reason, { operationId: 'onMessage' }));
    // A message shows the guest typed: the next typing goes at once.
    this.#typedAt = 0;
    return new Promise<SessionMessage>((resolve, reject) => {
      const pending: PendingSend = {
        tracingId,
        frame,
        text,
        attachmentIds: [...attachmentIds],
        signal,
        onAbort: () => this.#settle(pending, new AbortError(signal?.reason, { operationId: 'onMessage' })),
        resolve,
        reject,
        state: 'waiting',
        attempts: 0,
        echoTimer: undefined,
        observer: this.#observer?.send(),
      };
      this.#sends.set(tracingId, pending);
      signal?.addEventListener('abort', pending.onAbort, { once: true });
      void this.#pump();
    });
  }

  /**
   * Uploads a file (a Buffer, or a stream with its `fileSize`) as an attachment: onAttachment, then
   * the PUT of its bytes to the presigned URL the server gives (through the client's pipeline: its
   * proxy, tracing, logging, retry policy), then the server's verdict. Resolves at its
   * UploadSuccessEvent; send it with `sendMessage(text, { attachmentIds: [attachmentId] })`.
   * Rejects with a ValidationError, before anything is sent, for bad input or a file the
   * deployment's rules refuse (a type it does not allow, an extension it blocks, a size over its
   * limit; asked once per session with getConfiguration), or for a stream that gives more bytes
   * than its fileSize (the excess is never sent) or fewer; with a GuestSessionError `rejected`
   * carrying the protocol's code when the server refuses it (4001 type, 4002 size, 4003 content, 409
   * read-only, …); with the pipeline's typed errors for the PUT (an AbortError when `signal` aborts).
   * No error holds the file's name, its bytes or a URL.
   */
  uploadAttachment(file: AttachmentFile, options: UploadAttachmentOptions): Promise<UploadedAttachment> {
    return this.#attachments.upload(file, options);
  }

  /**
   * A fresh download URL for an attachment (getAttachment): a presigned URL, valid for a while.
   * Rejects with a GuestSessionError `rejected` and the server's code: 4009 not found (or deleted),
   * 4010 not uploaded.
   */
  attachmentUrl(attachmentId: string, options: Pick<CallOptions, 'signal'> = {}): Promise<string> {
    return this.#attachments.downloadUrl(attachmentId, options.signal);
  }

  /** Deletes an attachment the guest uploaded (deleteAttachment); resolves at AttachmentDeletedResponse, rejects with 4009 when there is none. */
  deleteAttachment(attachmentId: string, options: Pick<CallOptions, 'signal'> = {}): Promise<void> {
    return this.#attachments.delete(attachmentId, options.signal);
  }

  /** Closes the socket (the session stays on the server: the token resumes it); pending sends reject. */
  async close(): Promise<void> {
    // The stream delivers what it held and says it closed before the iterators end, so that they see it.
    const closing = this.#stream.close('closed');
    this.#finish(new GuestSessionError('closed', 'the session was closed'));
    await closing;
    this.#pace.close();
    // The next process resumes after the last message handed over here.
    await this.#record?.flush();
    // Signed out: a JWT that leaks later is worth nothing (resuming needs a new sign-in).
    await this.#signIn?.revoke();
    this.#closed();
  }

  /**
   * Sends what is next, one message at a time, in call order: the first send not settled goes
   * once the session is ready and its turn has come, and the next waits until it is settled (at
   * its echo, a refusal, or the history's word after a drop). With one message on the wire, a
   * 4029 or a drop cannot put a later one before it in the conversation; the pace (510 ms apart)
   * is longer than an echo takes, so the wait costs no throughput. Called when a send is made or
   * settled and when one must go again; one loop runs at a time.
   */
  async #pump(): Promise<void> {
    if (this.#pumping) return;
    this.#pumping = true;
    try {
      for (let next = this.#next(); next?.state === 'waiting'; next = this.#next()) {
        const pending = next;
        clearTimeout(pending.echoTimer);
        try {
          await this.#whenReady(pending.signal, 'onMessage');
          await this.#pace.acquire('onMessage', pending.signal);
        } catch (error) {
          this.#settle(pending, error as Error);
          continue;
        }
        if (this.#next() !== pending || pending.state !== 'waiting' || !this.#stream.send(pending.frame)) continue;
        this.#stats.sent++;
        pending.state = 'sent';
        pending.attempts++;
        pending.observer?.sent(pending.attempts);
        pending.echoTimer = setTimeout(() => this.#echoOverdue(pending), this.#echoTimeoutMs);
      }
    } finally {
      this.#pumping = false;
    }
  }

  /** The first send not settled. */
  #next(): PendingSend | undefined {
    return this.#sends.values().next().value;
  }

  /** Sends `pending` again, in its place (first): a 4029 refused it, or the history after a drop does not hold it. */
  #again(pending: PendingSend): void {
    pending.state = 'waiting';
    clearTimeout(pending.echoTimer);
    void this.#pump();
  }

  /**
   * No echo in `echoTimeoutMs` on a connection that is otherwise alive: the connection is taken as
   * broken and opened again, and the history says whether the message arrived (see #caughtUp).
   */
  #echoOverdue(pending: PendingSend): void {
    if (pending.state === 'sent') this.#stream.reconnect('echo overdue');
  }

  /** Settles a send (once), and lets the next one go. */
  #settle(pending: PendingSend, outcome: Error | SessionMessage): void {
    if (this.#sends.get(pending.tracingId) !== pending) return;
    this.#sends.delete(pending.tracingId);
    clearTimeout(pending.echoTimer);
    // A long-lived signal (one per service, say) must not keep a listener per message.
    pending.signal?.removeEventListener('abort', pending.onAbort);
    if (outcome instanceof Error) {
      pending.observer?.settled('failed', outcome);
      pending.reject(outcome);
    } else {
      // Settled by a message while in doubt: the history's, after a drop; else its echo.
      pending.observer?.settled(pending.state === 'in-doubt' ? 'found-in-history' : 'echoed');
      this.#claim(outcome.id);
      pending.resolve(outcome);
    }
    void this.#pump();
  }

  /** Waits until the session is ready, it ends, or `signal` aborts; the abort listener goes with the wait (each send waits once). */
  async #whenReady(signal: AbortSignal | undefined, operationId: string): Promise<void> {
    if (signal?.aborted) throw new AbortError(signal.reason, { operationId });
    // Ready now: nothing to wait for (the race below would settle with the ready promise too, and
    // leave a reaction on the ended one, which stays pending while the session lives, at every send).
    if (this.#ready.settled) return;
    await untilAborted(Promise.race([this.#ready.promise, this.#ended.promise]), signal, operationId);
  }

  /** Rejected once, when the session ends: every wait races it (one promise, not one per wait). */
  readonly #ended = endedSignal();

  /** configureSession (configureAuthenticatedSession when signed in) after each open: a new session the first time (or with startNew), the token's own after that. */
  async #configure(send: (text: string) => void, signal: AbortSignal): Promise<void> {
    const tracingId = randomUUID();
    const request = { token: this.token, tracingId, deploymentId: this.deploymentId, startNew: this.#first && this.#startNew };
    // Signed in: the JWT goes with every configure (refreshed first when it is about to expire).
    const configure = this.#signIn
      ? configureAuthenticatedSessionRequest({ ...request, code: await this.#signIn.jwt(signal) })
      : configureSessionRequest(request);
    const answer = this.#await(tracingId, 'session', signal);
    send(configure);
    const frame = await answer;
    if (frame.kind !== 'session' || frame.body.connected !== true)
      throw Object.assign(new Error('the session was not configured'), { refused: true });
    this.#first = false;
    this.#startNew = false;
    if (frame.body.readOnly === true) this.#readOnly = true;
  }

  /** Waits for the frame that answers `tracingId` (an error frame rejects it), until the connection goes. */
  #await(tracingId: string, kind: GuestFrame['kind'], signal: AbortSignal): Promise<GuestFrame> {
    return new Promise((resolve, reject) => {
      this.#answers.set(tracingId, { kind, resolve, reject });
      signal.addEventListener(
        'abort',
        () => {
          this.#answers.delete(tracingId);
          reject(new Error('the connection closed'));
        },
        { once: true },
      );
    });
  }

  /** The history after `afterId` (all of it when undefined), oldest first, with a JWT from getJwt. */
  async *#missed(afterId: string | undefined, signal: AbortSignal): AsyncGenerator<SessionMessage, void, undefined> {
    this.#recoveredGuest = [];
    const guestJwt = await this.#guestJwt(signal);
    const newestFirst: SessionMessage[] = [];
    for (let pageNumber = 1; pageNumber <= MAX_HISTORY_PAGES; pageNumber++) {
      const { data } = await this.#api.getWebmessagingMessages({ pageSize: HISTORY_PAGE_SIZE, pageNumber }, { guestJwt, signal });
      const entities = data.entities ?? [];
      let reached = false;
      for (const entity of entities) {
        const message = fromHistory(entity);
        if (!message) continue;
        if (message.id === afterId) {
          reached = true;
          break;
        }
        newestFirst.push(message);
      }
      const last = data.pageCount !== undefined ? pageNumber >= data.pageCount : entities.length < HISTORY_PAGE_SIZE;
      if (reached || last || entities.length === 0) break;
    }
    // Oldest first; the history's order is by time, and equal times keep the server's order.
    yield* newestFirst.reverse().sort((a, b) => (timeOf(a) || 0) - (timeOf(b) || 0));
  }

  /** A JWT for the history: the one held while it has a minute left, else a new one from getJwt. */
  async #guestJwt(signal: AbortSignal): Promise<string> {
    if (this.#jwt && this.#jwt.expiresAt - Date.now() > JWT_MARGIN_MS) return this.#jwt.jwt;
    const tracingId = randomUUID();
    const answer = this.#await(tracingId, 'jwt', signal);
    if (!this.#stream.send(getJwtRequest({ token: this.token, tracingId }))) throw new Error('the connection closed');
    const frame = await answer;
    if (frame.kind !== 'jwt') throw new Error('getJwt was not answered');
    this.#jwt = { jwt: frame.body.jwt, expiresAt: frame.body.exp * 1000 };
    return frame.body.jwt;
  }

  /** Reads a frame: messages are the stream's items, agent events and session changes its live events, answers settle what waits for them. */
  #read(text: string): StreamFrame<SessionMessage, SessionEvent, IgnoredGuestFrameReason | 'binary frame'> {
    const frame = parseGuestFrame(text);
    const tracingId = frame.kind === 'ignored' ? undefined : frame.tracingId;
    const answer = tracingId === undefined ? undefined : this.#answers.get(tracingId);
    if (tracingId !== undefined && answer && (frame.kind === answer.kind || frame.kind === 'error')) {
      this.#answers.delete(tracingId);
      if (frame.kind === 'error')
        answer.reject(Object.assign(new Error(`refused (${frame.code})`), { refused: REFUSED_CODES.has(frame.code) }));
      else answer.resolve(frame);
      return { kind: 'quiet' };
    }
    // The attachments' answers and upload verdicts (by tracingId, else by attachment id).
    if (this.#attachments.read(frame)) return { kind: 'quiet' };
    return this.#readEvent(frame);
  }

  #readEvent(frame: GuestFrame): StreamFrame<SessionMessage, SessionEvent, IgnoredGuestFrameReason | 'binary frame'> {
    switch (frame.kind) {
      case 'ignored':
        return frame;
      case 'guest-echo':
      case 'agent-message': {
        const message = fromFrame(frame.body);
        if (!message) return { kind: 'ignored', reason: 'invalid structured message' };
        const sent = frame.kind === 'guest-echo' && frame.tracingId !== undefined ? this.#sends.get(frame.tracingId) : undefined;
        if (sent) {
          this.#stats.echoed++;
          this.#settle(sent, message);
        }
        return { kind: 'item', item: message };
      }
      case 'agent-event':
        if (frame.body.events.some(isDisconnect)) this.#readOnly = true;
        return { kind: 'live', event: { type: 'agent-event', events: frame.body.events } };
      case 'too-many-requests':
        return this.#tooMany(frame.tracingId, frame.retryAfter);
      case 'error':
        this.#refused(frame.tracingId, frame.code);
        return { kind: 'quiet' };
      case 'session-expired':
        return { kind: 'live', event: { type: 'session', state: 'expired' } };
      case 'session-cleared':
        return { kind: 'live', event: { type: 'session', state: 'cleared' } };
      case 'connection-closed':
        return { kind: 'live', event: { type: 'session', state: 'closed-elsewhere' } };
      case 'logout':
        return { kind: 'live', event: { type: 'session', state: 'logged-out' } };
      default:
        return { kind: 'quiet' };
    }
  }

  /** An error frame: the send it answers is refused (a 409 says the session is read-only). */
  #refused(tracingId: string | undefined, code: number): void {
    const pending = tracingId === undefined ? undefined : this.#sends.get(tracingId);
    if (!pending) return;
    if (code === 409) this.#readOnly = true;
    this.#settle(pending, new GuestSessionError('rejected', 'the server refused the message', code));
  }

  /** A 4029: nobody of this session sends before `retryAfter`; the refused send goes again (it was not stored). */
  #tooMany(tracingId: string | undefined, retryAfterSeconds: number): { kind: 'quiet' } {
    const waitMs = Math.max(1, retryAfterSeconds) * 1_000;
    this.#pace.pauseUntil(Date.now() + waitMs);
    this.#stats.rateLimited++;
    const refused = tracingId === undefined ? undefined : this.#sends.get(tracingId);
    refused?.observer?.rateLimited(waitMs);
    if (refused?.state === 'sent') this.#again(refused);
    return { kind: 'quiet' };
  }

  #handlers(): StreamHandlers<SessionMessage, SessionEvent, IgnoredGuestFrameReason | 'binary frame'> {
    return {
      item: (message, recovered) => {
        this.#observer?.received(message, recovered);
        if (recovered && message.direction === 'Inbound') this.#recoveredGuest.push(message);
        this.#emit({ type: 'message', message, recovered });
      },
      live: (event) => {
        if (event.type === 'agent-event' && event.events.some(isDisconnect)) this.#emit({ type: 'session', state: 'read-only' });
        this.#emit(event);
      },
      connection: (event) => {
        this.#observer?.connection(event);
        this.#connection(event);
      },
      gapFilled: (recovered, durationMs) => {
        this.#observer?.gapFilled(recovered, durationMs);
        this.#caughtUp();
      },
      ignored: (reason) => this.#observer?.ignoredFrame?.(reason),
      givingUp: (failure, detail) => this.#observer?.failed(streamFailure(failure, detail)),
      failed: (failure, detail) => this.#finish(streamFailure(failure, detail)),
      within: (work) => (this.#observer ? this.#observer.within(work) : work()),
    };
  }

  #connection(event: StreamConnectionEvent): void {
    if (event.state !== 'open' && this.#ready.settled) {
      // Down: sends wait for the next connection; those already sent wait for the history's word.
      this.#ready = deferred();
      for (const pending of this.#sends.values()) {
        if (pending.state !== 'sent') continue;
        pending.state = 'in-doubt';
        clearTimeout(pending.echoTimer);
      }
    }
    // Attachment requests in flight go again on the next connection (their answers went with this one).
    if (event.state !== 'open') this.#attachments.connectionLost(event.state === 'closed');
    this.#emit(event);
  }

  /**
   * The gap is filled: the session is ready. A send whose connection went before its echo is
   * looked up among the guest's messages the fill recovered (by its text, the oldest first): found,
   * it resolves with it; not found, the server did not store it (the history is read on a new
   * connection, after the old one's frames were all handled), so it goes once more. A send that
   * is in doubt after its second time rejects with OutcomeUnknownError: the server twice took it
   * without a word, and a third time could as well store it twice. (Two sends of the same text in
   * doubt at once are told apart by their order only.)
   */
  #caughtUp(): void {
    const recovered = [...this.#recoveredGuest];
    for (const pending of [...this.#sends.values()]) {
      if (pending.state !== 'in-doubt') continue;
      const at = recovered.findIndex(
        (message) => matchesSend(message, pending.text, pending.attachmentIds) && !this.#claimed.has(message.id),
      );
      if (at >= 0) {
        this.#stats.foundInHistory++;
        this.#settle(pending, recovered.splice(at, 1)[0] as SessionMessage);
      } else if (pending.attempts >= MAX_ATTEMPTS) {
        this.#settle(pending, this.#unknown(new GuestSessionError('unanswered', 'sent twice without an echo, and not in the history')));
      } else {
        this.#stats.resent++;
        this.#again(pending);
      }
    }
    this.#ready.resolve();
  }

  /**
   * Remembers the message that settled a send, so that no later send in doubt is matched with it:
   * an echo can still be in the reorder window when the connection drops, and the history then
   * brings it back beside the message in doubt, with the same text maybe.
   */
  #claim(messageId: string): void {
    this.#claimed.add(messageId);
    for (const oldest of this.#claimed) {
      if (this.#claimed.size <= MAX_CLAIMED) break;
      this.#claimed.delete(oldest);
    }
  }

  /** A send whose outcome nobody knows: counted, and the error that says why. */
  #unknown(failure: GuestSessionError): OutcomeUnknownError {
    this.#stats.unknown++;
    return new OutcomeUnknownError(failure, { operationId: 'onMessage' });
  }

  #emit(event: SessionEvent): void {
    this.#events.emit(event);
  }

  /** The session ended: every iterator ends (throwing its error unless it was closed), every send and wait rejects. */
  #finish(error: GuestSessionError): void {
    if (this.#end) return;
    this.#end = error;
    this.#events.end(error.failure === 'closed' ? undefined : error);
    this.#ended.reject(error);
    // A send on the wire without its echo may have arrived: its outcome is unknown, not refused.
    for (const pending of [...this.#sends.values()]) this.#settle(pending, pending.state === 'waiting' ? error : this.#unknown(error));
  }
}

/** A promise rejected at most once, later, with its rejection handled (no wait may be around to see it). */
function endedSignal(): { readonly promise: Promise<never>; readonly reject: (error: Error) => void } {
  let reject: (error: Error) => void = () => undefined;
  const promise = new Promise<never>((_, fail) => (reject = fail));
  promise.catch(() => undefined);
  return { promise, reject };
}

/** The agent's Presence Disconnect: the session is read-only from then on. */
function isDisconnect(event: ReceivedMessageEvent): boolean {
  return event.eventType === 'Presence' && event.presence?.type === 'Disconnect';
}

/** A promise to resolve later, and whether it has been. */
interface Deferred {
  readonly promise: Promise<void>;
  readonly resolve: () => void;
  readonly settled: boolean;
}

function deferred(): Deferred {
  let done: () => void = () => undefined;
  const state = { settled: false };
  const promise = new Promise<void>((resolve) => (done = resolve));
  return {
    promise,
    resolve: () => {
      state.settled = true;
      done();
    },
    get settled() {
      return state.settled;
    },
  };
}
