/**
 * One text frame of the Web Messaging guest WebSocket, read without trusting it. The server sends
 * JSON envelopes `{ type, class, code, body, tracingId? }` (the schema's BaseMessage); `class` names
 * the model of `body`, or is `string` for an error whose `body` is a text. Anything else (not JSON,
 * not an object, no class or one the protocol does not have, a body of the wrong shape for its
 * class) is ignored with a reason, never thrown: a frame comes from the network, and a throw inside
 * the socket's event handler would take the process down.
 *
 * Bodies are checked for what a session uses them by, against the schema
 * (`spec/webmessaging-guest-protocol.json`) and the real frames of its notes; the generated models
 * type the rest, which is passed on as the server sent it. Where the schema and Genesys' own
 * clients disagree (the notes' `discrepancies`), what either shows is accepted, and said where.
 */
import type {
  AttachmentDeletedResponse,
  BaseMessageType,
  CleanMessageContent,
  ConnectionClosedEvent,
  ErrorMessage,
  EventTyping,
  EventTypingType,
  GenerateUrlError,
  GetConfigurationResponse,
  JwtResponse,
  LogoutEvent,
  MessageEvent,
  OriginatingEntity,
  PresignedUrlResponse,
  ResumeTokenResponse,
  SessionClearedEvent,
  SessionExpiredEvent,
  SessionResponse,
  StructuredMessage,
  TooManyRequestsErrorMessage,
  UploadFailureEvent,
  UploadSuccessEvent,
} from './generated/guest-protocol.js';
import { GUEST_ERROR_CODES, type GuestErrorName, isGuestErrorCode } from './guest-error-codes.js';

/**
 * Why a frame was ignored: a closed set of our own words, never the frame's content, so that it
 * can label a counter and a span event.
 */
export type IgnoredGuestFrameReason =
  /** The input was not a string at all (a caller's mistake: the socket hands text frames over as strings). */
  | 'not text'
  | 'not json'
  /** Objects and arrays nested deeper than {@link MAX_GUEST_FRAME_DEPTH}: refused before parsing. */
  | 'too deep'
  /** JSON, but `null`, an array or a primitive. */
  | 'not an object'
  /** `type` is neither `message` nor `response`. */
  | 'invalid envelope type'
  | 'no class'
  /** A class the protocol does not have (or `Unknown`, whose body the schema does not define). */
  | 'unknown class'
  /** `code` is not a finite number. */
  | 'invalid code'
  /** A `tracingId` that is not a string. */
  | 'invalid tracing id'
  /** A class whose body is a model, with a body that is no object. */
  | 'body not an object'
  /** An error (`class: "string"`) whose body is no text. */
  | 'body not a string'
  | 'invalid session response'
  | 'invalid structured message'
  /** A StructuredMessage (`type: "message"`) that is neither Inbound nor Outbound: whose it is cannot be told. */
  | 'unknown direction'
  | 'invalid presigned url'
  | 'invalid upload success'
  | 'invalid upload failure'
  | 'invalid attachment deleted'
  | 'invalid jwt response'
  | 'invalid resume token'
  | 'invalid configuration'
  | 'invalid connection closed'
  | 'invalid rate limit'
  | 'invalid error message';

/**
 * A message event as it arrives. `eventType` is any string: one of the schema's EventTypeEnum
 * (`CoBrowse`, `Presence`, `Reactions`, `Typing`, `Video`) or one added since, passed on rather
 * than refused. A typing event's `type` may be `Off` besides the schema's `On`: the Kotlin
 * transport's fixtures send both (notes: discrepancies, "Typing event type Off").
 */
export type ReceivedMessageEvent = Omit<MessageEvent, 'eventType' | 'typing'> & {
  /** The kind of event: `Typing`, `Presence`, `CoBrowse`, … */
  readonly eventType: string;
  /** The typing event, for `eventType: "Typing"`. */
  readonly typing?: Omit<EventTyping, 'type'> & {
    /** `On`, or `Off` (the Kotlin fixtures). */
    readonly type: EventTypingType | 'Off';
  };
};

/**
 * A content element as it arrives: the schema's CleanMessageContent (text, quick replies, buttons,
 * cards, carousels, attachments, …), whose `contentType` is any string (one of ContentType, or one
 * added since: passed on rather than refused).
 */
