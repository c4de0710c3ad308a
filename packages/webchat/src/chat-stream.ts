/**
 * One guest chat's event stream: the websocket at its `eventStreamUri`, kept open across drops.
 *
 * - Every frame, heartbeats included, re-arms a stall timer of `stallAfterHeartbeats` heartbeat
 *   intervals; a connection silent for that long is closed and opened again.
 * - A connection that has not opened within min(stall bound, 10 s) of its start is abandoned (`could
 *   not connect (timed out)`): ws's own handshake timeout starts only once it has a socket, and
 *   through a proxy that is once CONNECT has succeeded, so a proxy that never answers would hold the
 *   attempt (and the stream) forever. Its socket to the proxy is closed too.
 * - After a drop, an error close, a stall or a connection that could not be made it reconnects after
 *   a full-jitter backoff, and gives up with an EventStreamError once it has been down for
 *   `giveUpAfterMs`, or at once when the server refuses the stream's credential (401, 403, 404).
 * - Each time it opens it fills the gap from the messages API: the messages after the last one
 *   delivered (all of them the first time). Live events that arrive meanwhile wait for the fill,
 *   and every message is delivered once, by id, in the conversation's order. What waits is bounded
 *   (MAX_HELD_EVENTS, and MAX_HELD_FRAMES frames of `maxFrameBytes` in bytes): past that the
 *   connection drops and the next fill reads the messages from the messages API.
 * - Frames are read without trusting them (chat-frame.ts): one that is not what the API sends is
 *   ignored and counted, never thrown. A frame larger than `maxFrameBytes` makes ws close the
 *   connection (1009): a drop like any other, whose messages the gap fill recovers.
 * - Live events pass through a reorder window (reorder-window.ts) of `reorderWindowMs`, so that a
 *   message sent earlier that arrives a little later is still delivered first.
 * - Nothing that a listener, the sink or the observer throws reaches ws's event handlers (where it
 *   would be an uncaught exception): each call out is guarded.
 *
 * The stream's URI holds a credential: it appears in no event, reason or error.
 */
import { ConfigurationError, isProxyConnectFailure, type ProxySetting, proxyFor } from '@switchboard/core';
import { type BackoffOptions, fullJitterBackoff } from '@switchboard/middleware';
import { HttpsProxyAgent } from 'https-proxy-agent';
import { type RawData, WebSocket } from 'ws';
import {
  type ChatConnectionEvent,
  type ChatEvent,
  EventStreamError,
  type EventStreamFailure,
  checkEventStreamOptions,
  type EventStreamOptions,
  stallBoundMs,
} from './chat-events.js';
import { type IgnoredFrameReason, parseFrame } from './chat-frame.js';
import type { WebChatMessage } from './generated/models.js';
import { ReorderWindow } from './reorder-window.js';
import type { StreamObserver } from './stream-telemetry.js';

/** Where a stream connects, and how it reads the messages it missed. */
export interface ChatStreamSource {
  readonly conversationId: string;
  readonly uri: string;
  /**
   * The client's proxy setting: the stream connects the way API calls do (see core's `proxyFor`).
   * Undefined reads the environment's proxy variables.
   */
  readonly proxy?: ProxySetting;
  /** The conversation's messages after `afterId` (all of them when undefined), oldest first. */
  missed(afterId: string | undefined, signal: AbortSignal): AsyncIterable<WebChatMessage>;
}

/** What a stream tells its chat. Calls that throw are caught (and the error dropped): the stream goes on. */
export interface ChatStreamSink {
  event(event: ChatEvent): void;
  /** The stream gave up; nothing follows. */
  failed(error: EventStreamError): void;
}

/** A live event: what the reorder window holds. */
type LiveEvent = Exclude<ChatEvent, ChatConnectionEvent>;

