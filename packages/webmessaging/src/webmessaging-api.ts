/**
 * `WebMessagingAPI`: Web Messaging's 25 REST operations on a Switchboard client, with auth chosen
 * per operation as the contract says (OAuth for the 16 deployment and configuration operations,
 * the guest's JWT for the message history and the token revoke, none for the rest), Genesys'
 * ErrorBody in HttpError messages, and paging.
 */
import { randomUUID } from 'node:crypto';
import {
  type CallContext,
  type CallEventListener,
  type CallEventType,
  type CallOptions,
  type CallResult,
  type Client,
  ConfigurationError,
  ListenerSet,
  ValidationError,
  createStateKey,
  type PipelineStep,
  type Redaction,
  type RouteDescriptor,
  stateEntry,
} from '@switchboard/core';
import { AuthError, type KeyValueStore, MemoryStore } from '@switchboard/middleware';
import { byCursor, byPageNumber, GenesysClient, type GenesysClientOptions, regionUrls, telemetryProviders } from '@switchboard/genesys';
import type { ExpandableWebDeployment, WebDeploymentConfigurationVersion, WebMessagingMessage } from './generated/models.js';
import { WebMessagingOperations } from './generated/operations.js';
import type {
  GetWebdeploymentsConfigurationsInput,
  GetWebdeploymentsConfigurationVersionsInput,
  GetWebdeploymentsDeploymentsInput,
  GetWebmessagingMessagesInput,
} from './generated/routes.js';
import type { GuestCallOptions } from './guest-call-options.js';
import { digest } from './digest.js';
import { DEFAULT_RECORD_TTL_MS, recordKey, SessionCursor } from './session-record.js';
import { SessionSignIn, type SignInOptions } from './session-sign-in.js';
import { GuestSession } from './guest-session.js';
import { type SessionStreamEvent, sessionTelemetry } from './session-telemetry.js';
import { type SessionOptions, streamSettings } from './session-options.js';

/**
 * Where the Web Messaging API is, auth, middleware and their settings: {@link @switchboard/genesys!GenesysClientOptions}
 * (a `region` or a `baseUrl`, `oauth`, `retry`, `logger`, …), and what guest sessions need.
 */
export type WebMessagingAPIOptions = GenesysClientOptions & {
  /**
   * The guest WebSocket's base URL (`wss://webmessaging.<domain>/v1`, or the emulator's
   * `webMessagingUrl`), without its query; wins over `region`.
   * @default the Web Messaging host of `region`
   */
  readonly webMessagingUrl?: string;
  /**
   * The Web Messaging deployment guest sessions start under.
   * @default none: `startSession` then needs its own `deploymentId`
   */
  readonly deploymentId?: string;
  /**
   * How guest sessions keep their connection, pace their sends and order what they deliver.
   * @default a health check every 15 s, reconnecting for up to 5 minutes, 2 messages a second spaced 510 ms, a 500 ms reorder window
   */
  readonly session?: SessionOptions;
  /**
   * Where sessions started with a `key` keep their record (the token, and the last message handed
   * to the application), so that another process, or this one after a restart, resumes them:
   * `RedisStore` from `@switchboard/middleware/redis` for a fleet. Yours stays open when the client closes.
   * @default a `MemoryStore` of this client's own: resumes within this client only
   */
  readonly sessionStore?: KeyValueStore;
};

/** What {@link WebMessagingAPI.startSession} takes. */
export interface StartSessionOptions {
  /**
   * The session's token, to resume a session (from this process or another): the token is the
   * session. 1 to 2,048 characters. With a `key`, the token of a new record (a record's own wins).
   * @default a new random token (a UUID): a new session
   */
  readonly token?: string;
  /**
   * The application's name for the conversation (a customer id, say): the session is resumed
   * from its record in the client's `sessionStore` (by this process or another), or made and
   * recorded under it. Only the messages after the last one handed to the application (by any
   * process) are delivered. The store keeps a digest of it, never the key itself.
   * @default none: the session is not recorded
   */
  readonly key?: string;
  /**
   * Signs the guest in (an authenticated session): the OAuth code (or id token) is exchanged for a
   * JWT first, each configure carries it (refreshed before it expires), and closing the session
   * revokes it. Resuming a signed-in session later takes a new sign-in.
   * @default none: an anonymous session
   */
  readonly signIn?: SignInOptions;
  /**
   * Start a new session in place of a read-only one (after the agent disconnected).
   * @default `false`
   */
  readonly startNew?: boolean;
  /**
   * The deployment, when the client has none (or another).
   * @default the client's `deploymentId`
   */
  readonly deploymentId?: string;
  /**
   * Aborts the start.
   * @default none
   */
  readonly signal?: AbortSignal;
}