export type ReceivedContent = Omit<CleanMessageContent, 'contentType'> & {
  /** The kind of content: `Attachment`, `QuickReply`, `Card`, … */
  readonly contentType: string;
};

/**
 * A StructuredMessage as it arrives. The schema's StructuredMessage types `content` as attachments
 * only and has no `originatingEntity`, while real frames carry `originatingEntity` (`Human`,
 * `Bot`) and rich content: both are read as the schema's CleanMessage (the same message with them)
 * has them.
 */
export type ReceivedStructuredMessage = Omit<StructuredMessage, 'content' | 'events'> & {
  /** Its content elements. */
  readonly content?: readonly ReceivedContent[];
  /** Its events (typing, presence, co-browse, …), for `type: "Event"`. */
  readonly events?: readonly ReceivedMessageEvent[];
  /** Whether a person or a bot sent it (outbound messages). */
  readonly originatingEntity?: OriginatingEntity;
};

/**
 * The body of a ConnectionClosedEvent. The schema names its reason `reasonCode`; Genesys' Kotlin
 * transport reads `reason` and its fixture sends `{ "reason": "signedIn" }` (notes: discrepancies):
 * either is read.
 */
export type ReceivedConnectionClosedEvent = ConnectionClosedEvent & {
  /** Why the connection was closed, as the Kotlin transport reads it: `signedIn` (the guest signed in elsewhere). */
  readonly reason?: string;
};

/**
 * An error body of the ErrorMessage family. The schema requires `name` and `message`; the Kotlin
 * transport's TooManyRequestsErrorMessage fixture has neither (notes: discrepancies), so they are
 * optional here for every error model.
 */
export type ReceivedErrorBody<T extends ErrorMessage> = Omit<T, 'name' | 'message'> & {
  /** The error's name. */
  readonly name?: string;
  /** The error's message. */
  readonly message?: string;
};

/** The envelope of a frame of one class, with its typed body: `kind` tells the variants apart. */
export interface GuestFrameEnvelope<Kind extends string, Class extends string, Body> {
  /** What the frame is, for a `switch`. */
  readonly kind: Kind;
  /** The schema's class of the body (`MessageDataType`). */
  readonly class: Class;
  /** `message` (something happened) or `response` (an answer to a request). */
  readonly type: BaseMessageType;
  /** 200, or the error code (`409`, `429`, `4006`, …). */
  readonly code: number;
  /** The body, checked for the fields it is used by. */
  readonly body: Body;
  /** The tracingId of the request it answers or echoes: the envelope's, else the body's. */
  readonly tracingId?: string;
}

/** A StructuredMessage sent by the guest (this connection or another of its token), echoed: `direction: "Inbound"`. */
export type GuestEchoFrame = GuestFrameEnvelope<
  'guest-echo',
  'StructuredMessage',
  ReceivedStructuredMessage & {
    /** From the guest. */
    readonly direction: 'Inbound';
  }
>;
/** A message from an agent or a bot (`originatingEntity`): `direction: "Outbound"`, any type but `Event`. */
export type AgentMessageFrame = GuestFrameEnvelope<
  'agent-message',
  'StructuredMessage',
  ReceivedStructuredMessage & {
    /** From the agent's side. */
    readonly direction: 'Outbound';
  }
>;
/** Events from the agent's side (`direction: "Outbound"`, `type: "Event"`): typing, presence Join or Disconnect, co-browse offers, … */
export type AgentEventFrame = GuestFrameEnvelope<
  'agent-event',
  'StructuredMessage',
  ReceivedStructuredMessage & {
    /** From the agent's side. */
    readonly direction: 'Outbound';
    /** An event message. */
    readonly type: 'Event';
    /** Its events: at least one. */
    readonly events: readonly ReceivedMessageEvent[];
  }
>;
/** The answer to an `echo` request (the health check): a StructuredMessage with `type: "response"`. */
export type EchoResponseFrame = GuestFrameEnvelope<'echo-response', 'StructuredMessage', ReceivedStructuredMessage>;
/** A TooManyRequestsErrorMessage (code 429, errorCode 4029), with its `retryAfter` in seconds. */
export type TooManyRequestsFrame = GuestFrameEnvelope<
  'too-many-requests',
  'TooManyRequestsErrorMessage',
  ReceivedErrorBody<TooManyRequestsErrorMessage>