/** Statuses that say the stream's credential is not (or no longer) good: reconnecting cannot help. */
const REFUSED = new Set([401, 403, 404]);
/** The longest a connection may take to open (the stall bound when shorter) before the attempt counts as failed. */
const HANDSHAKE_TIMEOUT_MS = 10_000;
/**
 * The most live events held at once: while a gap fill runs they all wait, and the upstream decides
 * how long a fill takes and how fast events come. A real chat brings a few events a second and a
 * fill takes a few page reads (seconds), so tens are held; 1,000 is far above that and still a
 * bounded amount. Past it the connection is dropped and the window cleared: the messages held are
 * read again by the next fill (they were not delivered, so it reads from before them), typing is
 * stale by then, and member changes are lost as they are while the stream is down. Inserting into
 * the window is O(n) in what it holds: with this bound, a thousand steps at most.
 */
const MAX_HELD_EVENTS = 1_000;
/**
 * The bytes held, in frames of `maxFrameBytes`: 1,000 frames of 256 KiB would be 250 MiB, and a
 * hostile upstream sends the largest it may. 32 of them is 8 MiB by default (the client's bound on
 * one answer), several hundred ordinary events, and grows with a `maxFrameBytes` raised on purpose.
 */
const MAX_HELD_FRAMES = 32;
/** The reason of a connection dropped because too much was held. */
const TOO_MUCH_HELD = 'too many events held';
/**
 * The default bound on one frame. The largest frame the API sends is a message event: a body of at
 * most 4,000 characters (24,000 bytes in the worst case, every character escaped as `\u00XX` in
 * JSON) in an envelope with the sender's member info, so a few tens of KiB. 256 KiB leaves ten
 * times that for member info with custom fields, and still refuses what no chat sends (ws would
 * otherwise hold up to 100 MiB per frame).
 */
const DEFAULT_MAX_FRAME_BYTES = 256 * 1024;
/**
 * The default reorder window. Messages swap on the way when two members send at almost the same
 * moment (a guest and an agent at once); a quarter of a second covers that, and is a delay a
 * reader of a chat does not notice.
 */
const DEFAULT_REORDER_WINDOW_MS = 250;

/** How a reason starts when the proxy wants credentials: no reconnect can change that. */
const PROXY_REFUSED = 'the proxy refused the tunnel';

/**
 * Why a connection failed, in words that hold no URI or token. Through a proxy, a failure to
 * connect is the proxy's (its origin is named, never its credentials), and a 407 can only be its.
 */
function socketErrorReason(error: Error, proxy: URL | undefined): string {
  // ws says "Unexpected server response: 401" for a refused handshake: the status alone is kept.
  const status = /server response: (\d{3})/.exec(error.message)?.[1];
  if (status === '407' && proxy) return `${PROXY_REFUSED} (HTTP 407 from ${proxy.origin})`;
  if (status) return `HTTP ${status}`;
  const code = (error as { code?: unknown }).code;
  if (code === 'WS_ERR_UNSUPPORTED_MESSAGE_LENGTH') return 'frame too large';
  if (typeof code !== 'string') return 'socket error';
  return proxy && isProxyConnectFailure(code) ? `${code} at the proxy ${proxy.origin}` : code;
}

/** A frame's bytes: ws hands a frame over as a Buffer (or its fragments). */
function bufferOf(data: RawData): Buffer {
  if (Buffer.isBuffer(data)) return data;
  return Array.isArray(data) ? Buffer.concat(data) : Buffer.from(data);
}

/** A message's server timestamp in epoch ms; NaN when it has none that parses. */
function timestampOf(message: WebChatMessage): number {
  return typeof message.timestamp === 'string' ? Date.parse(message.timestamp) : Number.NaN;
}

/** Runs a call out of the stream (the sink, an observer); what it throws is dropped: it must not reach ws's event handlers. */
function guarded(call: () => void): void {
  try {
    call();
  } catch {
    // Not ours to handle: a listener or observer that throws does not stop the stream.
  }
}

