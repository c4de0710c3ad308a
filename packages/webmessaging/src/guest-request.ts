/**
 * The frames a guest sends on the Web Messaging WebSocket, one function per request a session
 * makes, each returning the JSON text to send. They are shaped as Genesys' own clients send them
 * (the notes' `clientFrames`, from the Kotlin transport's serialization tests) and typed by the
 * schema's request models (`generated/guest-protocol.ts`). The input is checked first: one
 * {@link ValidationError} lists every problem, names the field, and never holds a value (a token
 * is a credential; text and custom attributes are the guest's), and nothing is built.
 *
 * What the notes establish is enforced: a token of 1 to 2,048 characters (facts:
 * `guestTokenFormat`), custom attributes as a flat map of strings within the session's
 * `maxCustomDataBytes` when the caller gives it (facts: `customAttributesLimit`). What they do not
 * is left to the server: the longest message text behind 4011 is `notEstablished`, so text has no
 * length limit here.
 */
import { ValidationError, type ValidationProblem } from '@switchboard/core';
import type {
  CloseSessionRequest,
  ConfigureAuthenticatedSessionRequest,
  ConfigureSessionRequest,
  ContentAttachment,
  DeleteAttachmentRequest,
  GenerateDownloadUrlRequest,
  GenerateUploadUrlRequest,
  GetConfigurationRequest,
  GetJwtRequest,
  IncomingNormalizedMessage,
  JourneyContext,
  MessageContent,
  MessageEvent,
  RequestType,
  SendEchoRequest,
  SendMessageRequest,
} from './generated/guest-protocol.js';

/** The longest guest token, in characters (notes: facts, `guestTokenFormat`: "the token cannot exceed 2048 characters"). */
export const MAX_GUEST_TOKEN_CHARACTERS = 2_048;

/** The largest `fileSize` the schema's int32 can hold. */
const MAX_INT32 = 2_147_483_647;

/** What every request carries. */
export interface GuestRequestInput {
  /**
   * The guest's session token: client-generated, 1 to 2,048 characters, any format (a UUID is
   * recommended). Reusing it resumes the session.
   */
  readonly token: string;
  /** Chosen by the caller, non-empty: the server puts it on the answer (or the echo), to match it with this request. */
  readonly tracingId: string;
}

/** Custom attributes for a message: `channel.metadata.customAttributes`. */
export interface CustomAttributesInput {
  /**
   * A flat map of strings, passed to the conversation's participant data.
   * @default none: the message carries no channel
   */
  readonly customAttributes?: Readonly<Record<string, string>>;
  /**
   * The session's limit for them, in bytes: SessionResponse's (or GetConfigurationResponse's)
   * `maxCustomDataBytes`. Over it the server answers 4013.
   * @default no limit checked here: the server's 4013 is the judge
   */
  readonly maxCustomDataBytes?: number;
}

/** configureSession: start a session for a token, or resume the token's own. */
export interface ConfigureSessionInput extends GuestRequestInput {
  /** The Web Messaging deployment. */
  readonly deploymentId: string;
  /**
   * Start a new session in place of a read-only one (after the agent's Presence Disconnect).
   * @default false (sent as `false`, as the Kotlin transport does)
   */
  readonly startNew?: boolean;
  /**
   * Journey (Predictive Engagement) data to link with the conversation.
   * @default none
   */
  readonly journeyContext?: JourneyContext;
  /**
   * A token from the resumeToken action, to move its session to this token (in the schema; no official client sends it).
   * @default none
   */
  readonly resumeToken?: string;
}

/** configureAuthenticatedSession: the same, for a guest signed in with OAuth. */
export interface ConfigureAuthenticatedSessionInput extends ConfigureSessionInput {
  /** The OAuth code, or the JWT of the code-grant exchange (sent as `data.code`). */
  readonly code: string;
}

/** onMessage with text, and attachments the guest uploaded. */
export interface TextMessageInput extends GuestRequestInput, CustomAttributesInput {
  /**
   * The text: non-empty, unless the message carries attachments (then it may be empty). Its
   * longest length is not established (the server answers 4011 over it).
   */
  readonly text: string;
  /**
   * Attachments the guest uploaded (onAttachment, then their UploadSuccessEvent), by id: the
   * message's content, one `Attachment` element each. The server refuses an id it does not know
   * (4009) or whose upload did not succeed (4010).
   * @default none
   */
  readonly attachmentIds?: readonly string[];
}

