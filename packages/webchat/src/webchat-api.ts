/**
 * `WebChatAPI`: the 19 operations on a Switchboard client, with auth chosen per operation (none,
 * the conversation's guest JWT, or OAuth), Genesys' ErrorBody in HttpError messages, one
 * deprecation warning per operation, guest sessions and pagination.
 */
import {
  type CallContext,
  type CallOptions,
  type CallResult,
  type Client,
  type ClientOptions,
  createClient,
  type Middleware,
  type CallEventListener,
  type CallEventType,
  type PipelineStep,
  type ProxySetting,
  Redaction,
  type RouteDescriptor,
} from '@switchboard/core';
import {
  AuthError,
  authByScheme,
  ClientCredentials,
  clientMetrics,
  type Logger,
  logging,
  type MetricsOptions,
  pauseAfter429,
  type PauseAfter429Options,
  rateLimit,
  type RateLimitOptions,
  retry,
  type RetryOptions,
  type SchemeCredentials,
  tracing,
  type TracingOptions,
} from '@switchboard/middleware';
import { describeGenesysError } from './error-body.js';
import { oauthCredentials } from './oauth-credentials.js';
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
import { ListenerSet } from './listener-set.js';
import { type StreamEvent, streamTelemetry } from './stream-telemetry.js';
import { paginateMembers, paginateMessages } from './pagination.js';
import { type RegionName, regionUrls } from './regions.js';

/** Gives an OAuth access token for each attempt (a token service, a cache, a static value). */
export interface AccessTokenProvider {
  /** A token for one attempt (without `Bearer `); aborting `signal` should abandon the wait for it. */
  getAccessToken(signal?: AbortSignal): string | Promise<string>;
  /** Whether a token is at hand; when it says no, the time a call then waits is reported as a `token-refresh` wait. */
  hasValidToken?(): boolean;
  /** The API answered 401 to this token: forget it. Without this method a 401 is final. */
  invalidate?(token: string): void;
  /** Called on `close()`: revoke what it holds. */
  close?(): Promise<void>;
}

/**
 * OAuth client credentials, exchanged at the login host for tokens that are cached, refreshed early and revoked on close.
 * @inline
 */
export interface ClientCredentialsConfig {
  /** The OAuth client's id. */
  readonly clientId: string;
  /** The OAuth client's secret; never logged, never in an error. */
  readonly clientSecret: string;
}

/**
 * What every {@link WebChatAPIOptions} has besides where the API is: auth, middleware and their
 * settings, and the client options of `@switchboard/core` other than those WebChat sets itself.
 * @inline
 */
interface WebChatAPIBaseOptions extends Omit<ClientOptions, 'baseUrl' | 'correlationIdHeaders' | 'describeError' | 'redaction'> {
  /**
   * OAuth for the deployment and settings operations: client credentials, a provider asked on every attempt, or a token.
   * @default none: an operation that needs OAuth fails with an AuthError
   */
  readonly oauth?: ClientCredentialsConfig | AccessTokenProvider | string;
  /**
   * The login host for client credentials, such as the emulator's `loginUrl`; from `region` by default.
   * @default the login host of `region` (`https://login.<region domain>`)
   */
  readonly loginUrl?: string;
  /**
   * Retry settings (429-aware, idempotency-safe, with a budget); `false` for none. On by default.
   * @default `retry()` with its default options
   */
  readonly retry?: RetryOptions | false;
  /**
   * The client-wide pause after a 429: every call in the same scope (the OAuth client, or one
   * conversation's guest JWT) waits out the server's Retry-After before it sends. `false` for none.
   * @default on: `{ minPauseMs: 100, maxPauseMs: 60_000 }`
   */
  readonly pauseAfter429?: Omit<PauseAfter429Options, 'scopeOf'> | false;
  /**
   * Rate limiting for every attempt, placed before auth so that a token is taken only when the attempt may go. Off by default.
   * @default no rate limiting
   */
  readonly rateLimit?: RateLimitOptions;
  /**
   * How the event stream of each guest chat (`chat.events()`, `chat.on()`) reconnects, detects a stall, gives up, bounds a frame and orders live messages; checked here (a ConfigurationError names the option and its rule).
   * @default heartbeat 30 s, stalled after 2.5 heartbeats, reconnect backoff 250 ms doubling to 10 s, give up after 2 minutes down, frames up to 256 KiB, a 250 ms reorder window
   */
  readonly eventStream?: EventStreamOptions;
  /**
   * Where deprecation notices go, once per operation per client; Node's `process.emitWarning` by default.
   * @default a process warning: `process.emitWarning(message, { type: 'DeprecationWarning', code: 'SWITCHBOARD_WEBCHAT_V2', detail: operationId })`
   */
  readonly onDeprecated?: (operationId: string, message: string) => void;
  /**
   * OpenTelemetry spans for every call and attempt, on the global tracer provider unless one is given; `false` for none. On by default (free without a provider).
   * @default tracing on, on the global tracer provider
   */
  readonly tracing?: Omit<TracingOptions, 'redaction' | 'correlationIdAttribute'> | false;
  /**
   * OpenTelemetry metrics (request duration, retries, 429s, waits) on the global meter provider unless one is given; `false` for none. On by default.
   * @default metrics on, on the global meter provider
   */
  readonly metrics?: MetricsOptions | false;
  /**
   * A pino logger (or one of the same shape): one line per call, and per attempt and wait at debug level. No logging without one.
   * @default no logging
   */
  readonly logger?: Logger;
  /**
   * At debug level, log request and response bodies too (redacted). Default false.
   * @default `false`
   */
  readonly logBodies?: boolean;
  /**
   * Let chat message text (customer data) into logs, spans and error messages. Secrets stay hidden regardless. Default false.
   * @default `false`
   */
  readonly includeMessageText?: boolean;
  /**
   * Let the guest's (and agents') contact details and identity into logs, spans and error messages:
   * the member info fields `displayName`, `firstName`, `lastName`, `email`, `phoneNumber`,
   * `avatarImageUrl` and `customFields` (sent in `memberInfo`, answered in every member, `sender` and
   * `member`), the Journey `customer` and `customerSession` ids, and email addresses inside error text.
   * A switch of its own: `includeMessageText` does not let these through, and this one lets no message text through. Secrets stay hidden regardless.
   * @default `false`
   */
  readonly includeContactDetails?: boolean;
}