export class ChatStream {
  readonly #source: ChatStreamSource;
  readonly #sink: ChatStreamSink;
  readonly #stallMs: number;
  /** How long a connection may take to open. */
  readonly #connectMs: number;
  readonly #reconnect: BackoffOptions;
  readonly #giveUpAfterMs: number;
  readonly #maxFrameBytes: number;
  readonly #maxHeldBytes: number;
  readonly #random: () => number;
  #socket: WebSocket | undefined;
  /** The proxy of the connection being made, if any, to name it in reasons. */
  #proxy: URL | undefined;
  /** Connection attempts since the stream was last open. */
  #attempt = 0;
  #everOpen = false;
  /** Epoch ms since when no connection has been open; undefined while one is. */
  #downSince: number | undefined;
  #stallTimer: ReturnType<typeof setTimeout> | undefined;
  #reconnectTimer: ReturnType<typeof setTimeout> | undefined;
  /** Set as the stream starts to end (its held events are flushed then); `#ended` once they are. */
  #ending = false;
  #ended = false;
  readonly #delivered = new Set<string>();
  #lastMessageId: string | undefined;
  /** Live events wait here: for their reorder window, and while the stream is down or filling its gap. */
  readonly #window: ReorderWindow<LiveEvent>;
  #fill: AbortController | undefined;
  #ignoredFrames = 0;
  readonly #observer: StreamObserver | undefined;

  constructor(
    source: ChatStreamSource,
    options: EventStreamOptions,
    sink: ChatStreamSink,
    observer?: StreamObserver,
    random: () => number = Math.random,
  ) {
    // WebChatAPI checked them already; a GuestChat made by hand is checked here, before any timer.
    checkEventStreamOptions(options);
    this.#source = source;
    this.#sink = sink;
    this.#observer = observer;
    this.#stallMs = stallBoundMs(options);
    // A connection that cannot be made in this long is one attempt that failed, well within the outage bound.
    this.#connectMs = Math.min(this.#stallMs, HANDSHAKE_TIMEOUT_MS);
    this.#reconnect = options.reconnect ?? { baseMs: 250, capMs: 10_000 };
    this.#giveUpAfterMs = options.giveUpAfterMs ?? 120_000;
    this.#maxFrameBytes = options.maxFrameBytes ?? DEFAULT_MAX_FRAME_BYTES;
    this.#maxHeldBytes = MAX_HELD_FRAMES * this.#maxFrameBytes;
    this.#random = random;
    // Paused until the first gap fill: nothing live goes out before the history it follows.
    this.#window = new ReorderWindow(options.reorderWindowMs ?? DEFAULT_REORDER_WINDOW_MS, (event) => this.#release(event), true);
  }

  /** Frames ignored so far: not JSON, not an object, not what the API sends (each also told to the observer's `ignoredFrame`). */
  get ignoredFrames(): number {
    return this.#ignoredFrames;
  }

  /** Opens the first connection. */
  start(): void {
    this.#downSince = Date.now();
    this.#connect();
  }

