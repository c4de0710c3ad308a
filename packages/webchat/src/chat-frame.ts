/**
 * One text frame of a guest chat's event stream, read without trusting it. The API sends JSON
 * envelopes `{ topicName, version, eventBody, metadata }`; anything else (not JSON, not an object,
 * a topic or type it does not send, a body without the fields a delivered event is used by) is
 * ignored with a reason, never thrown: a frame comes from the network, and a throw inside the
 * socket's event handler would take the process down.
 */
import type { WebChatMemberInfo, WebChatMessage, WebChatTyping } from './generated/models.js';

/**
 * Why a frame was ignored: a closed set of our own words, never the frame's content, so that it
 * can label a counter and a span event.
 */
export type IgnoredFrameReason =
  | 'not json'
  | 'not an object'
  /** Set by the stream, not the parser: the API sends text frames only. */
  | 'binary frame'
  | 'unknown topic'
  | 'unknown type'
  | 'body not an object'
  | 'invalid message'
  | 'invalid typing'
  | 'invalid member change';

/** What a frame holds: an event to deliver, nothing to deliver (`quiet`), or nothing usable (`ignored`). */
export type ParsedFrame =
  | { readonly kind: 'message'; readonly message: WebChatMessage }
  | { readonly kind: 'typing'; readonly typing: WebChatTyping }
  | { readonly kind: 'member-change'; readonly member: WebChatMemberInfo }
  /** A frame the API sends that carries no chat event: a heartbeat, a media request. */
  | { readonly kind: 'quiet' }
  | { readonly kind: 'ignored'; readonly reason: IgnoredFrameReason };

/** The topics of one conversation: `v2.conversations.chats.{conversationId}.{messages|members|mediarequests}`. */
const CHAT_TOPIC = /^v2\.conversations\.chats\.[^.]+\.(messages|members|mediarequests)$/;
/** The channel's own frames (heartbeats, pongs): nothing to deliver. */
const CHANNEL_TOPIC = 'channel.metadata';

type Json = Record<string, unknown>;

/** A JSON object: not null, not an array. */
function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * The minimal message, checked by the fields a delivered message is used by: its `id` (a
 * non-empty string: exactly-once delivery and the gap fill's cursor), its `body` (a string: what
 * it says) and its `sender` (an object: who said it; Genesys sends `{ id }` only, so nothing inside
 * it is required), and a `timestamp` that is a string when it is there (it orders delivery; one
 * missing or not ISO 8601 keeps its arrival place). The rest (`bodyType`, `conversation`) is passed
 * on as the server sent it.
 */
function isMessage(body: Json): boolean {
  return (
    typeof body.id === 'string' &&
    body.id !== '' &&
    typeof body.body === 'string' &&
    isObject(body.sender) &&
    (body.timestamp === undefined || typeof body.timestamp === 'string')
  );
}

/** The minimal typing indicator: who is typing, a `sender` object (Genesys: `{ id }`). */
function isTyping(body: Json): boolean {
  return isObject(body.sender);
}

/** The event types each topic of a conversation carries. */
const TYPES: Record<string, readonly string[]> = {
  messages: ['message', 'typing-indicator'],
  members: ['member-change'],
  mediarequests: ['media-request'],
};

/** The event of a frame whose topic and type are known: checked for the fields it is used by. */
function chatEvent(type: string, body: Json): ParsedFrame {
  // Checked for what they are used by; the generated models type the rest.
  if (type === 'message')
    return isMessage(body)
      ? { kind: 'message', message: body as unknown as WebChatMessage }
      : { kind: 'ignored', reason: 'invalid message' };
  if (type === 'typing-indicator')
    return isTyping(body) ? { kind: 'typing', typing: body as unknown as WebChatTyping } : { kind: 'ignored', reason: 'invalid typing' };
  // A member change is used by its member (an object: Genesys sends at least `{ id, state }`).
  return isObject(body.member)
    ? { kind: 'member-change', member: body.member as unknown as WebChatMemberInfo }
    : { kind: 'ignored', reason: 'invalid member change' };
}

/** What one text frame holds; never throws. */
export function parseFrame(text: string): ParsedFrame {
  let frame: unknown;
  try {
    frame = JSON.parse(text);
  } catch {
    return { kind: 'ignored', reason: 'not json' };
  }
  if (!isObject(frame)) return { kind: 'ignored', reason: 'not an object' };
  const topic = frame.topicName;
  if (topic === CHANNEL_TOPIC) return { kind: 'quiet' };
  const family = typeof topic === 'string' ? CHAT_TOPIC.exec(topic)?.[1] : undefined;
  if (family === undefined) return { kind: 'ignored', reason: 'unknown topic' };
  const type = isObject(frame.metadata) ? frame.metadata.type : undefined;
  if (typeof type !== 'string' || !TYPES[family]?.includes(type)) return { kind: 'ignored', reason: 'unknown type' };
  // Media requests are not delivered as events (chat.mediaRequests() reads them): nothing to check.
  if (type === 'media-request') return { kind: 'quiet' };
  const body = frame.eventBody;
  return isObject(body) ? chatEvent(type, body) : { kind: 'ignored', reason: 'body not an object' };
}