/** onMessage answering a quick reply or a button of an agent's or bot's message. */
export interface ButtonResponseInput extends GuestRequestInput, CustomAttributesInput {
  /** The text of the quick reply or button chosen (shown as the guest's message). */
  readonly text: string;
  /** Its payload, as the message offering it gave it. */
  readonly payload: string;
  /**
   * What was chosen.
   * @default 'QuickReply'
   */
  readonly type?: 'QuickReply' | 'Button';
  /**
   * The id of the message offering it.
   * @default none
   */
  readonly originatingMessageId?: string;
}

/** onMessage with a Presence Join event: the autostart that starts the conversation before the guest writes. */
export interface PresenceJoinInput extends GuestRequestInput, CustomAttributesInput {}

/** onMessage answering a co-browse offer (an agent's CoBrowse `Offering` event). */
export interface CoBrowseAnswerInput extends GuestRequestInput {
  /** Accept or reject the offer. */
  readonly type: 'OfferingAccepted' | 'OfferingRejected';
  /**
   * The co-browse session id, from the offer.
   * @default none
   */
  readonly sessionId?: string;
  /**
   * The session's join token, from the offer.
   * @default none
   */
  readonly sessionJoinToken?: string;
}

/** onAttachment: ask for a presigned URL to upload a file to. */
export interface OnAttachmentInput extends GuestRequestInput {
  /** The file's name. */
  readonly fileName: string;
  /** Its MIME type. */
  readonly fileType: string;
  /**
   * Its size in bytes. The schema requires it; the Kotlin transport may leave it out (notes: discrepancies).
   * @default left out
   */
  readonly fileSize?: number;
  /**
   * Its MD5 digest. The schema requires it; the Kotlin transport may leave it out (notes: discrepancies).
   * @default left out
   */
  readonly fileMd5?: string;
  /**
   * An id for the attachment, chosen by the client (the Kotlin transport sends one).
   * @default left out: the server chooses
   */
  readonly attachmentId?: string;
  /**
   * The Kotlin transport's `errorsAsJson` flag (not in the schema; notes: discrepancies).
   * @default left out
   */
  readonly errorsAsJson?: boolean;
}

/** getAttachment and deleteAttachment: an attachment by id. */
export interface AttachmentInput extends GuestRequestInput {
  /** The attachment's id. */
  readonly attachmentId: string;
}

/** closeSession. */
export interface CloseSessionInput extends GuestRequestInput {
  /**
   * Close every connection of the token (they get ConnectionClosedEvent), not this one only.
   * @default false
   */
  readonly closeAllConnections?: boolean;
}

/** echo: the health check. */
export interface EchoInput extends GuestRequestInput {
  /**
   * The text the server sends back.
   * @default 'ping' (what the official clients send)
   */
  readonly text?: string;
}

/** getConfiguration. */
export interface GetConfigurationInput extends GuestRequestInput {
  /** The Web Messaging deployment. */
  readonly deploymentId: string;
}

type Json = Record<string, unknown>;

/** The checks of one request's input, collecting every problem; each reads a field once and returns its value when it is right. */
class Checks {
  constructor(
    readonly problems: ValidationProblem[],
    private readonly input: Json,
    private readonly at = '',
  ) {}