> & {
  /** When to send again, in seconds (the body's `retryAfter`). */
  readonly retryAfter: number;
};
/** An error answer: `class: "string"`, the error code in `code`, a text in `body`. */
export type GuestErrorFrame = GuestFrameEnvelope<'error', 'string', string> & {
  /** The Kotlin transport's name for `code`, when it is one of GUEST_ERROR_CODES. */
  readonly errorName?: GuestErrorName;
};

/** What a frame of the guest protocol holds, by `kind`; or `ignored`, with why. */
export type GuestFrame =
  | GuestFrameEnvelope<'session', 'SessionResponse', SessionResponse>
  | GuestEchoFrame
  | AgentMessageFrame
  | AgentEventFrame
  | EchoResponseFrame
  | GuestFrameEnvelope<'presigned-url', 'PresignedUrlResponse', PresignedUrlResponse>
  | GuestFrameEnvelope<'upload-success', 'UploadSuccessEvent', UploadSuccessEvent>
  | GuestFrameEnvelope<'upload-failure', 'UploadFailureEvent', UploadFailureEvent>
  | GuestFrameEnvelope<'attachment-deleted', 'AttachmentDeletedResponse', AttachmentDeletedResponse>
  | GuestFrameEnvelope<'jwt', 'JwtResponse', JwtResponse>
  | GuestFrameEnvelope<'resume-token', 'ResumeTokenResponse', ResumeTokenResponse>
  | GuestFrameEnvelope<'configuration', 'GetConfigurationResponse', GetConfigurationResponse>
  | GuestFrameEnvelope<'connection-closed', 'ConnectionClosedEvent', ReceivedConnectionClosedEvent>
  | GuestFrameEnvelope<'session-expired', 'SessionExpiredEvent', SessionExpiredEvent>
  | GuestFrameEnvelope<'session-cleared', 'SessionClearedEvent', SessionClearedEvent>
  | GuestFrameEnvelope<'logout', 'LogoutEvent', LogoutEvent>
  | TooManyRequestsFrame
  | GuestFrameEnvelope<'generate-url-error', 'GenerateUrlError', ReceivedErrorBody<GenerateUrlError>>
  /** `class: "Error"` (in the schema's MessageDataType; no real frame shows its body): read as the schema's ErrorMessage. */
  | GuestFrameEnvelope<'error-message', 'Error', ReceivedErrorBody<ErrorMessage>>
  | GuestErrorFrame
  | IgnoredGuestFrame;

/** Text that is no frame of the protocol, and why. */
export interface IgnoredGuestFrame {
  /** Always `ignored`. */
  readonly kind: 'ignored';
  /** Why: one of a fixed set of our own words, never anything of the frame. */
  readonly reason: IgnoredGuestFrameReason;
}

/**
 * The deepest nesting of objects and arrays a frame may have. The schema's deepest model (a form's
 * list picker inside a message's content) nests about 13 levels, envelope included; deeper is no
 * frame of the protocol, and refusing it before parsing keeps whatever handles a frame later (a
 * JSON.stringify in a log line, a structured clone) from recursing as deep as the sender chose.
 */
export const MAX_GUEST_FRAME_DEPTH = 64;

/** Whether a text nests objects and arrays deeper than {@link MAX_GUEST_FRAME_DEPTH}, brackets inside strings aside: one pass, no parsing. */
function tooDeep(text: string): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c)
        i++; // a backslash escapes the next character
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x7b || c === 0x5b) {
      if (++depth > MAX_GUEST_FRAME_DEPTH) return true;
    } else if (c === 0x7d || c === 0x5d) depth--;
  }
  return false;
}

type Json = Record<string, unknown>;
type Check = (value: unknown) => boolean;
/** Fields of a body: whether each is required, and what its value must be when it is there. */
type Fields = Readonly<Record<string, readonly [required: boolean, check: Check]>>;

/** A JSON object: not null, not an array. */
function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

