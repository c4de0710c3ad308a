/**
 * The guest WebSocket's transport: upgrades on `/v1?deploymentId=…&application=…`, one
 * connection per socket, sockets grouped by the guest token they configured (for fan-out: echoes,
 * agent messages, closeSession, expiry), and the transport faults (drop, stall, close, raw frame,
 * a frame twice, two frames swapped, refused upgrades), on demand and by schedule. What the
 * frames mean is guest-actions.ts's.
 */
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { type RawData, WebSocket, WebSocketServer } from 'ws';
import type { ServerFrame } from './guest-frames.js';
import { isSessionFault, type MessagingFault, type MessagingFaultRule, type SessionFault } from './messaging-fault.js';
import { closeSocketServer, refuseUpgrade, upgradeTarget } from './socket-server.js';

/** The path guests connect to (Genesys: `wss://webmessaging.{domain}/v1`). */
export const GUEST_SOCKET_PATH = '/v1';

/**
 * Largest frame a guest may send, in bytes; `ws` closes the socket with 1009 above it (its
 * default, `maxPayload`, would be 100 MiB). The largest legitimate frame is a 4,000-character
 * message (up to 16 KB of UTF-8) with 2 KB of custom attributes, so 64 KiB leaves room.
 */
export const MAX_GUEST_FRAME_BYTES = 65_536;

/**
 * Most the emulator holds for one guest socket that does not read what it is sent, in bytes: past
 * it the socket is cut off (no close frame: its peer reads nothing anyway), as a dead peer is,
 * rather than buffered without end (a guest sending echo requests and reading nothing would
 * otherwise grow the process by each answer). 128 frames of the largest size a guest may send.
 */
export const MAX_GUEST_BUFFERED_BYTES = 128 * MAX_GUEST_FRAME_BYTES;

export interface GuestConnection {
  readonly ws: WebSocket;
  /** The deployment its URL named. */
  readonly deploymentId: string;
  /** The guest token it configured a session with, once it has. */
  token: string | undefined;
  /** Sends nothing until then (epoch ms): a stalled connection. */
  stalledUntil: number;
  duplicateNext: boolean;
  reorderNext: boolean;
  /** A frame held back by a reorder fault, sent after the next one. */
  held: string | undefined;
}

/** What the transport asks of the protocol. */
export interface GuestSocketEvents {
  /** Whether a deployment admits guests: known and Active. */
  admits(deploymentId: string): boolean;
  /** A frame from a guest. */
  frame(connection: GuestConnection, data: RawData, isBinary: boolean): void;
  /** A session fault a schedule picked for a connection (rate-limit, lose, withhold-echo, expire). */
  sessionFault(connection: GuestConnection, fault: SessionFault): void;
}

export class GuestSockets {
  readonly #server = new WebSocketServer({ noServer: true, maxPayload: MAX_GUEST_FRAME_BYTES });
  readonly #byToken = new Map<string, Set<GuestConnection>>();
  readonly #timers = new Set<ReturnType<typeof setInterval>>();
  #closing = false;
  /** Upgrades still to refuse, and with what status (a fault). */
  #refusals: { count: number; status: number } = { count: 0, status: 503 };
  framesSent = 0;
  /** Faults that hit every guest socket on a schedule. */
  readonly rules: MessagingFaultRule[] = [];

  constructor(private readonly events: GuestSocketEvents) {}

  /** The next `count` upgrades are refused with `status` (503 by default): a platform that will not take the connection. */
  refuseUpgrades(count: number, status = 503): void {
    this.#refusals = { count, status };
  }