/**
 * Where the API is: a Genesys Cloud region (`us_east_1` or `us-east-1`), or a base URL such as the emulator's `apiUrl` (which wins).
 *
 * Besides the options below, it takes those of {@link @switchboard/core!ClientOptions} other than
 * `baseUrl`, `correlationIdHeaders`, `describeError` and `redaction`, which WebChat sets itself:
 * `transport`, `timeout`, `maxResponseBytes`, `headers`, and `middleware` (run inside WebChat's own of the same phase).
 */
export type WebChatAPIOptions = WebChatAPIBaseOptions &
  (
    | {
        /** The Genesys Cloud region: `us_east_1` or `us-east-1`. */
        readonly region: RegionName;
        /**
         * The API's base URL, such as the emulator's `apiUrl`; wins over `region`.
         * @default the API host of `region` (`https://api.<region domain>`)
         */
        readonly baseUrl?: string;
      }
    | {
        /** The API's base URL, such as the emulator's `apiUrl`. */
        readonly baseUrl: string;
        /**
         * The Genesys Cloud region, for the login host of client credentials.
         * @default none: client credentials then need `loginUrl`
         */
        readonly region?: RegionName;
      }
  );

/** The Genesys correlation id on spans: `inin-correlation-id`, searchable in Genesys support requests. */
const CORRELATION_ATTRIBUTE = 'genesys.correlation_id';

/**
 * What WebChat adds to the built-in secret names, from the models of spec/webchat-api.json:
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
function webChatRedaction(options: Pick<WebChatAPIBaseOptions, 'includeMessageText' | 'includeContactDetails'>): Redaction {
  return new Redaction({
    secretKeys: ['eventStreamUri', 'securityKey'],
    textKeys: ['body'],
    includeText: options.includeMessageText === true,
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
    includeContactDetails: options.includeContactDetails === true,
  });
}

const DEPRECATION = 'Genesys ended support for ACD Web Chat v2 on 2025-11-06; plan a move to Web Messaging.';

function resolveLoginUrl(options: WebChatAPIOptions): string {
  if (options.loginUrl) return options.loginUrl;
  const urls = options.region ? regionUrls(options.region) : undefined;
  if (!urls) throw new TypeError('OAuth client credentials need a loginUrl or a region');
  return urls.loginUrl;
}

/** The token source, and whether this client made it (and so closes it). */
function tokenSource(options: WebChatAPIOptions, apiUrl: string): { source: AccessTokenProvider | string | undefined; owned: boolean } {
  const { oauth } = options;
  if (oauth === undefined || typeof oauth === 'string' || 'getAccessToken' in oauth) return { source: oauth, owned: false };
  return {
    source: new ClientCredentials({
      loginUrl: resolveLoginUrl(options),
      apiUrl,
      clientId: oauth.clientId,
      clientSecret: oauth.clientSecret,
      // The login host is reached the way the API is: through the same proxy, or none.
      proxy: options.proxy,
    }),
    owned: true,
  };
}

function resolveBaseUrl(options: WebChatAPIOptions): string {
  if (options.baseUrl) return options.baseUrl;
  if (options.region) {
    const urls = regionUrls(options.region);
    if (!urls) throw new TypeError(`unknown Genesys Cloud region "${options.region}"`);
    return urls.apiUrl;
  }
  throw new TypeError('WebChatAPI needs a region or a baseUrl');
}

/**
 * What a Genesys 429 holds: Genesys counts requests per OAuth client (token) and per guest JWT,
 * which belongs to one conversation; creating a chat has no credential and is held on its own.
 */
