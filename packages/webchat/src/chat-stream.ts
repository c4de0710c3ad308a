/**
 * One guest chat's event stream: the websocket at its `eventStreamUri`, kept open across drops.
 *
 * - Every frame, heartbeats included, re-arms a stall timer of `stallAfterHeartbeats` heartbeat
 *   intervals; a connection silent for that long is closed and opened again.
 * - After a drop, an error close or a stall it reconnects after a full-jitter backoff, and gives
 *   up with an EventStreamError once it has been down for `giveUpAfterMs`, or at once when the
 *   server refuses the stream's credential (401, 403, 404).
 * - Each time it opens it fills the gap from the messages API: the messages after the last one
 *   delivered (all of them the first time). Live messages that arrive meanwhile wait for the fill,
 *   and every message is delivered once, by id, in the conversation's order.
 *
 * The stream's URI holds a credential: it appears in no event, reason or error.
 */
import { type BackoffOptions, fullJitterBackoff } from '@switchboard/middleware';
import { WebSocket } from 'ws';
import {
  type ChatConnectionEvent,
  type ChatEvent,
  EventStreamError,
  type EventStreamFailure,
  type EventStreamOptions,
} from './chat-events.js';
import type { WebChatMemberInfo, WebChatMessage, WebChatTyping } from './generated/models.js';
import type { StreamObserver } from './stream-telemetry.js';

/** Where a stream connects, and how it reads the messages it missed. */
export interface ChatStreamSource {
  readonly conversationId: string;
  readonly uri: string;
  /** The conversation's messages after `afterId` (all of them when undefined), oldest first. */
  missed(afterId: string | undefined, signal: AbortSignal): AsyncIterable<WebChatMessage>;
}

/** What a stream tells its chat. */
export interface ChatStreamSink {
  event(event: ChatEvent): void;
  /** The stream gave up; nothing follows. */
  failed(error: EventStreamError): void;
}

interface Frame {
  readonly topicName?: unknown;
  readonly eventBody?: Record<string, unknown>;
  readonly metadata?: { readonly type?: unknown };
}

/** Statuses that say the stream's credential is not (or no longer) good: reconnecting cannot help. */
const REFUSED = new Set([401, 403, 404]);
/** The longest a handshake may take before the attempt counts as failed. */
const HANDSHAKE_TIMEOUT_MS = 10_000;

export class ChatStream {
  readonly #source: ChatStreamSource;
  readonly #sink: ChatStreamSink;
  readonly #stallMs: number;
  readonly #reconnect: BackoffOptions;
  readonly #giveUpAfterMs: number;
  readonly #random: () => number;
  #socket: WebSocket | undefined;
  /** Connection attempts since the stream was last open. */
  #attempt = 0;
  #everOpen = false;
  /** Epoch ms since when no connection has been open; undefined while one is. */
  #downSince: number | undefined;
  #stallTimer: ReturnType<typeof setTimeout> | undefined;
  #reconnectTimer: ReturnType<typeof setTimeout> | undefined;
  #ended = false;
  readonly #delivered = new Set<string>();
  #lastMessageId: string | undefined;
  /** While the gap is filled, live messages wait here. */
  #held: WebChatMessage[] | undefined;
  #fill: AbortController | undefined;
  readonly #observer: StreamObserver | undefined;

  constructor(
    source: ChatStreamSource,
    options: EventStreamOptions,
    sink: ChatStreamSink,
    observer?: StreamObserver,
    random: () => number = Math.random,
  ) {
    this.#source = source;
    this.#sink = sink;
    this.#observer = observer;
    this.#stallMs = (options.heartbeatIntervalMs ?? 30_000) * (options.stallAfterHeartbeats ?? 2.5);
    this.#reconnect = options.reconnect ?? { baseMs: 250, capMs: 10_000 };
    this.#giveUpAfterMs = options.giveUpAfterMs ?? 120_000;
    this.#random = random;
  }

  /** Opens the first connection. */
  start(): void {
    this.#downSince = Date.now();
    this.#connect();
  }