const isString: Check = (value) => typeof value === 'string';
const isBoolean: Check = (value) => typeof value === 'boolean';
const isNumber: Check = (value) => typeof value === 'number' && Number.isFinite(value);
const isStringArray: Check = (value) => Array.isArray(value) && value.every(isString);
const isStringMap: Check = (value) => isObject(value) && Object.values(value).every(isString);
const oneOf =
  (...values: readonly string[]): Check =>
  (value) =>
    typeof value === 'string' && values.includes(value);
const arrayOf =
  (check: Check): Check =>
  (value) =>
    Array.isArray(value) && value.every(check);
const objectWith =
  (fields: Fields): Check =>
  (value) =>
    isObject(value) && hasFields(value, fields);

/** Whether every field of `fields` is there when required, and of its kind when there (`null` is no value of any kind). */
function hasFields(body: Json, fields: Fields): boolean {
  return Object.entries(fields).every(([name, [required, check]]) => (Object.hasOwn(body, name) ? check(body[name]) : !required));
}

/** AllowedMedia: the file types and size a session's uploads are bounded by. */
const isAllowedMedia = objectWith({
  inbound: [true, objectWith({ fileTypes: [true, arrayOf(objectWith({ type: [true, isString] }))], maxFileSizeKB: [true, isNumber] })],
});

const SESSION_RESPONSE: Fields = {
  connected: [true, isBoolean],
  newSession: [false, isBoolean],
  readOnly: [false, isBoolean],
  clearedExistingSession: [false, isBoolean],
  autoStarted: [false, isBoolean],
  allowedMedia: [false, isAllowedMedia],
  blockedExtensions: [false, isStringArray],
  maxCustomDataBytes: [false, isNumber],
  durationSeconds: [false, isNumber],
  expirationDate: [false, isNumber],
};

/**
 * A StructuredMessage: its `type` one of the schema's NormalizedType (it decides what the message
 * is), `direction` Inbound or Outbound when there, `id` and `text` strings, `channel` an object
 * whose `time` (the conversation's order) and `messageId` are strings, `metadata` strings (a
 * Disconnect's `readOnly: "true"`), content elements and events objects of a string kind.
 */
const STRUCTURED_MESSAGE: Fields = {
  type: [true, oneOf('Event', 'Message', 'Receipt', 'Structured', 'Text')],
  direction: [false, oneOf('Inbound', 'Outbound')],
  id: [false, isString],
  text: [false, isString],
  channel: [false, objectWith({ time: [false, isString], messageId: [false, isString], type: [false, oneOf('Private', 'Public')] })],
  metadata: [false, isStringMap],
  content: [false, arrayOf(objectWith({ contentType: [true, isString] }))],
  events: [
    false,
    arrayOf(
      objectWith({
        eventType: [true, isString],
        typing: [false, objectWith({ type: [true, isString] })],
        presence: [false, objectWith({ type: [true, isString] })],
        coBrowse: [false, objectWith({ type: [true, isString] })],
      }),
    ),
  ],
  originatingEntity: [false, oneOf('Bot', 'Human')],
};

/**
 * The error models (ErrorMessage, GenerateUrlError, TooManyRequestsErrorMessage): `errorCode` and
 * `errorMessage` required, `name` and `message` not (see {@link ReceivedErrorBody}).
 */
const ERROR_BODY: Fields = {
  errorCode: [true, isNumber],
  errorMessage: [true, isString],
  name: [false, isString],
  message: [false, isString],
  stack: [false, isString],
  attachmentId: [false, isString],
  timestamp: [false, isString],
};

/** The head of an envelope, checked: what every variant carries besides its kind, class and body. */
interface Head {
  readonly type: BaseMessageType;
  readonly code: number;
  readonly tracingId: string | undefined;
}

/** How the body of one class is read: the fields it must have, the kind it makes, and why it is ignored otherwise. */
interface ClassReader {
  readonly kind: Exclude<GuestFrame['kind'], 'ignored' | 'guest-echo' | 'agent-message' | 'agent-event' | 'echo-response' | 'error'>;
  readonly fields: Fields;
  readonly invalid: IgnoredGuestFrameReason;
}

