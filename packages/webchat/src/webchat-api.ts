/**
 * `WebChatAPI`: the 19 operations on a Switchboard client, with auth chosen per operation (none,
 * the conversation's guest JWT, or OAuth), Genesys' ErrorBody in HttpError messages, one
 * deprecation warning per operation, guest sessions and pagination.
 */
import type {
  CallContext,
  CallOptions,
  CallResult,
  Client,
  CallEventListener,
  CallEventType,
  PipelineStep,
  ProxySetting,
  Redaction,
  RouteDescriptor,
} from '@switchboard/core';
import { ListenerSet } from '@switchboard/core';
import { AuthError, type SchemeCredentials } from '@switchboard/middleware';
import { GenesysClient, type GenesysClientOptions, type TelemetryProviders, telemetryProviders } from '@switchboard/genesys';
import type {
  CreateWebChatConversationRequest,
  CreateWebChatConversationResponse,
  WebChatMemberInfo,
  WebChatMessage,
} from './generated/models.js';
import { WebChatOperations } from './generated/operations.js';
import type { GetWebchatGuestConversationMembersInput, GetWebchatGuestConversationMessagesInput } from './generated/routes.js';
import { checkEventStreamOptions, type EventStreamOptions } from './chat-events.js';
import { GuestChat } from './guest-chat.js';

import { type StreamEvent, streamTelemetry } from './stream-telemetry.js';
import { paginateMembers, paginateMessages } from './pagination.js';

/**
 * Where the WebChat API is, auth, middleware and their settings ({@link @switchboard/genesys!GenesysClientOptions}:
 * a `region` or a `baseUrl`, `oauth`, `retry`, `logger`, …), and how guest chats' event streams behave.
 */
export type WebChatAPIOptions = GenesysClientOptions & {
  /**
   * How the event stream of each guest chat (`chat.events()`, `chat.on()`) reconnects, detects a stall, gives up, bounds a frame and orders live messages; checked here (a ConfigurationError names the option and its rule).
   * @default heartbeat 30 s, stalled after 2.5 heartbeats, reconnect backoff 250 ms doubling to 10 s, give up after 2 minutes down, frames up to 256 KiB, a 250 ms reorder window
   */
  readonly eventStream?: EventStreamOptions;
};

/**
 * What WebChat hides, from the models of spec/webchat-api.json:
 * - secrets, always hidden: `eventStreamUri` (it carries the guest's access) and a media request's
 *   `securityKey`;
 * - customer text, hidden unless `includeMessageText`: a message's `body`;
 * - contact details and identity, hidden unless `includeContactDetails`: what GuestMemberInfo sends
 *   and WebChatMemberInfo answers (in members, a message's `sender`, a conversation's `member`) about
 *   a person: `displayName` (typed by the guest, often their name), `firstName`, `lastName`, `email`,
 *   `phoneNumber`, `avatarImageUrl` (a picture of them, or a URL that names them) and `customFields`
 *   (whatever the site attaches: account numbers, addresses); and JourneyContext's `customer` and
 *   `customerSession` (ids that follow one visitor across visits). Email addresses are also hidden
 *   by their look in free text (an error message that quotes one).
 * Left visible: ids, roles, states, dates, `authenticatedGuest`, routing targets, and `name`, which in
 * these models names a deployment, conversation or media request, not a person.
 */
const WEBCHAT_SENSITIVE = {
  secretKeys: ['eventStreamUri', 'securityKey'],
  textKeys: ['body'],
  contactKeys: [
    'displayName',
    'firstName',
    'lastName',
    'email',
    'phoneNumber',
    'avatarImageUrl',
    'customFields',
    'customer',
    'customerSession',
  ],
};

const DEPRECATION = 'Genesys ended support for ACD Web Chat v2 on 2025-11-06; plan a move to Web Messaging.';

/** A guest operation's 429 holds the conversation's guest JWT, which belongs to one conversation. */
function guestRateScope(ctx: CallContext): string {
  return `guest:${conversationOf(ctx.input) ?? ''}`;
}