  #problem(name: string, message: string): undefined {
    this.problems.push({ pointer: `${this.at}/${name}`, message });
    return undefined;
  }

  /** A string: required unless `optional`, non-empty unless `empty`, at most `max` characters (code points). */
  string(name: string, options: { optional?: boolean; empty?: boolean; max?: number } = {}): string | undefined {
    const value = this.input[name];
    if (value === undefined) return options.optional ? undefined : this.#problem(name, 'is required');
    if (typeof value !== 'string') return this.#problem(name, 'must be a string');
    if (value === '' && !options.empty) return this.#problem(name, 'must not be empty');
    // Characters as code points: the notes say "characters" and no more; the larger count of UTF-16 units is not held against a token.
    if (options.max !== undefined && value.length > options.max && [...value].length > options.max)
      return this.#problem(name, `must be at most ${options.max} characters`);
    return value;
  }

  boolean(name: string): boolean | undefined {
    const value = this.input[name];
    if (value === undefined) return undefined;
    return typeof value === 'boolean' ? value : this.#problem(name, 'must be a boolean');
  }

  /** An integer from `min` to `max`: required unless `optional`. */
  integer(name: string, min: number, max: number, optional: boolean): number | undefined {
    const value = this.input[name];
    if (value === undefined) return optional ? undefined : this.#problem(name, 'is required');
    if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max)
      return this.#problem(name, `must be an integer from ${min} to ${max}`);
    return value;
  }

  /** One of `values`: required unless a default is given. */
  oneOf<T extends string>(name: string, values: readonly T[], fallback?: T): T | undefined {
    const value = this.input[name];
    if (value === undefined) return fallback ?? this.#problem(name, 'is required');
    return values.includes(value as T) ? (value as T) : this.#problem(name, `must be one of ${values.join(', ')}`);
  }

  /** A list of non-empty strings (ids), when there is one; the problem names no value. */
  ids(name: string): string[] | undefined {
    const value = this.input[name];
    if (value === undefined) return undefined;
    if (!Array.isArray(value) || !value.every((id) => typeof id === 'string' && id !== ''))
      return this.#problem(name, 'must be an array of non-empty strings');
    return [...(value as string[])];
  }

  /** The checks of an object inside this one, or `undefined` (with a problem unless it is optional and missing). */
  object(name: string, optional: boolean): Checks | undefined {
    const value = this.input[name];
    if (value === undefined) return optional ? undefined : this.#problem(name, 'is required');
    if (typeof value !== 'object' || value === null || Array.isArray(value)) return this.#problem(name, 'must be an object');
    return new Checks(this.problems, value as Json, `${this.at}/${name}`);
  }

  /**
   * Custom attributes: a plain object of strings, within `maxCustomDataBytes` (validated too) when
   * given. The size is the UTF-8 bytes of the names and values: how the server counts is not
   * established, and this, the smallest count any reading gives, refuses only what is over by
   * every reading (the emulator counts the map's JSON, a little more). The problem names no
   * attribute: their names and values are the guest's.
   */
  customAttributes(): Record<string, string> | undefined {
    const limit = this.input.maxCustomDataBytes;
    if (limit !== undefined && (typeof limit !== 'number' || !Number.isFinite(limit) || limit < 0))
      this.#problem('maxCustomDataBytes', 'must be a number of bytes, at least 0');
    const value = this.input.customAttributes;
    if (value === undefined) return undefined;
    const proto: unknown = typeof value === 'object' && value !== null ? Object.getPrototypeOf(value) : undefined;
    const plain = proto === Object.prototype || proto === null;
    const entries = plain ? Object.entries(value as Json) : [];
    if (!plain || !entries.every(([, v]) => typeof v === 'string'))
      return this.#problem('customAttributes', 'must be a flat object whose values are strings');
    const bytes = entries.reduce((sum, [k, v]) => sum + Buffer.byteLength(k) + Buffer.byteLength(v as string), 0);
    if (typeof limit === 'number' && bytes > limit)
      return this.#problem('customAttributes', `must be at most ${limit} bytes (UTF-8 names and values), the session's maxCustomDataBytes`);
    return Object.fromEntries(entries) as Record<string, string>;
  }
}

/** The checks of a request's input, with its token and tracingId checked; a non-object is refused at once. */
function checksOf(input: unknown, action: RequestType): { checks: Checks; token: string; tracingId: string } {
  if (typeof input !== 'object' || input === null || Array.isArray(input))
    throw new ValidationError([{ pointer: '', message: 'must be an object' }], { operationId: action });
  const checks = new Checks([], input as Json);
  const token = checks.string('token', { max: MAX_GUEST_TOKEN_CHARACTERS }) ?? '';
  const tracingId = checks.string('tracingId') ?? '';
  return { checks, token, tracingId };
}

/** Throws the ValidationError of every problem found, if any. */
function assertValid(checks: Checks, action: RequestType): void {
  if (checks.problems.length > 0) throw new ValidationError(checks.problems, { operationId: action });
}

