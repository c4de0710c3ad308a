/**
 * The resilient stream: one WebSocket kept open across drops, whose items (a chat's messages, a
 * session's) are delivered once each, in the conversation's order. WebChat's event stream and Web
 * Messaging's guest session both run on it; what differs (how a frame reads, what is missed after a
 * reconnect, a handshake after open) is the {@link StreamSource} each gives it, and the socket and
 * the clock are seams, so that its state machine is tested on a fake clock with a fake socket.
 *
 * - Every frame re-arms a stall timer of `stallMs`; a connection silent for that long is closed
 *   and opened again. A connection that has not opened within `connectMs` of its start is
 *   abandoned (`could not connect (timed out)`): ws's own handshake timeout starts only once it has
 *   a socket, and through a proxy that is once CONNECT has succeeded. Its socket to the proxy goes too.
 * - With `heartbeatMs`, an open connection is asked every `heartbeatMs` whether it is there: a
 *   WebSocket ping, which a dead socket (or a proxy that cut it) leaves unanswered until the next
 *   one, and the source's own `heartbeat` frame, whose answer re-arms the stall timer (a pong does
 *   not: the server's WebSocket layer answers pings even when its API is stalled).
 * - After a drop, an error close, a stall or a connection that could not be made it reconnects after
 *   a full-jitter backoff, and gives up once it has been down for `giveUpAfterMs`, or at once when
 *   the server refuses the stream's credential (401, 403, 404).
 * - Each time it opens (after the source's handshake, when it has one) it fills the gap: the items
 *   after the last one delivered (all of them the first time). Live events that arrive meanwhile
 *   wait for the fill, and every item is delivered once, by id, in order. What waits is bounded
 *   (`maxHeldEvents`, `maxHeldBytes`): past that the connection drops and the next fill reads the
 *   items again.
 * - Frames are read by the source without trusting them: one that is not what the API sends is
 *   ignored and counted, never thrown. A frame larger than `maxFrameBytes` makes ws close the
 *   connection (1009): a drop like any other, whose items the gap fill recovers.
 * - Live events pass through a reorder window of `reorderWindowMs`, so that an item sent earlier
 *   that arrives a little later is still delivered first.
 * - Nothing that a handler throws reaches ws's event handlers (where it would be an uncaught
 *   exception): each call out is guarded.
 *
 * The stream's URI may hold a credential: it appears in no event, reason or error.
 */
import { ConfigurationError, isolated, type ProxySetting } from '@switchboard/core';
import { type BackoffOptions, fullJitterBackoff } from '@switchboard/middleware';
import { type Clock, systemClock, type TimerHandle } from './clock.js';
import { ReorderWindow } from './reorder-window.js';
import { bufferOf, openWebSocket, SOCKET_CLOSED, SOCKET_OPEN, type SocketOpener, socketFailure, type StreamSocket } from './web-socket.js';

/** A change of the stream's connection: `open`, `reconnecting` (with the attempt about to be made), or `closed` for good. */
export interface StreamConnectionEvent {
  /** Always `'connection'`. */
  readonly type: 'connection';
  /** `open`: a connection opened; `reconnecting`: it was lost and is tried again; `closed`: the stream ended. */
  readonly state: 'open' | 'reconnecting' | 'closed';
  /** The connection attempt: 1 for the first after each open. */
  readonly attempt: number;
  /** Why, in words that never hold a URI or token: `connected`, `reconnected`, `dropped`, `closed 1011`, `heartbeat stalled`, `frame too large`, … */
  readonly reason: string;
}

/** Why a stream gave up: down for longer than it may be, or refused (its credential, a proxy's). */
export type StreamFailure = 'outage' | 'refused';

/** What one text frame holds, as the source reads it. */
export type StreamFrame<Item, Live, Reason extends string> =
  | {
      /** An item: delivered once by id, in order, and recovered by the gap fill when missed. */
      readonly kind: 'item';
      /** The item. */
      readonly item: Item;
    }
  | {
      /** Another live event (typing, a member change): held in its arrival place, lost while the stream is down. */
      readonly kind: 'live';
      /** The event. */
      readonly event: Live;
    }
  | {
      /** A frame of the API that carries nothing to deliver (a heartbeat, an answer the source handles). */
      readonly kind: 'quiet';
    }
  | {
      /** Not a frame of the API: counted by reason, never thrown, never logged with its content. */
      readonly kind: 'ignored';
      /** Why, in the source's own words. */
      readonly reason: Reason;
    };