/** The classes whose body is a model, read by its fields alone. A Map: a class named `constructor` or `__proto__` finds nothing. */
const READERS: ReadonlyMap<string, ClassReader> = new Map<string, ClassReader>([
  ['SessionResponse', { kind: 'session', fields: SESSION_RESPONSE, invalid: 'invalid session response' }],
  [
    'PresignedUrlResponse',
    {
      kind: 'presigned-url',
      fields: {
        attachmentId: [true, isString],
        headers: [true, isStringMap],
        url: [true, isString],
        fileName: [false, isString],
        fileSize: [false, isNumber],
        fileType: [false, isString],
      },
      invalid: 'invalid presigned url',
    },
  ],
  [
    'UploadSuccessEvent',
    {
      kind: 'upload-success',
      fields: { attachmentId: [true, isString], downloadUrl: [true, isString], timestamp: [true, isString] },
      invalid: 'invalid upload success',
    },
  ],
  [
    'UploadFailureEvent',
    {
      kind: 'upload-failure',
      fields: { attachmentId: [true, isString], errorCode: [true, isNumber], errorMessage: [true, isString], timestamp: [true, isString] },
      invalid: 'invalid upload failure',
    },
  ],
  [
    'AttachmentDeletedResponse',
    { kind: 'attachment-deleted', fields: { attachmentId: [true, isString] }, invalid: 'invalid attachment deleted' },
  ],
  ['JwtResponse', { kind: 'jwt', fields: { jwt: [true, isString], exp: [true, isNumber] }, invalid: 'invalid jwt response' }],
  [
    'ResumeTokenResponse',
    { kind: 'resume-token', fields: { resumeToken: [true, isString], exp: [true, isNumber] }, invalid: 'invalid resume token' },
  ],
  [
    'GetConfigurationResponse',
    {
      kind: 'configuration',
      fields: {
        allowedMedia: [true, isAllowedMedia],
        maxCustomDataBytes: [true, isNumber],
        messageRoutingEnabled: [true, isBoolean],
        blockedExtensions: [false, isStringArray],
        sessionDurationSeconds: [false, isNumber],
      },
      invalid: 'invalid configuration',
    },
  ],
  [
    'ConnectionClosedEvent',
    {
      kind: 'connection-closed',
      fields: { reasonCode: [false, isString], reason: [false, isString] },
      invalid: 'invalid connection closed',
    },
  ],
  // Events that are their class alone: their body (`{}` in every real frame) holds nothing more.
  ['SessionExpiredEvent', { kind: 'session-expired', fields: {}, invalid: 'body not an object' }],
  ['SessionClearedEvent', { kind: 'session-cleared', fields: {}, invalid: 'body not an object' }],
  ['LogoutEvent', { kind: 'logout', fields: {}, invalid: 'body not an object' }],
  ['GenerateUrlError', { kind: 'generate-url-error', fields: ERROR_BODY, invalid: 'invalid error message' }],
  ['Error', { kind: 'error-message', fields: ERROR_BODY, invalid: 'invalid error message' }],
]);

const ignored = (reason: IgnoredGuestFrameReason): GuestFrame => ({ kind: 'ignored', reason });

/**
 * A variant of a class whose body has been checked: the envelope fields every variant carries,
 * with `tracingId` only when there is one. The one place a checked body becomes its type (the
 * checks cover what the body is used by; the generated models type the rest).
 */
function envelope<F extends Exclude<GuestFrame, IgnoredGuestFrame>>(kind: F['kind'], cls: string, head: Head, body: unknown): F {
  const frame = {
    kind,
    class: cls,
    type: head.type,
    code: head.code,
    body,
    ...(head.tracingId !== undefined ? { tracingId: head.tracingId } : {}),
  };
  return frame as unknown as F;
}

/**
 * A StructuredMessage, by who sent it. `type: "response"` answers an `echo` (the health check:
 * Inbound, in the Kotlin fixtures, though the schema's BaseMessageType would make it a `message`;
 * notes: discrepancies, "Echo answer envelope"). Otherwise the direction tells the guest's own
 * echo (Inbound, whatever its type: a text, an autostart's Presence Join) from the agent's or bot's
 * (Outbound), whose `Event` messages are events. A `message` without a direction is ignored: the
 * schema does not require it, but every real frame has one, and a message whose sender cannot be
 * told must not be delivered as the agent's.
 */