/** Journey data: the schema's JourneyContext, its fields copied (and nothing else). */
function journeyContextOf(checks: Checks): JourneyContext | undefined {
  const journey = checks.object('journeyContext', true);
  if (!journey) return undefined;
  const customer = journey.object('customer', false);
  const session = journey.object('customerSession', false);
  const action = journey.object('triggeringAction', true);
  const map = action?.object('actionMap', false);
  // The Kotlin transport sends `customerSession.id` empty: empty strings are taken.
  const result = {
    customer: { id: customer?.string('id', { empty: true }) ?? '', idType: customer?.string('idType', { empty: true }) ?? '' },
    customerSession: { id: session?.string('id', { empty: true }) ?? '', type: session?.string('type', { empty: true }) ?? '' },
  };
  if (!action) return result;
  const triggeringAction = {
    id: action.string('id', { empty: true }) ?? '',
    actionMap: { id: map?.string('id', { empty: true }) ?? '', version: map?.integer('version', 0, MAX_INT32, false) ?? 0 },
  };
  return { ...result, triggeringAction };
}

function configure(input: ConfigureSessionInput | ConfigureAuthenticatedSessionInput, authenticated: boolean): string {
  const action = authenticated ? 'configureAuthenticatedSession' : 'configureSession';
  const { checks, token, tracingId } = checksOf(input, action);
  const deploymentId = checks.string('deploymentId') ?? '';
  const startNew = checks.boolean('startNew') ?? false;
  const journeyContext = journeyContextOf(checks);
  const resumeToken = checks.string('resumeToken', { optional: true });
  const code = authenticated ? checks.string('code') : undefined;
  assertValid(checks, action);
  // In the Kotlin transport's order: token, deploymentId, startNew, journeyContext, data, tracingId, action.
  const common = {
    token,
    deploymentId,
    startNew,
    ...(journeyContext ? { journeyContext } : {}),
    ...(resumeToken !== undefined ? { resumeToken } : {}),
  };
  const request: ConfigureSessionRequest | ConfigureAuthenticatedSessionRequest = authenticated
    ? { ...common, data: { code: code ?? '' }, tracingId, action: 'configureAuthenticatedSession' }
    : { ...common, tracingId, action: 'configureSession' };
  return JSON.stringify(request);
}

/** configureSession: starts the token's session, or resumes it (`newSession: false` in the answer). */
export function configureSessionRequest(input: ConfigureSessionInput): string {
  return configure(input, false);
}

/** configureAuthenticatedSession: the same for a signed-in guest, with the code or JWT of the OAuth exchange. */
export function configureAuthenticatedSessionRequest(input: ConfigureAuthenticatedSessionInput): string {
  return configure(input, true);
}

/**
 * An onMessage request. `time` is left out, as the Kotlin transport leaves it (the schema requires
 * it; notes: discrepancies). Custom attributes go in `message.channel.metadata` (the schema's
 * IncomingNormalizedMessage.channel, where the Kotlin transport's messages and autostart put
 * them; an older Kotlin test put them in the request's own `channel`, which the schema has too).
 */
function onMessage(token: string, tracingId: string, message: IncomingNormalizedMessage): string {
  const request: Omit<SendMessageRequest, 'time'> = { token, tracingId, action: 'onMessage', message };
  return JSON.stringify(request);
}

const channelOf = (customAttributes: Record<string, string> | undefined) =>
  customAttributes ? { channel: { metadata: { customAttributes } } } : {};

/**
 * An uploaded attachment as a message's content names it: by its id alone, as the Kotlin
 * transport sends it (its Attachment model's other fields are transient). The schema's
 * ContentAttachment requires `mediaType` too; the server has it from the upload.
 */
function attachmentContent(id: string): MessageContent {
  return { contentType: 'Attachment', attachment: { id } as ContentAttachment };
}

/**
 * onMessage with text: `{ type: "Text", text }`, attachments as its `content` when given (the
 * Kotlin transport's message with attachments: a Text message whose text may be empty), and
 * custom attributes when given.
 */
export function textMessageRequest(input: TextMessageInput): string {
  const { checks, token, tracingId } = checksOf(input, 'onMessage');
  const attachmentIds = checks.ids('attachmentIds') ?? [];
  const text = checks.string('text', { empty: attachmentIds.length > 0 }) ?? '';
  const customAttributes = checks.customAttributes();
  assertValid(checks, 'onMessage');
  const content = attachmentIds.length > 0 ? { content: attachmentIds.map(attachmentContent) } : {};
  return onMessage(token, tracingId, { text, ...content, ...channelOf(customAttributes), type: 'Text' });
}