/** Where a stream connects, how it reads a frame, and how it reads what it missed. */
export interface StreamSource<Item, Live, Reason extends string> {
  /** The socket's URI. */
  readonly uri: string;
  /** The client's proxy setting; undefined reads the environment's proxy variables. */
  readonly proxy?: ProxySetting;
  /** Reads one text frame; it must not throw. */
  read(text: string): StreamFrame<Item, Live, Reason>;
  /** An item's id: items are delivered once by it. One without an id is not delivered. */
  idOf(item: Item): string | undefined;
  /** An item's server time in epoch ms, NaN when it has none: live items are ordered by it. */
  timeOf(item: Item): number;
  /** The items after the one with `afterId` (all of them when undefined), oldest first. A rejection with a `status` of 401, 403 or 404 ends the stream as refused. */
  missed(afterId: string | undefined, signal: AbortSignal): AsyncIterable<Item>;
  /**
   * Runs after a connection opens and before its gap is filled: a handshake (Web Messaging's
   * configureSession). Frames that come meanwhile are read as usual. Rejecting drops the
   * connection with the error's message as the reason (a `refused: true` on it ends the stream).
   * @default none: the gap is filled at once
   */
  opened?(send: (text: string) => void, signal: AbortSignal): Promise<void>;
  /** The frame sent every `heartbeatMs` to ask the server whether it is there (its answer is a frame of the API); none when undefined. */
  heartbeat?(): string;
}

/** What a stream tells its owner. Each call is guarded: one that throws is dropped, the stream goes on. */
export interface StreamHandlers<Item, Live, Reason extends string> {
  /** An item, delivered once, in order; `recovered` when the gap fill read it. */
  item(item: Item, recovered: boolean): void;
  /** A live event other than an item. */
  live(event: Live): void;
  /** The connection changed state. */
  connection(event: StreamConnectionEvent): void;
  /** A gap fill ended: `recovered` items were read, in `durationMs`. */
  gapFilled(recovered: number, durationMs: number): void;
  /** A frame was ignored, for `reason` (never what it held). */
  ignored(reason: Reason | 'binary frame'): void;
  /** The stream is giving up: told before its `closed` connection event. */
  givingUp(failure: StreamFailure, detail: string): void;
  /** The stream gave up: told after its `closed` connection event; nothing follows. */
  failed(failure: StreamFailure, detail: string): void;
  /** Runs the gap fill (its API calls) inside the stream's span, so that they are its children. */
  within<T>(work: () => T): T;
}

/** The stream's bounds and timing, resolved by its API from the user's options. */
export interface StreamSettings {
  /** A connection silent for this long is stalled: closed and opened again. */
  readonly stallMs: number;
  /** How long a connection may take to open. */
  readonly connectMs: number;
  /** The reconnect backoff (full jitter). */
  readonly reconnect: BackoffOptions;
  /** How long the stream may be down before it gives up; Infinity for never. */
  readonly giveUpAfterMs: number;
  /** The largest frame taken, in bytes. */
  readonly maxFrameBytes: number;
  /**
   * How often an open connection is pinged and sent the source's `heartbeat` frame; a ping still
   * unanswered at the next is a dead connection (`ping unanswered`).
   * @default none: the server sends frames often enough on its own (WebChat's heartbeats)
   */
  readonly heartbeatMs?: number;
  /** The most live events held while a gap fill runs. */
  readonly maxHeldEvents: number;
  /** The most bytes (of frames) held while a gap fill runs. */
  readonly maxHeldBytes: number;
  /** How long each live event is held to be ordered; 0 for not at all. */
  readonly reorderWindowMs: number;
}

/** The seams: how sockets open, the clock, and the random numbers of the backoff. */
export interface StreamSeams {
  /**
   * How a connection's socket opens.
   * @default {@link openWebSocket}: ws, through the proxy when one applies
   */
  readonly open?: SocketOpener;
  /**
   * The clock of every timer and duration.
   * @default {@link systemClock}
   */
  readonly clock?: Clock;
  /**
   * The random numbers of the backoff's jitter, in [0, 1).
   * @default `Math.random`
   */
  readonly random?: () => number;
}