function structuredMessage(head: Head, body: Json): GuestFrame {
  if (!hasFields(body, STRUCTURED_MESSAGE)) return ignored('invalid structured message');
  if (head.type === 'response') return envelope<EchoResponseFrame>('echo-response', 'StructuredMessage', head, body);
  if (body.direction === 'Inbound') return envelope<GuestEchoFrame>('guest-echo', 'StructuredMessage', head, body);
  if (body.direction !== 'Outbound') return ignored('unknown direction');
  if (body.type !== 'Event') return envelope<AgentMessageFrame>('agent-message', 'StructuredMessage', head, body);
  // An event message carries its events: without any it says nothing.
  return Array.isArray(body.events) && body.events.length > 0
    ? envelope<AgentEventFrame>('agent-event', 'StructuredMessage', head, body)
    : ignored('invalid structured message');
}

/**
 * A TooManyRequestsErrorMessage: an error body whose `retryAfter` is a number of seconds, at least
 * 0. The schema says int32; any finite number is taken (the session bounds the wait it honours).
 */
function tooManyRequests(head: Head, body: Json): GuestFrame {
  const retryAfter = body.retryAfter;
  if (!hasFields(body, ERROR_BODY) || typeof retryAfter !== 'number' || !Number.isFinite(retryAfter) || retryAfter < 0)
    return ignored('invalid rate limit');
  return { ...envelope<TooManyRequestsFrame>('too-many-requests', 'TooManyRequestsErrorMessage', head, body), retryAfter };
}

/** An error answer (`class: "string"`): its code, text, and the code's name when the notes know it. */
function errorFrame(head: Head, body: unknown): GuestFrame {
  if (typeof body !== 'string') return ignored('body not a string');
  const known = isGuestErrorCode(head.code) ? GUEST_ERROR_CODES[head.code].name : undefined;
  return { ...envelope<GuestErrorFrame>('error', 'string', head, body), ...(known !== undefined ? { errorName: known } : {}) };
}

/** The tracingId of a frame: the envelope's (every real frame's place), else its body's (where the schema's models have it). */
function tracingIdOf(frame: Json): string | undefined | false {
  const own = frame.tracingId;
  if (own !== undefined) return typeof own === 'string' ? own : false;
  const inBody = isObject(frame.body) ? frame.body.tracingId : undefined;
  if (inBody !== undefined) return typeof inBody === 'string' ? inBody : false;
  return undefined;
}

/** The envelope's head, or why the frame is no frame of the protocol. */
function readHead(frame: Json): Head | IgnoredGuestFrameReason {
  const { type, code } = frame;
  if (type !== 'message' && type !== 'response') return 'invalid envelope type';
  if (typeof code !== 'number' || !Number.isFinite(code)) return 'invalid code';
  const tracingId = tracingIdOf(frame);
  if (tracingId === false) return 'invalid tracing id';
  return { type, code, tracingId };
}

/** The frame of a class, its envelope checked. */
function byClass(cls: string, head: Head, body: unknown): GuestFrame {
  if (cls === 'string') return errorFrame(head, body);
  const reader = READERS.get(cls);
  if (!reader && cls !== 'StructuredMessage' && cls !== 'TooManyRequestsErrorMessage') return ignored('unknown class');
  if (!isObject(body)) return ignored('body not an object');
  if (reader) return hasFields(body, reader.fields) ? envelope(reader.kind, cls, head, body) : ignored(reader.invalid);
  return cls === 'StructuredMessage' ? structuredMessage(head, body) : tooManyRequests(head, body);
}

/** What one text frame of the guest WebSocket holds; never throws, whatever it is given. */
export function parseGuestFrame(text: string): GuestFrame {
  if (typeof text !== 'string') return ignored('not text');
  if (tooDeep(text)) return ignored('too deep');
  let frame: unknown;
  try {
    frame = JSON.parse(text);
  } catch {
    return ignored('not json');
  }
  if (!isObject(frame)) return ignored('not an object');
  const cls = frame.class;
  if (cls === undefined) return ignored('no class');
  if (typeof cls !== 'string') return ignored('unknown class');
  const head = readHead(frame);
  if (typeof head === 'string') return ignored(head);
  return byClass(cls, head, frame.body);
}
