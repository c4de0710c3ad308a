/**
 * `WebMessagingAPI`: Web Messaging's 25 REST operations on a Switchboard client, with auth chosen
 * per operation as the contract says (OAuth for the 16 deployment and configuration operations,
 * the guest's JWT for the message history and the token revoke, none for the rest), Genesys'
 * ErrorBody in HttpError messages, and paging.
 */
import { createHash } from 'node:crypto';
import {
  type CallContext,
  type CallEventListener,
  type CallEventType,
  type CallOptions,
  type CallResult,
  type Client,
  createStateKey,
  type PipelineStep,
  type Redaction,
  type RouteDescriptor,
  stateEntry,
} from '@switchboard/core';
import { AuthError } from '@switchboard/middleware';
import { byCursor, byPageNumber, GenesysClient, type GenesysClientOptions } from '@switchboard/genesys';
import type { ExpandableWebDeployment, WebDeploymentConfigurationVersion, WebMessagingMessage } from './generated/models.js';
import { WebMessagingOperations } from './generated/operations.js';
import type {
  GetWebdeploymentsConfigurationsInput,
  GetWebdeploymentsConfigurationVersionsInput,
  GetWebdeploymentsDeploymentsInput,
  GetWebmessagingMessagesInput,
} from './generated/routes.js';
import type { GuestCallOptions } from './guest-call-options.js';

/**
 * Where the Web Messaging API is, auth, middleware and their settings: {@link @switchboard/genesys!GenesysClientOptions}
 * (a `region` or a `baseUrl`, `oauth`, `retry`, `logger`, …).
 */
export type WebMessagingAPIOptions = GenesysClientOptions;

/**
 * What Web Messaging hides, from the models of spec/webmessaging-platform-api.json:
 * - secrets, always hidden: the guest's `jwt` and `refreshToken`, PKCE's `codeVerifier`, an OpenID
 *   `idToken`, a push `deviceToken`, a co-browse session's `joinCode`, `sessionJoinToken` and
 *   `websocketUrl` (each lets its holder in), and `url` (an attachment's is a presigned download
 *   link; the deployment settings' icon and image URLs are hidden with them);
 * - customer text, hidden unless `includeMessageText`: a message's (and its quick replies',
 *   buttons' and attachments') `text`, and an attachment's `filename`;
 * - contact details and identity, hidden unless `includeContactDetails`: a recipient's `firstName`,
 *   `lastName`, `nickname` and `image`, an `email`, and the journey `customer` and `customerSession`.
 * Left visible: ids, types, states, dates, deployment and configuration settings, and ErrorBody's
 * `code`. So is the OAuth authorization `code` (the same key): it is single-use, spent by the
 * exchange that carries it, and hiding the key would hide every error's code.
 */
const WEBMESSAGING_SENSITIVE = {
  secretKeys: ['jwt', 'refreshToken', 'codeVerifier', 'idToken', 'deviceToken', 'joinCode', 'sessionJoinToken', 'websocketUrl', 'url'],
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
  const jwt = ctx.state.get(guestJwtKey) ?? '';
  return `guest:${createHash('sha256').update(jwt).digest('base64url').slice(0, 16)}`;
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

  /**
   * @param options - where the API is, and auth and middleware settings.
   * @throws TypeError when neither a known `region` nor a `baseUrl` is given, or client credentials have no login host.
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
  }

  /** Runs one Web Messaging operation on the client; a guest operation's JWT travels in that call alone. */
  protected async invoke<Input, Output>(
    route: RouteDescriptor<Input, Output>,
    input: Input,
    options: CallOptions | undefined,
  ): Promise<CallResult<Output>> {
    return this.#genesys.call(route, input, clientOptions(route, options));
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
  /** Listens to the events of one type (`'retry'`, `'call.end'`, …), each typed as such. Returns a function that stops listening. */
  on<T extends CallEventType>(type: T, listener: CallEventListener<T>): () => void;
  /** Listens to the events of one type, or of every type (`'*'`). Returns a function that stops listening. */
  on(type: CallEventType | '*', listener: CallEventListener): () => void;
  on(type: CallEventType | '*', listener: CallEventListener): () => void {
    return this.client.on(type, listener);
  }

  /** Lets calls in flight finish, then closes the client (and revokes the OAuth token it obtained). */
  close(): Promise<void> {
    return this.client.close();
  }
}