/**
 * onMessage answering a quick reply or button: a Structured message whose content is one
 * ButtonResponse, its text the chosen text. The Kotlin transport's fixture sends the same content
 * in a `Text` message with empty text; `Structured` is the schema's type for structured content.
 */
export function buttonResponseRequest(input: ButtonResponseInput): string {
  const { checks, token, tracingId } = checksOf(input, 'onMessage');
  const text = checks.string('text', { empty: true }) ?? '';
  const payload = checks.string('payload', { empty: true }) ?? '';
  const type = checks.oneOf('type', ['QuickReply', 'Button'] as const, 'QuickReply') ?? 'QuickReply';
  const originatingMessageId = checks.string('originatingMessageId', { optional: true });
  const customAttributes = checks.customAttributes();
  assertValid(checks, 'onMessage');
  const buttonResponse = { text, payload, type, ...(originatingMessageId !== undefined ? { originatingMessageId } : {}) };
  return onMessage(token, tracingId, {
    text,
    content: [{ contentType: 'ButtonResponse', buttonResponse }],
    ...channelOf(customAttributes),
    type: 'Structured',
  });
}

/** onMessage with events only (`type: "Event"`), after the common checks. */
function eventMessage(input: unknown, events: (checks: Checks) => MessageEvent[], attributes = false): string {
  const { checks, token, tracingId } = checksOf(input, 'onMessage');
  const list = events(checks);
  const customAttributes = attributes ? checks.customAttributes() : undefined;
  assertValid(checks, 'onMessage');
  return onMessage(token, tracingId, { events: list, ...channelOf(customAttributes), type: 'Event' });
}

/** onMessage with a Typing On event: the guest is typing. */
export function typingRequest(input: GuestRequestInput): string {
  return eventMessage(input, () => [{ eventType: 'Typing', typing: { type: 'On' } }]);
}

/** onMessage with a Presence Join event (the autostart), with custom attributes when given. */
export function presenceJoinRequest(input: PresenceJoinInput): string {
  return eventMessage(input, () => [{ eventType: 'Presence', presence: { type: 'Join' } }], true);
}

/** onMessage with a Presence Clear event: the guest clears the conversation (SessionClearedEvent follows). */
export function clearConversationRequest(input: GuestRequestInput): string {
  return eventMessage(input, () => [{ eventType: 'Presence', presence: { type: 'Clear' } }]);
}

/**
 * onMessage answering a co-browse offer: a CoBrowse event of the schema's EventCoBrowse, with the
 * offer's session id and join token when given. No official client's frame is in the notes; this
 * is the schema's shape.
 */
export function coBrowseAnswerRequest(input: CoBrowseAnswerInput): string {
  return eventMessage(input, (checks) => {
    const type = checks.oneOf('type', ['OfferingAccepted', 'OfferingRejected'] as const) ?? 'OfferingRejected';
    const sessionId = checks.string('sessionId', { optional: true });
    const sessionJoinToken = checks.string('sessionJoinToken', { optional: true });
    const coBrowse = {
      type,
      ...(sessionId !== undefined ? { sessionId } : {}),
      ...(sessionJoinToken !== undefined ? { sessionJoinToken } : {}),
    };
    return [{ eventType: 'CoBrowse', coBrowse }];
  });
}

/** onAttachment: a presigned URL to upload to (PresignedUrlResponse), then UploadSuccessEvent or UploadFailureEvent. */
export function onAttachmentRequest(input: OnAttachmentInput): string {
  const { checks, token, tracingId } = checksOf(input, 'onAttachment');
  const attachmentId = checks.string('attachmentId', { optional: true });
  const fileName = checks.string('fileName') ?? '';
  const fileType = checks.string('fileType') ?? '';
  const fileSize = checks.integer('fileSize', 0, MAX_INT32, true);
  const fileMd5 = checks.string('fileMd5', { optional: true });
  const errorsAsJson = checks.boolean('errorsAsJson');
  assertValid(checks, 'onAttachment');
  // fileSize and fileMd5 are optional as in the Kotlin transport (notes: discrepancies), so not the schema's type.
  const request: Omit<GenerateUploadUrlRequest, 'fileSize' | 'fileMd5'> & Partial<GenerateUploadUrlRequest> & { errorsAsJson?: boolean } = {
    token,
    ...(attachmentId !== undefined ? { attachmentId } : {}),
    fileName,
    fileType,
    ...(fileSize !== undefined ? { fileSize } : {}),
    ...(fileMd5 !== undefined ? { fileMd5 } : {}),
    ...(errorsAsJson !== undefined ? { errorsAsJson } : {}),
    tracingId,
    action: 'onAttachment',
  };
  return JSON.stringify(request);
}