  #connect(): void {
    if (this.#ended) return;
    this.#attempt++;
    // The agent's socket to the proxy is its own until CONNECT succeeds: ws.terminate() cannot reach
    // it (the agent does not watch the request it serves), so an attempt abandoned before then would
    // leave it open. Aborting this closes it (net and tls sockets take the signal).
    const connecting = new AbortController();
    let ws: WebSocket;
    try {
      // Read at each connection, as the HTTP transports read NO_PROXY: a tunnel through the proxy (CONNECT), or none.
      this.#proxy = proxyFor(this.#source.uri, this.#source.proxy);
      const agent = this.#proxy ? { agent: new HttpsProxyAgent(this.#proxy, { signal: connecting.signal }) } : {};
      // No handshakeTimeout: #listen's connect timer covers the whole attempt, the wait for a socket included.
      ws = new WebSocket(this.#source.uri, { maxPayload: this.#maxFrameBytes, ...agent });
    } catch (error) {
      // A proxy variable that is no URL: its ConfigurationError names the variable, never its value.
      if (error instanceof ConfigurationError) return this.#giveUp('refused', error.message);
      // ws names the URI (and so its token) in this error: it is not passed on.
      return this.#giveUp('refused', 'invalid stream URI');
    }
    this.#socket = ws;
    this.#listen(ws, connecting);
  }

  #listen(ws: WebSocket, connecting: AbortController): void {
    let opened = false;
    let why: string | undefined;
    // Until 'open': ws's handshakeTimeout would start only with a socket, which through a proxy comes after CONNECT.
    const connectTimer = setTimeout(() => {
      why ??= 'could not connect (timed out)';
      ws.terminate();
    }, this.#connectMs);
    const stalled = () => (why = 'heartbeat stalled');
    /** The connection counts as back (the outage clock and the backoff start again) once its gap is filled and a frame of the API has come. */
    const up = { filled: false, heard: false };
    const markUp = (part: 'filled' | 'heard'): void => {
      up[part] = true;
      if (up.filled && up.heard && this.#socket === ws) {
        this.#downSince = undefined;
        this.#attempt = 0;
      }
    };
    ws.on('open', () => {
      clearTimeout(connectTimer);
      if (this.#ended || this.#socket !== ws) return;
      opened = true;
      this.#connection('open', this.#attempt, this.#everOpen ? 'reconnected' : 'connected');
      this.#everOpen = true;
      this.#watch(ws, stalled);
      this.#within(() => this.#fillGap(ws, (failure) => (why = failure)).then((filled) => void (filled && markUp('filled'))));
    });
    ws.on('message', (data, isBinary) => {
      // A socket closing (ours, one replaced, one dropped for holding too much) delivers nothing more.
      if (this.#ending || this.#socket !== ws || ws.readyState !== WebSocket.OPEN) return;
      // Any frame shows the connection is alive; only one of the API's shows the server is there.
      this.#watch(ws, stalled);
      if (isBinary ? this.#ignore('binary frame') : this.#frame(bufferOf(data))) markUp('heard');
      if (this.#window.size > MAX_HELD_EVENTS || this.#window.bytes > this.#maxHeldBytes) {
        // What is held goes with the connection: the next gap fill reads its messages again.
        why = TOO_MUCH_HELD;
        this.#window.clear();
        ws.terminate();
      }
    });
    ws.on('error', (error) => (why ??= socketErrorReason(error, this.#proxy)));
    ws.on('close', (code) => {
      clearTimeout(connectTimer);
      // An attempt that never opened (timed out, refused, closed by us): its socket to the proxy goes too.
      if (!opened) connecting.abort();
      if (this.#socket !== ws) return;
      this.#socket = undefined;
      clearTimeout(this.#stallTimer);
      this.#fill?.abort();
      // Down: live events wait for the next gap fill, which reads from the last message delivered.
      this.#window.pause();
      if (this.#ending) return;
      const status = Number(/^HTTP (\d{3})$/.exec(why ?? '')?.[1]);
      if (REFUSED.has(status) || why?.startsWith(PROXY_REFUSED)) return this.#giveUp('refused', why ?? 'refused');
      this.#dropped(why ?? (opened ? (code === 1006 ? 'dropped' : `closed ${code}`) : 'could not connect'));
    });
  }

  /** Runs the gap fill inside the observer's span; it runs once even when the observer throws. */
  #within(fill: () => Promise<void>): void {
    let ran = false;
    const once = (): Promise<void> => {
      ran = true;
      return fill();
    };
    try {
      const result: unknown = this.#observer?.within(once);
      if (result instanceof Promise) result.catch(() => undefined);
    } catch {
      // An observer that throws does not keep the gap from being filled.
    }
    if (!ran) void once();
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
    guarded(() => this.#observer?.connection(event));
    this.#emit(event);
  }

  #emit(event: ChatEvent): void {
    guarded(() => this.#sink.event(event));
  }

  /**
   * Delivers what was missed while no connection was open, merged with the live events held
   * meanwhile; whether the gap was filled. A fill that fails drops the connection (`fail` gets the
   * reason): the next one fills again from the same place. A refusal (401, 403, 404: the guest JWT
   * is gone) or a closed client ends the stream.
   */
  async #fillGap(ws: WebSocket, fail: (reason: string) => void): Promise<boolean> {
    const fill = new AbortController();
    this.#fill = fill;
    const started = performance.now();
    let recovered = 0;
    try {
      for await (const message of this.#source.missed(this.#lastMessageId, fill.signal)) {
        // Live events that sort before it go first; it is delivered now, in the API's order.
        this.#window.releaseBefore(timestampOf(message));
        if (this.#deliver(message, true)) recovered++;
      }
    } catch (error) {
      return this.#fillFailed(ws, error, fail);
    } finally {
      if (this.#fill === fill) this.#fill = undefined;
    }
    // Aborted (the connection closed) or replaced by a newer connection: the events held wait for the next fill.
    if (fill.signal.aborted || this.#socket !== ws) return false;
    guarded(() => this.#observer?.gapFilled(recovered, performance.now() - started));
    this.#window.resume();
    return true;
  }

  /** A gap fill failed: the stream ends when the credential is refused or the client closed, and reconnects otherwise. */
  #fillFailed(ws: WebSocket, error: unknown, fail: (reason: string) => void): false {
    if (this.#ending || this.#socket !== ws) return false;
    const { status, code } = Object(error) as { status?: unknown; code?: unknown };
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
  }

  /** Delivers a message unless it was delivered before; whether it was delivered now. */
  #deliver(message: WebChatMessage, recovered: boolean): boolean {
    if (this.#ended || message.id === undefined || this.#delivered.has(message.id)) return false;
    this.#delivered.add(message.id);
    this.#lastMessageId = message.id;
    this.#emit({ type: 'message', message, recovered });
    return true;
  }

  /** A live event whose wait in the reorder window is over. */
  #release(event: LiveEvent): void {
    if (event.type === 'message') this.#deliver(event.message, false);
    else if (!this.#ended) this.#emit(event);
  }

  /** Reads one text frame; whether it was a frame of the API (an event or a heartbeat). What it holds counts the frame's bytes. */
  #frame(data: Buffer): boolean {
    const frame = parseFrame(data.toString('utf8'));
    const bytes = data.length;
    switch (frame.kind) {
      case 'ignored':
        return this.#ignore(frame.reason);
      case 'message':
        // One already delivered (by the gap fill, say) is not held again.
        if (!this.#delivered.has(frame.message.id ?? ''))
          this.#window.hold({ type: 'message', message: frame.message, recovered: false }, timestampOf(frame.message), bytes);
        return true;
      case 'typing':
        this.#window.hold({ type: 'typing', typing: frame.typing }, undefined, bytes);
        return true;
      case 'member-change':
        this.#window.hold({ type: 'member-change', member: frame.member }, undefined, bytes);
        return true;
      case 'quiet':
        return true;
    }
  }

  /** Counts a frame that was not what the API sends; it tells the observer only why, never what it held. */
  #ignore(reason: IgnoredFrameReason): false {
    this.#ignoredFrames++;
    guarded(() => this.#observer?.ignoredFrame?.(reason));
    return false;
  }

  #giveUp(failure: EventStreamFailure, detail: string): void {
    if (this.#ending) return;
    const error = new EventStreamError(failure, detail, this.#source.conversationId);
    guarded(() => this.#observer?.failed(error));
    this.#end(failure === 'outage' ? 'gave up' : 'refused');
    guarded(() => this.#sink.failed(error));
  }

  /**
   * Ends the stream: the live events still held are delivered first, in order (they came, and a
   * chat that was left or closed delivers nothing after `closed`), then the `closed` event.
   */
  #end(reason: string): void {
    if (this.#ending) return;
    this.#ending = true;
    clearTimeout(this.#stallTimer);
    clearTimeout(this.#reconnectTimer);
    this.#fill?.abort();
    this.#window.flush();
    this.#ended = true;
    this.#connection('closed', this.#attempt, reason);
  }

  /** Closes the stream for good (the chat was left or closed); resolves once its socket is gone. Held live events are delivered before `closed`. */
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