/** A live event waiting in the reorder window. */
type Held<Item, Live> = { readonly item: Item } | { readonly live: Live };

/** Statuses that say the stream's credential is not (or no longer) good: reconnecting cannot help. */
const REFUSED = new Set([401, 403, 404]);
/** The reason of a connection dropped because too much was held. */
const TOO_MUCH_HELD = 'too many events held';

/** One resilient stream; see the module's description. */
export class ResilientStream<Item, Live, Reason extends string> {
  readonly #source: StreamSource<Item, Live, Reason>;
  readonly #handlers: StreamHandlers<Item, Live, Reason>;
  readonly #settings: StreamSettings;
  readonly #open: SocketOpener;
  readonly #clock: Clock;
  readonly #random: () => number;
  #socket: StreamSocket | undefined;
  /** The proxy of the connection being made, if any, to name it in reasons. */
  #proxy: URL | undefined;
  /** Connection attempts since the stream was last open. */
  #attempt = 0;
  #everOpen = false;
  /** Since when no connection has been open (clock ms); undefined while one is. */
  #downSince: number | undefined;
  #stallTimer: TimerHandle | undefined;
  #heartbeatTimer: TimerHandle | undefined;
  #reconnectTimer: TimerHandle | undefined;
  /** Set as the stream starts to end (its held events are flushed then); `#ended` once they are. */
  #ending = false;
  #ended = false;
  /** How to name why each socket is closed, for {@link ResilientStream.reconnect}. */
  readonly #reasons = new WeakMap<StreamSocket, (reason: string) => void>();
  readonly #delivered = new Set<string>();
  #lastId: string | undefined;
  /** Live events wait here: for their reorder window, and while the stream is down or filling its gap. */
  readonly #window: ReorderWindow<Held<Item, Live>>;
  #fill: AbortController | undefined;
  #ignoredFrames = 0;

  constructor(
    source: StreamSource<Item, Live, Reason>,
    settings: StreamSettings,
    handlers: StreamHandlers<Item, Live, Reason>,
    seams: StreamSeams = {},
  ) {
    this.#source = source;
    this.#settings = settings;
    this.#handlers = handlers;
    this.#open = seams.open ?? openWebSocket;
    this.#clock = seams.clock ?? systemClock;
    this.#random = seams.random ?? Math.random;
    // Paused until the first gap fill: nothing live goes out before the history it follows.
    this.#window = new ReorderWindow(settings.reorderWindowMs, (held) => this.#release(held), true, this.#clock);
  }

  /** Frames ignored so far (each also told to the `ignored` handler). */
  get ignoredFrames(): number {
    return this.#ignoredFrames;
  }

  /** Whether a connection is open now. */
  get connected(): boolean {
    return this.#socket?.readyState === SOCKET_OPEN;
  }

  /**
   * Opens the first connection.
   * @param afterId - the last item delivered before (by another process, say): the first gap fill reads what came after it.
   */
  start(afterId?: string): void {
    this.#lastId = afterId;
    this.#downSince = this.#clock.now();
    this.#connect();
  }

  /** Sends a text frame on the open connection; false when none is open (nothing is sent). */
  send(text: string): boolean {
    const socket = this.#socket;
    if (this.#ending || socket?.readyState !== SOCKET_OPEN) return false;
    socket.send(text);
    return true;
  }

  /**
   * Drops the open connection as broken (the owner saw what the stream cannot: an answer that
   * never came), with `reason` in its `reconnecting` event; the stream reconnects and fills the
   * gap as after any drop. Nothing happens when no connection is open.
   */
  reconnect(reason: string): void {
    const socket = this.#socket;
    if (this.#ending || socket?.readyState !== SOCKET_OPEN) return;
    this.#reasons.get(socket)?.(reason);
    socket.terminate();
  }

  #connect(): void {
    if (this.#ended) return;
    this.#attempt++;
    const connecting = new AbortController();
    let socket: StreamSocket;
    try {
      const opened = this.#open({
        uri: this.#source.uri,
        proxy: this.#source.proxy,
        maxFrameBytes: this.#settings.maxFrameBytes,
        signal: connecting.signal,
      });
      socket = opened.socket;
      this.#proxy = opened.proxy;
    } catch (error) {
      // A proxy variable that is no URL: its ConfigurationError names the variable, never its value.
      if (error instanceof ConfigurationError) return this.#giveUp('refused', error.message);
      // ws names the URI (and so its token) in this error: it is not passed on.
      return this.#giveUp('refused', 'invalid stream URI');
    }
    this.#socket = socket;
    this.#listen(socket, connecting);
  }