  #connect(): void {
    if (this.#ended) return;
    this.#attempt++;
    let ws: WebSocket;
    try {
      // A connection that cannot be made in this long is one attempt that failed, well within the outage bound.
      ws = new WebSocket(this.#source.uri, { handshakeTimeout: Math.min(this.#stallMs, HANDSHAKE_TIMEOUT_MS) });
    } catch {
      // ws names the URI (and so its token) in this error: it is not passed on.
      return this.#giveUp('refused', 'invalid stream URI');
    }
    this.#socket = ws;
    let opened = false;
    let why: string | undefined;
    /** The connection counts as back (the outage clock and the backoff start again) once its gap is filled and a frame has come. */
    const up = { filled: false, heard: false };
    const markUp = (part: 'filled' | 'heard'): void => {
      up[part] = true;
      if (up.filled && up.heard && this.#socket === ws) {
        this.#downSince = undefined;
        this.#attempt = 0;
      }
    };
    ws.on('open', () => {
      if (this.#ended || this.#socket !== ws) return;
      opened = true;
      this.#connection('open', this.#attempt, this.#everOpen ? 'reconnected' : 'connected');
      this.#everOpen = true;
      this.#watch(ws, () => (why = 'heartbeat stalled'));
      const fill = () => this.#fillGap(ws, (failure) => (why = failure)).then((filled) => filled && markUp('filled'));
      void (this.#observer ? this.#observer.within(fill) : fill());
    });
    ws.on('message', (data) => {
      // A socket closing (ours, or one replaced) delivers nothing more.
      if (this.#ended || this.#socket !== ws) return;
      this.#watch(ws, () => (why = 'heartbeat stalled'));
      markUp('heard');
      this.#frame(
        Buffer.isBuffer(data)
          ? data.toString('utf8')
          : Array.isArray(data)
            ? Buffer.concat(data).toString('utf8')
            : Buffer.from(data).toString('utf8'),
      );
    });
    ws.on('error', (error) => {
      // ws says "Unexpected server response: 401" for a refused handshake: the status alone is kept.
      const status = /server response: (\d{3})/.exec(error.message)?.[1];
      why ??= status ? `HTTP ${status}` : ((error as { code?: string }).code ?? 'socket error');
    });
    ws.on('close', (code) => {
      if (this.#socket !== ws) return;
      this.#socket = undefined;
      clearTimeout(this.#stallTimer);
      this.#fill?.abort();
      if (this.#ended) return;
      const status = Number(/^HTTP (\d{3})$/.exec(why ?? '')?.[1]);
      if (REFUSED.has(status)) return this.#giveUp('refused', why ?? 'refused');
      this.#dropped(why ?? (opened ? (code === 1006 ? 'dropped' : `closed ${code}`) : 'could not connect'));
    });
  }

  /** Re-arms the stall timer: a connection silent for `stallMs` is closed (and then reopened). */
  #watch(ws: WebSocket, stalled: () => void): void {
    clearTimeout(this.#stallTimer);
    this.#stallTimer = setTimeout(() => {
      stalled();
      ws.terminate();
    }, this.#stallMs);
  }

  #dropped(reason: string): void {
    this.#downSince ??= Date.now();
    const downMs = Date.now() - this.#downSince;
    if (downMs >= this.#giveUpAfterMs) return this.#giveUp('outage', reason);
    this.#connection('reconnecting', this.#attempt + 1, reason);
    const waitMs = Math.min(fullJitterBackoff(this.#attempt + 1, this.#reconnect, this.#random), this.#giveUpAfterMs - downMs);
    this.#reconnectTimer = setTimeout(() => this.#connect(), waitMs);
  }

  #connection(state: ChatConnectionEvent['state'], attempt: number, reason: string): void {
    const event: ChatConnectionEvent = { type: 'connection', state, attempt, reason };
    this.#observer?.connection(event);
    this.#sink.event(event);
  }

  /**
   * Delivers what was missed while no connection was open, then what arrived meanwhile; whether
   * the gap was filled. A fill that fails drops the connection (`fail` gets the reason): the
   * next one fills again from the same place. A refusal (401, 403, 404: the guest JWT is gone) or
   * a closed client ends the stream.
   */
  async #fillGap(ws: WebSocket, fail: (reason: string) => void): Promise<boolean> {
    const held: WebChatMessage[] = [];
    this.#held = held;
    const fill = new AbortController();
    this.#fill = fill;
    const started = performance.now();
    let recovered = 0;
    try {
      for await (const message of this.#source.missed(this.#lastMessageId, fill.signal)) if (this.#deliver(message, true)) recovered++;
    } catch (error) {
      if (this.#ended || this.#socket !== ws) return false;
      const { status, code } = error as { status?: unknown; code?: unknown };
      if (typeof status === 'number' && REFUSED.has(status)) {
        this.#giveUp('refused', `gap fill: HTTP ${status}`);
        void this.#drop(ws);
        return false;
      }
      if (code === 'E_CLOSED') {
        this.#giveUp('outage', 'gap fill: the client is closed');
        void this.#drop(ws);
        return false;
      }
      fail('gap fill failed');
      ws.terminate();
      return false;
    } finally {
      if (this.#fill === fill) this.#fill = undefined;
    }
    // Aborted (the connection closed) or replaced by a newer connection's fill: its held messages are not ours to deliver.
    if (fill.signal.aborted || this.#held !== held) return false;
    this.#held = undefined;
    this.#observer?.gapFilled(recovered, performance.now() - started);
    for (const message of held) this.#deliver(message, false);
    return true;
  }

  /** Delivers a message unless it was delivered before; whether it was delivered now. */
  #deliver(message: WebChatMessage, recovered: boolean): boolean {
    if (this.#ended || message.id === undefined || this.#delivered.has(message.id)) return false;
    this.#delivered.add(message.id);
    this.#lastMessageId = message.id;
    this.#sink.event({ type: 'message', message, recovered });
    return true;
  }

  #frame(text: string): void {
    let frame: Frame;
    try {
      frame = JSON.parse(text) as Frame;
    } catch {
      return; // not a frame of this API: nothing to deliver
    }
    const topic = typeof frame.topicName === 'string' ? frame.topicName : '';
    const type = frame.metadata?.type;
    const body = frame.eventBody ?? {};
    if (topic.endsWith('.messages') && type === 'message') {
      const message = body as unknown as WebChatMessage;
      if (this.#held) this.#held.push(message);
      else this.#deliver(message, false);
    } else if (topic.endsWith('.messages') && type === 'typing-indicator') {
      this.#sink.event({ type: 'typing', typing: body as unknown as WebChatTyping });
    } else if (topic.endsWith('.members') && type === 'member-change' && typeof body.member === 'object' && body.member !== null) {
      this.#sink.event({ type: 'member-change', member: body.member as WebChatMemberInfo });
    }
  }

  #giveUp(failure: EventStreamFailure, detail: string): void {
    const error = new EventStreamError(failure, detail, this.#source.conversationId);
    this.#observer?.failed(error);
    this.#end(failure === 'outage' ? 'gave up' : 'refused');
    this.#sink.failed(error);
  }

  #end(reason: string): void {
    if (this.#ended) return;
    this.#ended = true;
    clearTimeout(this.#stallTimer);
    clearTimeout(this.#reconnectTimer);
    this.#fill?.abort();
    this.#connection('closed', this.#attempt, reason);
  }

  /** Closes the stream for good (the chat was left or closed); resolves once its socket is gone. */
  async close(reason: string): Promise<void> {
    this.#end(reason);
    const ws = this.#socket;
    this.#socket = undefined;
    if (ws) await this.#drop(ws, reason);
  }

  /** Closes a socket politely, or at once when it is not open; resolves once it is gone. */
  async #drop(ws: WebSocket, reason = ''): Promise<void> {
    if (ws.readyState === WebSocket.CLOSED) return;
    const closed = new Promise((resolve) => ws.once('close', resolve));
    let timer: ReturnType<typeof setTimeout> | undefined;
    if (ws.readyState === WebSocket.OPEN) {
      ws.close(1000, reason);
      // A server that never answers the close frame does not keep the socket.
      timer = setTimeout(() => ws.terminate(), 1_000);
    } else ws.terminate();
    await closed;
    clearTimeout(timer);
  }
}