/**
 * What Web Messaging hides, from the models of spec/webmessaging-platform-api.json:
 * - secrets, always hidden: the guest's `jwt` and `refreshToken`, PKCE's `codeVerifier`, an OpenID
 *   `idToken`, a push `deviceToken`, a co-browse session's `joinCode`, `sessionJoinToken` and
 *   `websocketUrl` (each lets its holder in), and `url` and `downloadUrl` (an attachment's is a
 *   presigned download link; the deployment settings' icon and image URLs are hidden with them);
 * - customer text, hidden unless `includeMessageText`: a message's (and its quick replies',
 *   buttons' and attachments') `text`, and an attachment's `filename`;
 * - contact details and identity, hidden unless `includeContactDetails`: a recipient's `firstName`,
 *   `lastName`, `nickname` and `image`, an `email`, and the journey `customer` and `customerSession`.
 * Left visible: ids, types, states, dates, deployment and configuration settings, and ErrorBody's
 * `code`. So is the OAuth authorization `code` (the same key): it is single-use, spent by the
 * exchange that carries it, and hiding the key would hide every error's code.
 */
const WEBMESSAGING_SENSITIVE = {
  secretKeys: [
    'jwt',
    'refreshToken',
    'codeVerifier',
    'idToken',
    'deviceToken',
    'joinCode',
    'sessionJoinToken',
    'websocketUrl',
    'url',
    'downloadUrl',
  ],
  textKeys: ['text', 'filename'],
  contactKeys: ['firstName', 'lastName', 'nickname', 'image', 'email', 'customer', 'customerSession'],
};

/** The guest JWT of one call, from its GuestCallOptions: read by the `guestJwt` scheme, never sent to another. */
const guestJwtKey = createStateKey<string>('switchboard.webmessaging.guestJwt');

// RFC 6750's b64token: what an Authorization header can carry as it is.
const B64TOKEN = /^[A-Za-z0-9\-._~+/]+=*$/;

function guestJwtOf(ctx: CallContext): string {
  const jwt = ctx.state.get(guestJwtKey);
  if (jwt === undefined)
    throw new AuthError(`${ctx.route.operationId} needs the guest's JWT: pass it as the call's \`guestJwt\` option`, {
      operationId: ctx.route.operationId,
    });
  return jwt;
}

/**
 * A guest operation's 429 holds the guest's credential, one session's: its scope is a digest of
 * the JWT, so that the JWT itself is kept nowhere but in the call.
 */
function guestRateScope(ctx: CallContext): string {
  return `guest:${digest(ctx.state.get(guestJwtKey) ?? '')}`;
}

/** The call's options for the client: a guest JWT becomes call state (checked first), the rest passes through. */
function clientOptions(route: RouteDescriptor, options: CallOptions | undefined): CallOptions | undefined {
  if (route.auth !== 'guestJwt' || options === undefined || !('guestJwt' in options)) return options;
  const { guestJwt, ...rest } = options as GuestCallOptions;
  if (typeof guestJwt !== 'string' || !B64TOKEN.test(guestJwt))
    throw new AuthError(`${route.operationId}: the guestJwt option must be a JWT (a non-empty token of letters, digits and -._~+/)`, {
      operationId: route.operationId,
    });
  return { ...rest, state: [...(rest.state ?? []), stateEntry(guestJwtKey, guestJwt)] };
}

/**
 * The Genesys Cloud Web Messaging API, WebChat's successor: its 25 REST operations as methods on a
 * Switchboard client (deployments, configurations and their versions, identity resolution,
 * co-browse, push devices, the guest's message history and the guest token exchange, refresh and
 * revoke), with auth chosen per operation, Genesys' ErrorBody in HttpError messages, and paging.
 */
export class WebMessagingAPI extends WebMessagingOperations {
  /** The Switchboard client underneath, for `identify()` and custom calls. */
  readonly client: Client;
  /** The API's base URL: `baseUrl`, or the API host of `region`. */
  readonly baseUrl: string;
  /** What is hidden from logs, spans, events and error messages. */
  readonly redaction: Redaction;
  readonly #genesys: GenesysClient;
  readonly #webMessagingUrl: string | undefined;
  readonly #deploymentId: string | undefined;
  readonly #sessionOptions: SessionOptions;
  readonly #sessions = new Set<GuestSession>();
  readonly #streamListeners = new ListenerSet<SessionStreamEvent>();
  readonly #options: WebMessagingAPIOptions;
  readonly #store: KeyValueStore;
  readonly #ownStore: boolean;