function genesysRateScope(ctx: CallContext): string {
  return ctx.route.auth === 'guestJwt' ? `guest:${conversationOf(ctx.input) ?? ''}` : ctx.route.auth;
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
  readonly #guestJwts = new Map<string, string>();
  /** Chats this client started, so that close() closes their event streams. */
  readonly #chats = new Set<GuestChat>();
  readonly #eventStream: EventStreamOptions;
  /** The client's proxy setting, which guest chats' event streams follow too. */
  readonly #proxy: ProxySetting;
  readonly #tracing: WebChatAPIOptions['tracing'];
  readonly #metrics: WebChatAPIOptions['metrics'];
  readonly #streamListeners = new ListenerSet<StreamEvent>();
  readonly #warned = new Set<string>();
  readonly #onDeprecated: (operationId: string, message: string) => void;
  /** What is hidden from logs, spans, events and error messages. */
  readonly redaction: Redaction;

  /**
   * @param options - where the API is, and auth and middleware settings.
   * @throws TypeError when neither a known `region` nor a `baseUrl` is given, or client credentials have no login host.
   * @throws ConfigurationError when an `eventStream` option breaks its rule (a bound of 0 bytes, a NaN delay…).
   */
  constructor(options: WebChatAPIOptions) {
    super();
    // First: a chat's stream starts long after this, and its options are wrong from the start.
    checkEventStreamOptions(options.eventStream ?? {});
    this.baseUrl = resolveBaseUrl(options);
    const redaction = (this.redaction = webChatRedaction(options));
    const { source: oauth, owned } = tokenSource(options, this.baseUrl);
    const oauthScheme = oauthCredentials(oauth);
    const guestHeader = (ctx: Parameters<SchemeCredentials['authorize']>[0]): string => {
      const conversationId = conversationOf(ctx.input);
      const jwt = conversationId ? this.#guestJwts.get(conversationId) : undefined;
      if (!jwt) {
        throw new AuthError(
          `${ctx.route.operationId} needs the guest JWT of conversation ${conversationId ?? '(none)'}: start the chat with this client or call useGuestJwt()`,
          {
            operationId: ctx.route.operationId,
          },
        );
      }
      return `Bearer ${jwt}`;
    };
    const auth = authByScheme({
      schemes: { none: () => undefined, oauth: oauthScheme, guestJwt: guestHeader },
      // Only what this client made: a provider passed in may serve other clients too.
      close: async () => {
        if (owned && typeof oauth === 'object') await oauth.close?.();
      },
    });
    // Ours first, so that a user's middleware of the same phase runs inside them (anchor on 'retry' or 'auth' to change that).
    const middleware: Middleware[] = [
      ...(options.tracing === false ? [] : [tracing({ ...options.tracing, redaction, correlationIdAttribute: CORRELATION_ATTRIBUTE })]),
      ...(options.metrics === false ? [] : [clientMetrics(options.metrics)]),
      ...(options.logger ? [logging({ logger: options.logger, redaction, bodies: options.logBodies })] : []),
      ...(options.retry === false ? [] : [retry(options.retry)]),
      // Before the limiter and auth: a call held by a 429 takes no turn and no token while it waits.
      ...(options.pauseAfter429 === false ? [] : [pauseAfter429({ scopeOf: genesysRateScope, ...options.pauseAfter429 })]),
      ...(options.rateLimit ? [rateLimit(options.rateLimit)] : []),
      auth,
      ...(options.middleware ?? []),
    ];
    this.client = createClient({
      ...options,
      baseUrl: this.baseUrl,
      middleware,
      correlationIdHeaders: ['inin-correlation-id'],
      describeError: (response) => describeGenesysError(response, redaction),
      redaction,
    });
    this.#eventStream = options.eventStream ?? {};
    this.#proxy = options.proxy;
    this.#tracing = options.tracing;
    this.#metrics = options.metrics;
    this.#onDeprecated =
      options.onDeprecated ??
      ((operationId, message) =>
        process.emitWarning(message, { type: 'DeprecationWarning', code: 'SWITCHBOARD_WEBCHAT_V2', detail: operationId }));
  }

  /** Runs one WebChat operation on the client: warns once per deprecated operation, and keeps the guest JWT of a chat it creates. */
  protected async invoke<Input, Output>(
    route: RouteDescriptor<Input, Output>,
    input: Input,
    options: CallOptions | undefined,
  ): Promise<CallResult<Output>> {
    if (route.deprecated && !this.#warned.has(route.operationId)) {
      this.#warned.add(route.operationId);
      this.#onDeprecated(route.operationId, `${route.operationId} is deprecated. ${DEPRECATION}`);
    }
    const result = await this.client.call(route, input, options);
    if (route.operationId === 'postWebchatGuestConversations') {
      const created = result.data as CreateWebChatConversationResponse;
      if (created.id && created.jwt) this.#guestJwts.set(created.id, created.jwt);
    }
    return result;
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
          tracerProvider: this.#tracing === false ? false : this.#tracing?.tracerProvider,
          meterProvider: this.#metrics === false ? false : this.#metrics?.meterProvider,
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