  #listen(socket: StreamSocket, connecting: AbortController): void {
    let opened = false;
    let why: string | undefined;
    // The handshake was refused in a way no reconnect can change (set with `why`, before the socket opens).
    let refused = false;
    // Until 'open': ws's handshakeTimeout would start only with a socket, which through a proxy comes after CONNECT.
    const connectTimer = this.#clock.setTimeout(() => {
      why ??= 'could not connect (timed out)';
      socket.terminate();
    }, this.#settings.connectMs);
    const stalled = () => (why = 'heartbeat stalled');
    this.#reasons.set(socket, (reason) => (why ??= reason));
    /** The connection counts as back (the outage clock and the backoff start again) once its gap is filled and a frame of the API has come. */
    const up = { filled: false, heard: false };
    const markUp = (part: 'filled' | 'heard'): void => {
      up[part] = true;
      if (up.filled && up.heard && this.#socket === socket) {
        this.#downSince = undefined;
        this.#attempt = 0;
      }
    };
    socket.on('open', () => {
      this.#clock.clearTimeout(connectTimer);
      if (this.#ended || this.#socket !== socket) return;
      opened = true;
      this.#connection('open', this.#attempt, this.#everOpen ? 'reconnected' : 'connected');
      this.#everOpen = true;
      this.#watch(socket, stalled);
      this.#heartbeat(socket, () => (why = 'ping unanswered'));
      this.#within(() =>
        this.#handshake(socket, (failure) => (why = failure)).then(async (ready) => {
          if (ready && (await this.#fillGap(socket, (failure) => (why = failure)))) markUp('filled');
        }),
      );
    });
    socket.on('message', (data, isBinary) => {
      // A socket closing (ours, one replaced, one dropped for holding too much) delivers nothing more.
      if (this.#ending || this.#socket !== socket || socket.readyState !== SOCKET_OPEN) return;
      // Any frame shows the connection is alive; only one of the API's shows the server is there.
      this.#watch(socket, stalled);
      if (isBinary ? this.#ignore('binary frame') : this.#frame(bufferOf(data))) markUp('heard');
      if (this.#window.size > this.#settings.maxHeldEvents || this.#window.bytes > this.#settings.maxHeldBytes) {
        // What is held goes with the connection: the next gap fill reads its items again.
        why = TOO_MUCH_HELD;
        this.#window.clear();
        socket.terminate();
      }
    });
    socket.on('error', (error) => {
      if (why !== undefined) return;
      const failure = socketFailure(error, this.#proxy);
      why = failure.reason;
      refused = failure.byProxy === true || REFUSED.has(failure.status ?? 0);
    });
    socket.on('close', (code) => {
      this.#clock.clearTimeout(connectTimer);
      // An attempt that never opened (timed out, refused, closed by us): its socket to the proxy goes too.
      if (!opened) connecting.abort();
      if (this.#socket !== socket) return;
      this.#socket = undefined;
      this.#clock.clearTimeout(this.#stallTimer);
      this.#clock.clearTimeout(this.#heartbeatTimer);
      this.#fill?.abort();
      // Down: live events wait for the next gap fill, which reads from the last item delivered.
      this.#window.pause();
      if (this.#ending) return;
      if (refused) return this.#giveUp('refused', why ?? 'refused');
      this.#dropped(why ?? (opened ? (code === 1006 ? 'dropped' : `closed ${code}`) : 'could not connect'));
    });
  }

  /** Runs the source's handshake, if it has one; whether the connection is ready for its gap fill. */
  async #handshake(socket: StreamSocket, fail: (reason: string) => void): Promise<boolean> {
    if (!this.#source.opened) return true;
    const handshake = new AbortController();
    this.#fill = handshake;
    try {
      await this.#source.opened(
        (text) => void (this.#socket === socket && socket.readyState === SOCKET_OPEN && socket.send(text)),
        handshake.signal,
      );
    } catch (error) {
      if (this.#ending || this.#socket !== socket) return false;
      const { message, refused } = Object(error) as { message?: unknown; refused?: unknown };
      const reason = typeof message === 'string' ? message : 'handshake failed';
      if (refused === true) {
        this.#giveUp('refused', reason);
        void this.#drop(socket);
        return false;
      }
      fail(reason);
      socket.terminate();
      return false;
    } finally {
      if (this.#fill === handshake) this.#fill = undefined;
    }
    return !handshake.signal.aborted && this.#socket === socket;
  }

  /** Runs the gap fill inside the handlers' span; it runs once even when `within` throws. */
  #within(fill: () => Promise<void>): void {
    let ran = false;
    const once = (): Promise<void> => {
      ran = true;
      return fill();
    };
    try {
      const result: unknown = this.#handlers.within(once);
      if (result instanceof Promise) result.catch(() => undefined);
    } catch {
      // A handler that throws does not keep the gap from being filled.
    }
    if (!ran) void once().catch(() => undefined);
  }

  /** Re-arms the stall timer: a connection silent for `stallMs` is closed (and then reopened). */
  #watch(socket: StreamSocket, stalled: () => void): void {
    this.#clock.clearTimeout(this.#stallTimer);
    this.#stallTimer = this.#clock.setTimeout(() => {
      stalled();
      socket.terminate();
    }, this.#settings.stallMs);
  }

  /** Every `heartbeatMs` while `socket` is open: a ping (one still unanswered closes it) and the source's heartbeat frame. */
  #heartbeat(socket: StreamSocket, unanswered: () => void): void {
    const everyMs = this.#settings.heartbeatMs;
    if (everyMs === undefined) return;
    let awaitingPong = false;
    socket.on('pong', () => (awaitingPong = false));
    const beat = (): void => {
      if (this.#ending || this.#socket !== socket || socket.readyState !== SOCKET_OPEN) return;
      if (awaitingPong) {
        unanswered();
        socket.terminate();
        return;
      }
      awaitingPong = true;
      socket.ping();
      const frame = this.#source.heartbeat?.();
      if (frame !== undefined) socket.send(frame);
      this.#heartbeatTimer = this.#clock.setTimeout(beat, everyMs);
    };
    this.#heartbeatTimer = this.#clock.setTimeout(beat, everyMs);
  }

  #dropped(reason: string): void {
    const now = this.#clock.now();
    this.#downSince ??= now;
    const downMs = now - this.#downSince;
    if (downMs >= this.#settings.giveUpAfterMs) return this.#giveUp('outage', reason);
    this.#connection('reconnecting', this.#attempt + 1, reason);
    const waitMs = Math.min(
      fullJitterBackoff(this.#attempt + 1, this.#settings.reconnect, this.#random),
      this.#settings.giveUpAfterMs - downMs,
    );
    this.#reconnectTimer = this.#clock.setTimeout(() => this.#connect(), waitMs);
  }

  #connection(state: StreamConnectionEvent['state'], attempt: number, reason: string): void {
    const event: StreamConnectionEvent = { type: 'connection', state, attempt, reason };
    isolated(() => this.#handlers.connection(event));
  }

  /**
   * Delivers what was missed while no connection was open, merged with the live events held
   * meanwhile; whether the gap was filled. A fill that fails drops the connection (`fail` gets the
   * reason): the next one fills again from the same place. A refusal (401, 403, 404: the
   * credential is gone) or a closed client ends the stream.
   */
  async #fillGap(socket: StreamSocket, fail: (reason: string) => void): Promise<boolean> {
    const fill = new AbortController();
    this.#fill = fill;
    const started = this.#clock.now();
    let recovered = 0;
    try {
      for await (const item of this.#source.missed(this.#lastId, fill.signal)) {
        // Live events that sort before it go first; it is delivered now, in the API's order.
        this.#window.releaseBefore(this.#source.timeOf(item));
        if (this.#deliver(item, true)) recovered++;
      }
    } catch (error) {
      return this.#fillFailed(socket, error, fail);
    } finally {
      if (this.#fill === fill) this.#fill = undefined;
    }
    // Aborted (the connection closed) or replaced by a newer connection: the events held wait for the next fill.
    if (fill.signal.aborted || this.#socket !== socket) return false;
    isolated(() => this.#handlers.gapFilled(recovered, this.#clock.now() - started));
    this.#window.resume();
    return true;
  }

  /** A gap fill failed: the stream ends when the credential is refused or the client closed, and reconnects otherwise. */
  #fillFailed(socket: StreamSocket, error: unknown, fail: (reason: string) => void): false {
    if (this.#ending || this.#socket !== socket) return false;
    const { status, code } = Object(error) as { status?: unknown; code?: unknown };
    if (typeof status === 'number' && REFUSED.has(status)) {
      this.#giveUp('refused', `gap fill: HTTP ${status}`);
      void this.#drop(socket);
      return false;
    }
    if (code === 'E_CLOSED') {
      this.#giveUp('outage', 'gap fill: the client is closed');
      void this.#drop(socket);
      return false;
    }
    fail('gap fill failed');
    socket.terminate();
    return false;
  }

  /** Delivers an item unless it was delivered before; whether it was delivered now. */
  #deliver(item: Item, recovered: boolean): boolean {
    const id = this.#source.idOf(item);
    if (this.#ended || id === undefined || this.#delivered.has(id)) return false;
    this.#delivered.add(id);
    this.#lastId = id;
    isolated(() => this.#handlers.item(item, recovered));
    return true;
  }

  /** A live event whose wait in the reorder window is over. */
  #release(held: Held<Item, Live>): void {
    if ('item' in held) this.#deliver(held.item, false);
    else if (!this.#ended) isolated(() => this.#handlers.live(held.live));
  }

  /** Reads one text frame; whether it was a frame of the API. What it holds counts the frame's bytes. */
  #frame(data: Buffer): boolean {
    const frame = this.#source.read(data.toString('utf8'));
    const bytes = data.length;
    switch (frame.kind) {
      case 'ignored':
        return this.#ignore(frame.reason);
      case 'item': {
        // One already delivered (by the gap fill, say) is not held again.
        const id = this.#source.idOf(frame.item);
        if (id !== undefined && !this.#delivered.has(id)) this.#window.hold({ item: frame.item }, this.#source.timeOf(frame.item), bytes);
        return true;
      }
      case 'live':
        this.#window.hold({ live: frame.event }, undefined, bytes);
        return true;
      case 'quiet':
        return true;
    }
  }

  /** Counts a frame that was not what the API sends; the handler is told only why, never what it held. */
  #ignore(reason: Reason | 'binary frame'): false {
    this.#ignoredFrames++;
    isolated(() => this.#handlers.ignored(reason));
    return false;
  }

  #giveUp(failure: StreamFailure, detail: string): void {
    if (this.#ending) return;
    isolated(() => this.#handlers.givingUp(failure, detail));
    this.#end(failure === 'outage' ? 'gave up' : 'refused');
    isolated(() => this.#handlers.failed(failure, detail));
  }

  /**
   * Ends the stream: the live events still held are delivered first, in order (they came, and a
   * stream that was closed delivers nothing after `closed`), then the `closed` event.
   */
  #end(reason: string): void {
    if (this.#ending) return;
    this.#ending = true;
    this.#clock.clearTimeout(this.#stallTimer);
    this.#clock.clearTimeout(this.#heartbeatTimer);
    this.#clock.clearTimeout(this.#reconnectTimer);
    this.#fill?.abort();
    this.#window.flush();
    this.#ended = true;
    this.#connection('closed', this.#attempt, reason);
  }

  /** Closes the stream for good; resolves once its socket is gone. Held live events are delivered before `closed`. */
  async close(reason: string): Promise<void> {
    this.#end(reason);
    const socket = this.#socket;
    this.#socket = undefined;
    if (socket) await this.#drop(socket, reason);
  }

  /** Closes a socket politely, or at once when it is not open; resolves once it is gone. */
  async #drop(socket: StreamSocket, reason = ''): Promise<void> {
    if (socket.readyState === SOCKET_CLOSED) return;
    const closed = new Promise<void>((resolve) => socket.once('close', resolve));
    let timer: TimerHandle | undefined;
    if (socket.readyState === SOCKET_OPEN) {
      socket.close(1000, reason);
      // A server that never answers the close frame does not keep the socket.
      timer = this.#clock.setTimeout(() => socket.terminate(), 1_000);
    } else socket.terminate();
    await closed;
    this.#clock.clearTimeout(timer);
  }
}