function conversationOf(input: unknown): string | undefined {
  const id = (input as { conversationId?: unknown } | undefined)?.conversationId;
  return typeof id === 'string' ? id : undefined;
}

/**
 * The Genesys Cloud WebChat API: its 19 operations as methods on a Switchboard client, with auth
 * chosen per operation (none, the conversation's guest JWT, or OAuth), Genesys' ErrorBody in
 * HttpError messages, one deprecation warning per operation, guest sessions and pagination.
 */
export class WebChatAPI extends WebChatOperations {
  /** The Switchboard client underneath, for `identify()` and custom calls. */
  readonly client: Client;
  /** The API's base URL: `baseUrl`, or the API host of `region`. */
  readonly baseUrl: string;
  readonly #genesys: GenesysClient;
  readonly #guestJwts = new Map<string, string>();
  /** Chats this client started, so that close() closes their event streams. */
  readonly #chats = new Set<GuestChat>();
  readonly #eventStream: EventStreamOptions;
  /** The client's proxy setting, which guest chats' event streams follow too. */
  readonly #proxy: ProxySetting;
  /** Where the chats' event streams report (the client's `tracing` and `metrics` providers). */
  readonly #telemetry: TelemetryProviders;
  readonly #streamListeners = new ListenerSet<StreamEvent>();
  /** What is hidden from logs, spans, events and error messages. */
  readonly redaction: Redaction;