  /**
   * @param options - where the API is, and auth and middleware settings.
   * @throws ConfigurationError when neither a known `region` nor a `baseUrl` is given, or client credentials have no login host.
   */
  constructor(options: WebMessagingAPIOptions) {
    super();
    this.#genesys = new GenesysClient(options, {
      apiName: 'WebMessagingAPI',
      schemes: { guestJwt: (ctx) => `Bearer ${guestJwtOf(ctx)}` },
      sensitive: WEBMESSAGING_SENSITIVE,
      rateScope: guestRateScope,
      // The contract marks no operation deprecated; a later one that does is announced like WebChat's.
      deprecation: { code: 'SWITCHBOARD_WEBMESSAGING', advice: 'See the Genesys Cloud release notes for its replacement.' },
    });
    this.client = this.#genesys.client;
    this.baseUrl = this.#genesys.baseUrl;
    this.redaction = this.#genesys.redaction;
    this.#webMessagingUrl = options.webMessagingUrl ?? (options.region ? regionUrls(options.region)?.webMessagingUrl : undefined);
    this.#deploymentId = options.deploymentId;
    this.#sessionOptions = options.session ?? {};
    this.#options = options;
    this.#ownStore = options.sessionStore === undefined;
    this.#store = options.sessionStore ?? new MemoryStore();
    // Checked now: a session starts long after this, and its options are wrong from the start.
    streamSettings(this.#sessionOptions);
  }

  /**
   * Starts a guest session over the Web Messaging WebSocket (or resumes the one of `token`), and
   * resolves once it is configured. Its messages come from `session.events()`; `sendMessage`
   * resolves at the server's echo. The session's own calls (the history after a reconnect) run on
   * this client's pipeline.
   * @throws ConfigurationError when neither the client nor the call names a deployment, or no WebSocket URL is known.
   */
  async startSession(options: StartSessionOptions = {}): Promise<GuestSession> {
    const deploymentId = options.deploymentId ?? this.#deploymentId;
    if (!deploymentId) throw new ConfigurationError('startSession needs a deploymentId: pass it to WebMessagingAPI or to startSession');
    if (!this.#webMessagingUrl)
      throw new ConfigurationError("startSession needs webMessagingUrl (or a region) in WebMessagingAPI's options");
    const { logger } = this.#options;
    if (options.key !== undefined && (typeof options.key !== 'string' || options.key.length === 0 || options.key.length > 2_048))
      throw new ValidationError([{ pointer: '/key', message: 'must be a string of 1 to 2,048 characters' }]);
    const record =
      options.key === undefined
        ? undefined
        : await SessionCursor.open(
            this.#store,
            recordKey(deploymentId, options.key),
            () => options.token ?? randomUUID(),
            this.#sessionOptions.recordTtlMs ?? DEFAULT_RECORD_TTL_MS,
            (error) =>
              logger?.warn(
                { event: 'session.record_failed', err: { type: (error as Error).name } },
                'webmessaging guest session: its record could not be written; a process that resumes it may deliver a message again',
              ),
          );
    const token = record?.token ?? options.token ?? randomUUID();
    const signIn =
      options.signIn === undefined
        ? undefined
        : await SessionSignIn.start(
            this,
            deploymentId,
            options.signIn,
            (what, error) =>
              logger?.warn(
                { event: `session.${what}_failed`, err: { type: (error as Error).name } },
                `webmessaging guest session: the sign-in's ${what} failed`,
              ),
            options.signal,
          );
    const session: GuestSession = new GuestSession(
      this,
      {
        webMessagingUrl: this.#webMessagingUrl,
        deploymentId,
        token,
        startNew: options.startNew === true,
        proxy: this.#genesys.proxy,
        record,
        signIn,
        // Uploads go to their presigned URLs through this client's pipeline (its proxy, tracing, logging, retry).
        client: this.client,
      },
      this.#sessionOptions,
      () => this.#sessions.delete(session),
      // Made in the caller's context: the session's span is a child of the span that started it.
      sessionTelemetry(digest(token), deploymentId, {
        ...telemetryProviders(this.#options),
        logger,
        emit: (event) => this.#streamListeners.emit(event),
      }),
    );
    this.#sessions.add(session);
    try {
      return await session.start(options.signal);
    } catch (error) {
      await session.close();
      throw error;
    }
  }

  /** Runs one Web Messaging operation on the client; a guest operation's JWT travels in that call alone. */
  protected invoke<Input, Output>(
    route: RouteDescriptor<Input, Output>,
    input: Input,
    options: CallOptions | undefined,
  ): Promise<CallResult<Output>> {
    try {
      // The client's own promise: no async step of ours around it.
      return this.#genesys.call(route, input, clientOptions(route, options));
    } catch (error) {
      // A refusal is a rejection, as from the client's own call.
      // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors
      return Promise.reject(error);
    }
  }

  /** Any Genesys Cloud endpoint, described by your own descriptor, with this client's auth and middleware. */
  call<Input, Output>(route: RouteDescriptor<Input, Output>, input: NoInfer<Input>, options?: CallOptions): Promise<CallResult<Output>> {
    return this.client.call(route, input, options);
  }

  /** Every deployment, page by page, following each page's cursor from `after` (the start by default). */
  deployments(
    params: GetWebdeploymentsDeploymentsInput = {},
    options?: CallOptions,
  ): AsyncGenerator<ExpandableWebDeployment, void, undefined> {
    return byCursor(
      'getWebdeploymentsDeployments',
      async (after) => (await this.getWebdeploymentsDeployments({ ...params, after }, options)).data,
      params.after,
      options,
    );
  }

  /** Every deployment configuration, page by page (its latest version each, or only published ones with `showOnlyPublished`). */
  configurations(
    params: GetWebdeploymentsConfigurationsInput = {},
    options?: CallOptions,
  ): AsyncGenerator<WebDeploymentConfigurationVersion, void, undefined> {
    return byCursor(
      'getWebdeploymentsConfigurations',
      async (after) => (await this.getWebdeploymentsConfigurations({ ...params, after }, options)).data,
      params.after,
      options,
    );
  }

  /** Every version of one configuration, page by page. */
  configurationVersions(
    params: GetWebdeploymentsConfigurationVersionsInput,
    options?: CallOptions,
  ): AsyncGenerator<WebDeploymentConfigurationVersion, void, undefined> {
    return byCursor(
      'getWebdeploymentsConfigurationVersions',
      async (after) => (await this.getWebdeploymentsConfigurationVersions({ ...params, after }, options)).data,
      params.after,
      options,
    );
  }

  /** A guest session's message history, page by page, from `pageNumber` (default 1), with the guest's JWT. */
  messages(params: GetWebmessagingMessagesInput, options: GuestCallOptions): AsyncGenerator<WebMessagingMessage, void, undefined> {
    return byPageNumber(
      'getWebmessagingMessages',
      async (pageNumber) => (await this.getWebmessagingMessages({ ...params, pageNumber }, options)).data,
      { first: params.pageNumber, pageSize: params.pageSize, defaultPageSize: 25 },
      options,
    );
  }

  /** The pipeline that will run, outermost first, ending with the transport. */
  identify(): PipelineStep[] {
    return this.client.identify();
  }

  /** Listens to every call's events (`'*'`): call start and end, attempts, retries, waits. Returns a function that stops listening. */
  on(type: '*', listener: CallEventListener): () => void;
  /** Listens to the connections of the guest sessions this client started: connection changes, reconnects, gap fills and ignored frames. Returns a function that stops listening. */
  on(type: 'stream', listener: (event: SessionStreamEvent) => void): () => void;
  /** Listens to the events of one type (`'retry'`, `'call.end'`, …), each typed as such. Returns a function that stops listening. */
  on<T extends CallEventType>(type: T, listener: CallEventListener<T>): () => void;
  /** Listens to the events of one type, or of every type (`'*'`). Returns a function that stops listening. */
  on(type: CallEventType | '*', listener: CallEventListener): () => void;
  on(type: CallEventType | '*' | 'stream', listener: CallEventListener | ((event: SessionStreamEvent) => void)): () => void {
    if (type === 'stream') return this.#streamListeners.add(listener as (event: SessionStreamEvent) => void);
    return this.client.on(type, listener as CallEventListener);
  }

  /** Closes the guest sessions it started (their sockets; the sessions stay on the server), lets calls in flight finish, then closes the client (and revokes the OAuth token it obtained). */
  async close(): Promise<void> {
    await Promise.all([...this.#sessions].map((session) => session.close()));
    if (this.#ownStore) await this.#store.close();
    await this.client.close();
  }
}