  handleUpgrade(request: IncomingMessage, socket: Duplex, head: Buffer): void {
    if (this.#closing) return refuseUpgrade(socket, '503 Service Unavailable');
    if (this.#refusals.count > 0) {
      this.#refusals.count--;
      return refuseUpgrade(socket, `${this.#refusals.status} Refused by a fault`);
    }
    const deploymentId = upgradeTarget(request)?.searchParams.get('deploymentId');
    if (!deploymentId) return refuseUpgrade(socket, '400 Bad Request');
    // An unknown or inactive deployment is refused at the handshake rather than answered with an
    // error frame: the id is in the URL, so there is nothing to talk about, and Genesys' Kotlin
    // transport has a code for exactly this (1002 WebsocketAccessDenied, the notes' transportCodes).
    if (!this.events.admits(deploymentId)) return refuseUpgrade(socket, '403 Forbidden');
    this.#server.handleUpgrade(request, socket, head, (ws) => this.#open(ws, deploymentId));
  }

  #open(ws: WebSocket, deploymentId: string): void {
    if (this.#closing) {
      ws.terminate();
      return;
    }
    const connection: GuestConnection = {
      ws,
      deploymentId,
      token: undefined,
      stalledUntil: 0,
      duplicateNext: false,
      reorderNext: false,
      held: undefined,
    };
    const scheduled = this.rules.map((rule) => setInterval(() => this.#scheduled(connection, rule.fault), rule.everyMs));
    for (const timer of scheduled) this.#timers.add(timer);
    ws.on('message', (data, isBinary) => {
      try {
        this.events.frame(connection, data, isBinary);
      } catch {
        // Nothing a guest sends may take the emulator down: a frame the protocol could not handle is a 5000.
        this.send(connection, { type: 'response', class: 'string', code: 5000, body: 'Request failed.' });
      }
    });
    ws.on('close', () => {
      for (const timer of scheduled) {
        clearInterval(timer);
        this.#timers.delete(timer);
      }
      this.unbind(connection);
    });
    ws.on('error', () => ws.terminate());
  }

  #scheduled(connection: GuestConnection, fault: MessagingFault): void {
    if (isSessionFault(fault)) this.events.sessionFault(connection, fault);
    else this.applyToConnection(connection, fault);
  }

  /** Groups a connection under its guest token (a connection has at most one). */
  bind(connection: GuestConnection, token: string): void {
    if (connection.token === token) return;
    this.unbind(connection);
    connection.token = token;
    let set = this.#byToken.get(token);
    if (!set) this.#byToken.set(token, (set = new Set()));
    set.add(connection);
  }

  unbind(connection: GuestConnection): void {
    if (connection.token === undefined) return;
    const set = this.#byToken.get(connection.token);
    set?.delete(connection);
    if (set?.size === 0) this.#byToken.delete(connection.token);
    connection.token = undefined;
  }

  /** The open connections configured with a token. */
  connectionsOf(token: string): GuestConnection[] {
    return [...(this.#byToken.get(token) ?? [])];
  }

  /** Moves every connection of one token to another (a session resumed under a new token). */
  rebind(from: string, to: string): void {
    for (const connection of this.connectionsOf(from)) this.bind(connection, to);
  }

  send(connection: GuestConnection, frame: ServerFrame): void {
    this.#sendText(connection, JSON.stringify(frame));
  }

  /** Sends a frame to every connection of a token. */
  publish(token: string, frame: ServerFrame): void {
    const text = JSON.stringify(frame);
    for (const connection of this.connectionsOf(token)) this.#sendText(connection, text);
  }

  #write(connection: GuestConnection, text: string): void {
    const { ws } = connection;
    if (ws.readyState !== WebSocket.OPEN) return;
    if (ws.bufferedAmount > MAX_GUEST_BUFFERED_BYTES) return ws.terminate();
    ws.send(text);
    this.framesSent++;
  }

  #sendText(connection: GuestConnection, text: string): void {
    if (connection.ws.readyState !== WebSocket.OPEN) return;
    // A stalled connection delivers nothing; the frames are lost, as they would be when it dies.
    if (connection.stalledUntil > Date.now()) return;
    if (connection.reorderNext && connection.held === undefined) {
      connection.reorderNext = false;
      connection.held = text;
      return;
    }
    this.#write(connection, text);
    if (connection.duplicateNext) {
      connection.duplicateNext = false;
      this.#write(connection, text);
    }
    if (connection.held !== undefined) {
      const held = connection.held;
      connection.held = undefined;
      this.#write(connection, held);
    }
  }

  /** A transport fault on one connection (session faults are the protocol's). */
  applyToConnection(connection: GuestConnection, fault: MessagingFault): void {
    const { ws } = connection;
    if (fault.kind === 'drop') ws.terminate();
    else if (fault.kind === 'stall') connection.stalledUntil = Date.now() + fault.ms;
    else if (fault.kind === 'close') ws.close(fault.code, fault.reason);
    else if (fault.kind === 'frame') {
      if (connection.stalledUntil <= Date.now()) this.#write(connection, fault.data);
    } else if (fault.kind === 'duplicate') connection.duplicateNext = true;
    else if (fault.kind === 'reorder') connection.reorderNext = true;
  }

  get openSockets(): number {
    return this.#server.clients.size;
  }

  /** Closes every socket (1001, going away) and stops every schedule. */
  async closeAll(): Promise<void> {
    this.#closing = true;
    await closeSocketServer(this.#server, this.#timers);
  }
}