  /**
   * @param options - where the API is, and auth and middleware settings.
   * @throws ConfigurationError when neither a known `region` nor a `baseUrl` is given, or client credentials have no login host.
   * @throws ConfigurationError when an `eventStream` option breaks its rule (a bound of 0 bytes, a NaN delay…).
   */
  constructor(options: WebChatAPIOptions) {
    super();
    // First: a chat's stream starts long after this, and its options are wrong from the start.
    checkEventStreamOptions(options.eventStream ?? {});
    const guestJwt = (ctx: Parameters<SchemeCredentials['authorize']>[0]): string => {
      const conversationId = conversationOf(ctx.input);
      const jwt = conversationId ? this.#guestJwts.get(conversationId) : undefined;
      if (!jwt) {
        throw new AuthError(
          `${ctx.route.operationId} needs the guest JWT of conversation ${conversationId ?? '(none)'}: start the chat with this client or call useGuestJwt()`,
          { operationId: ctx.route.operationId },
        );
      }
      return `Bearer ${jwt}`;
    };
    this.#genesys = new GenesysClient(options, {
      apiName: 'WebChatAPI',
      schemes: { guestJwt },
      sensitive: WEBCHAT_SENSITIVE,
      rateScope: guestRateScope,
      deprecation: { code: 'SWITCHBOARD_WEBCHAT_V2', advice: DEPRECATION },
    });
    this.client = this.#genesys.client;
    this.baseUrl = this.#genesys.baseUrl;
    this.redaction = this.#genesys.redaction;
    this.#eventStream = options.eventStream ?? {};
    this.#proxy = this.#genesys.proxy;
    this.#telemetry = telemetryProviders(options);
  }

  /** Runs one WebChat operation on the client: warns once per deprecated operation, and keeps the guest JWT of a chat it creates. */
  protected invoke<Input, Output>(
    route: RouteDescriptor<Input, Output>,
    input: Input,
    options: CallOptions | undefined,
  ): Promise<CallResult<Output>> {
    let calling: Promise<CallResult<Output>>;
    try {
      calling = this.#genesys.call(route, input, options);
    } catch (error) {
      // A refusal (a throwing onDeprecated) is a rejection, as from the client's own call.
      // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors
      return Promise.reject(error);
    }
    // The client's own promise for every other operation: no async step of ours around it.
    if (route.operationId !== 'postWebchatGuestConversations') return calling;
    return calling.then((result) => {
      const created = result.data as CreateWebChatConversationResponse;
      if (created.id && created.jwt) this.#guestJwts.set(created.id, created.jwt);
      return result;
    });
  }

  /** Any Genesys Cloud endpoint, described by your own descriptor, with this client's auth and middleware. */
  call<Input, Output>(route: RouteDescriptor<Input, Output>, input: NoInfer<Input>, options?: CallOptions): Promise<CallResult<Output>> {
    return this.client.call(route, input, options);
  }

  /** Lets this client act for a conversation started elsewhere. */
  useGuestJwt(conversationId: string, jwt: string): void {
    this.#guestJwts.set(conversationId, jwt);
  }

  /** Forgets the guest JWT of a conversation: its guest operations then fail with an AuthError. */
  forgetGuestJwt(conversationId: string): void {
    this.#guestJwts.delete(conversationId);
  }

  /** Creates a guest chat (no auth) and returns it as a session bound to its conversation, member and JWT. */
  async startGuestChat(request: CreateWebChatConversationRequest, options?: CallOptions): Promise<GuestChat> {
    const { data } = await this.postWebchatGuestConversations({ body: request }, options);
    if (!data.id || !data.member?.id || !data.eventStreamUri) {
      if (data.id) this.forgetGuestJwt(data.id);
      throw new TypeError('the server created a chat without an id, member or event stream');
    }
    const conversationId = data.id;
    const chat: GuestChat = new GuestChat(
      this,
      { conversationId, memberId: data.member.id, eventStreamUri: data.eventStreamUri, member: data.member, proxy: this.#proxy },
      () => {
        this.forgetGuestJwt(conversationId);
        this.#chats.delete(chat);
      },
      this.#eventStream,
      (id) =>
        streamTelemetry(id, {
          ...this.#telemetry,
          emit: (event) => this.#streamListeners.emit(event),
        }),
    );
    this.#chats.add(chat);
    return chat;
  }

  /** A conversation's messages, page by page (see GuestChat.messages). */
  messages(params: GetWebchatGuestConversationMessagesInput, options?: CallOptions): AsyncGenerator<WebChatMessage, void, undefined> {
    return paginateMessages(this, params, options);
  }

  /** A conversation's members, page by page. */
  members(params: GetWebchatGuestConversationMembersInput, options?: CallOptions): AsyncGenerator<WebChatMemberInfo, void, undefined> {
    return paginateMembers(this, params, options);
  }

  /** The pipeline that will run, outermost first, ending with the transport. */
  identify(): PipelineStep[] {
    return this.client.identify();
  }

  /** Listens to every call's events (`'*'`) or one type's: call start and end, attempts, retries, waits. Returns a function that stops listening. */
  on(type: '*', listener: CallEventListener): () => void;
  /** Listens to the event streams of the guest chats this client started: connection changes, reconnects, gap fills and ignored frames. Returns a function that stops listening. */
  on(type: 'stream', listener: (event: StreamEvent) => void): () => void;
  /** Listens to the events of one type (`'retry'`, `'call.end'`, …), each typed as such. Returns a function that stops listening. */
  on<T extends CallEventType>(type: T, listener: CallEventListener<T>): () => void;
  /** Listens to the events of one type, or of every type (`'*'`). Returns a function that stops listening. */
  on(type: CallEventType | '*', listener: CallEventListener): () => void;
  on(type: CallEventType | '*' | 'stream', listener: CallEventListener | ((event: StreamEvent) => void)): () => void {
    if (type === 'stream') {
      return this.#streamListeners.add(listener as (event: StreamEvent) => void);
    }
    return this.client.on(type, listener as CallEventListener);
  }

  /** Closes the event streams of the guest chats it started, lets calls in flight finish (their retries still need credentials), then closes the client and forgets every guest JWT. */
  async close(): Promise<void> {
    await Promise.all([...this.#chats].map((chat) => chat.close()));
    this.#chats.clear();
    await this.client.close();
    this.#guestJwts.clear();
  }
}
