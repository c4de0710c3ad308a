/**
 * The conversation event stream: a websocket per guest at the `eventStreamUri` the create call
 * hands out. Frames are `{ topicName, version, eventBody, metadata }`; a heartbeat frame goes
 * out on an interval. Attaching the first socket routes the conversation.
 */
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocket, WebSocketServer } from 'ws';
import type { Random } from './random.js';
import type { Conversation, MediaRequest, Member, Message } from './store.js';
import { closeSocketServer, refuseUpgrade, upgradeTarget } from './socket-server.js';
import type { StreamFault, StreamFaultRule } from './stream-fault.js';
import { memberJson, mediaRequestJson, messageJson, senderJson } from './store.js';

export interface Frame {
  readonly topicName: string;
  readonly version: string;
  readonly eventBody: Record<string, unknown>;
  readonly metadata: Record<string, unknown>;
}

const STREAM_PATH = /^\/streaming\/conversations\/([^/?]+)$/;

export class EventStreams {
  readonly #server = new WebSocketServer({ noServer: true });
  readonly #sockets = new Map<string, Set<WebSocket>>();
  readonly #tokens = new Map<string, string>();
  /** Heartbeats and fault-rule schedules of open sockets. */
  readonly #timers = new Set<ReturnType<typeof setInterval>>();
  /** Sockets told to send nothing until then (epoch ms): what a stalled connection looks like from the client. */
  readonly #stalledUntil = new WeakMap<WebSocket, number>();
  framesSent = 0;
  #closing = false;
  /** Faults that hit every socket on a schedule (the `streamFaults` option, `/__emulator/streams/rules`). */
  readonly rules: StreamFaultRule[] = [];

  constructor(
    private readonly random: Random,
    private readonly heartbeatMs: number,
    private readonly lookup: (conversationId: string) => Conversation | undefined,
    private readonly onAttach: (conversation: Conversation) => void,
  ) {}

  /** The URI a guest connects to; the token in it admits that conversation's stream only. */
  uriFor(wsBase: string, conversation: Conversation): string {
    const token = this.random.uuid().replaceAll('-', '');
    this.#tokens.set(conversation.id, token);
    return `${wsBase}/streaming/conversations/${conversation.id}?token=${token}`;
  }

  handleUpgrade(request: IncomingMessage, socket: Duplex, head: Buffer): void {
    const url = upgradeTarget(request);
    if (!url) return refuseUpgrade(socket, '400 Bad Request');
    const id = STREAM_PATH.exec(url.pathname)?.[1];
    if (this.#closing) return refuseUpgrade(socket, '503 Service Unavailable');
    const conversation = id ? this.lookup(id) : undefined;
    if (!conversation || url.searchParams.get('token') !== this.#tokens.get(conversation.id))
      return refuseUpgrade(socket, conversation ? '401 Unauthorized' : '404 Not Found');
    this.#server.handleUpgrade(request, socket, head, (ws) => this.#attach(conversation, ws));
  }

  #attach(conversation: Conversation, ws: WebSocket): void {
    // A handshake that completes while the emulator stops is closed at once.
    if (this.#closing) {
      ws.terminate();
      return;
    }
    let sockets = this.#sockets.get(conversation.id);
    if (!sockets) this.#sockets.set(conversation.id, (sockets = new Set()));
    sockets.add(ws);
    const heartbeat = setInterval(
      () => this.#send(ws, { topicName: 'channel.metadata', version: '2', eventBody: { message: 'WebSocket Heartbeat' }, metadata: {} }),
      this.heartbeatMs,
    );
    this.#timers.add(heartbeat);
    // The rules in force when it attached, each on its own schedule for this socket.
    const scheduled = this.rules.map((rule) => setInterval(() => this.#apply(ws, rule.fault), rule.everyMs));
    for (const timer of scheduled) this.#timers.add(timer);
    ws.on('close', () => {
      clearInterval(heartbeat);
      this.#timers.delete(heartbeat);
      for (const timer of scheduled) {
        clearInterval(timer);
        this.#timers.delete(timer);
      }
      sockets.delete(ws);
    });
    ws.on('error', () => ws.terminate());
    if (!conversation.routed) {
      conversation.routed = true;
      this.onAttach(conversation);
    }
  }

  #send(ws: WebSocket, frame: Frame): void {
    this.#sendText(ws, JSON.stringify(frame));
  }

  #sendText(ws: WebSocket, text: string): void {
    if (ws.readyState !== WebSocket.OPEN) return;
    // A stalled connection delivers nothing; the frames are lost, as they would be when it dies.
    if ((this.#stalledUntil.get(ws) ?? 0) > Date.now()) return;
    ws.send(text);
    this.framesSent++;
  }

  publish(conversationId: string, frame: Frame): void {
    for (const ws of this.#sockets.get(conversationId) ?? []) this.#send(ws, frame);
  }

  // Frames for what happens in a conversation ------------------------------------------------

  #frame(
    conversation: Conversation,
    topic: 'messages' | 'members' | 'mediarequests',
    type: string,
    eventBody: Record<string, unknown>,
  ): Frame {
    return {
      topicName: `v2.conversations.chats.${conversation.id}.${topic}`,
      version: '2',
      eventBody,
      metadata: { CorrelationId: this.random.uuid(), type },
    };
  }

  message(conversation: Conversation, message: Message): void {
    this.publish(conversation.id, this.#frame(conversation, 'messages', 'message', messageJson(conversation, message)));
  }

  typing(conversation: Conversation, member: Member, id: string, timestamp: string): void {
    const body = { id, conversation: { id: conversation.id }, sender: senderJson(conversation, member.id), timestamp };
    this.publish(conversation.id, this.#frame(conversation, 'messages', 'typing-indicator', body));
  }

  memberChanged(conversation: Conversation, member: Member): void {
    const body = { member: memberJson(member), conversation: { id: conversation.id }, timestamp: new Date().toISOString() };
    this.publish(conversation.id, this.#frame(conversation, 'members', 'member-change', body));
  }

  mediaRequest(conversation: Conversation, request: MediaRequest): void {
    this.publish(conversation.id, this.#frame(conversation, 'mediarequests', 'media-request', mediaRequestJson(conversation, request)));
  }

  // Faults on the sockets of one conversation (emulator.streams, /__emulator/streams) -------

  #socketsOf(conversationId: string): WebSocket[] {
    return [...(this.#sockets.get(conversationId) ?? [])];
  }

  #apply(ws: WebSocket, fault: StreamFault): void {
    if (fault.kind === 'drop') ws.terminate();
    else if (fault.kind === 'stall') this.#stalledUntil.set(ws, Date.now() + fault.ms);
    else if (fault.kind === 'frame') this.#sendText(ws, fault.data);
    else ws.close(fault.code, fault.reason);
  }

  /** Applies a fault to the conversation's open sockets; how many there were. */
  apply(conversationId: string, fault: StreamFault): number {
    const sockets = this.#socketsOf(conversationId);
    for (const ws of sockets) this.#apply(ws, fault);
    return sockets.length;
  }

  get openSockets(): number {
    let count = 0;
    for (const set of this.#sockets.values()) count += set.size;
    return count;
  }

  /** Closes every socket (1001, going away) and stops every heartbeat. */
  async closeAll(): Promise<void> {
    this.#closing = true;
    await closeSocketServer(this.#server, this.#timers);
  }
}