function attachmentRequest(input: AttachmentInput, action: 'getAttachment' | 'deleteAttachment'): string {
  const { checks, token, tracingId } = checksOf(input, action);
  const attachmentId = checks.string('attachmentId') ?? '';
  assertValid(checks, action);
  const request: GenerateDownloadUrlRequest | DeleteAttachmentRequest = { token, attachmentId, tracingId, action };
  return JSON.stringify(request);
}

/** getAttachment: a presigned URL to download an attachment from. */
export function getAttachmentRequest(input: AttachmentInput): string {
  return attachmentRequest(input, 'getAttachment');
}

/** deleteAttachment: deletes an attachment the guest uploaded (AttachmentDeletedResponse). */
export function deleteAttachmentRequest(input: AttachmentInput): string {
  return attachmentRequest(input, 'deleteAttachment');
}

/** closeSession: the session ends (SessionResponse `connected: false`); with closeAllConnections, on every connection of the token. */
export function closeSessionRequest(input: CloseSessionInput): string {
  const { checks, token, tracingId } = checksOf(input, 'closeSession');
  const closeAllConnections = checks.boolean('closeAllConnections') ?? false;
  assertValid(checks, 'closeSession');
  const request: CloseSessionRequest = { token, closeAllConnections, tracingId, action: 'closeSession' };
  return JSON.stringify(request);
}

/** echo: the health check, answered by a StructuredMessage of type `response` with the same text and tracingId. */
export function echoRequest(input: EchoInput): string {
  const { checks, token, tracingId } = checksOf(input, 'echo');
  const text = checks.string('text', { optional: true, empty: true }) ?? 'ping';
  assertValid(checks, 'echo');
  const request: SendEchoRequest = { token, tracingId, action: 'echo', message: { text, type: 'Text' } };
  return JSON.stringify(request);
}

/** getConfiguration: the deployment's attachment rules and limits (GetConfigurationResponse). */
export function getConfigurationRequest(input: GetConfigurationInput): string {
  const { checks, token, tracingId } = checksOf(input, 'getConfiguration');
  const deploymentId = checks.string('deploymentId') ?? '';
  assertValid(checks, 'getConfiguration');
  const request: GetConfigurationRequest = { token, deploymentId, tracingId, action: 'getConfiguration' };
  return JSON.stringify(request);
}

/** A request of the token and tracingId alone. */
function bare(input: GuestRequestInput, action: 'getJwt' | 'resumeToken' | 'disconnectCustomer'): string {
  const { checks, token, tracingId } = checksOf(input, action);
  assertValid(checks, action);
  // getJwt has the schema's model (GetJwtRequest); resumeToken and disconnectCustomer have none, and take the same fields.
  const request: Omit<GetJwtRequest, 'action'> & { action: typeof action } = { token, tracingId, action };
  return JSON.stringify(request);
}

/** getJwt: a JWT of the session (JwtResponse), for the guest's REST calls such as the message history. */
export function getJwtRequest(input: GuestRequestInput): string {
  return bare(input, 'getJwt');
}

/**
 * resumeToken: a token to resume the session with (ResumeTokenResponse). In the schema's
 * RequestType, with no request model; what it is for is not established (notes: notEstablished).
 */
export function resumeTokenRequest(input: GuestRequestInput): string {
  return bare(input, 'resumeToken');
}

/**
 * disconnectCustomer: in the schema's RequestType, with no request model, and used by no official
 * client (they close with closeSession); what it does is not established (notes: notEstablished).
 */
export function disconnectCustomerRequest(input: GuestRequestInput): string {
  return bare(input, 'disconnectCustomer');
}
