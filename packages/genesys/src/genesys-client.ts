/**
 * What every Genesys API client builds the same way: where the API is, auth per operation (none,
 * OAuth, and the API's own guest schemes), the middleware in their order, Genesys' correlation id
 * and ErrorBody, the redaction rule, and one deprecation notice per deprecated operation.
 * `WebChatAPI` and `WebMessagingAPI` each hold one and add what is theirs.
 */
import {
  type CallContext,
  type CallOptions,
  type CallResult,
  type Client,
  ConfigurationError,
  createClient,
  type Middleware,
  type ProxySetting,
  Redaction,
  type RouteDescriptor,
} from '@switchboard/core';
import {
  type AuthorizationProvider,
  authByScheme,
  clientMetrics,
  logging,
  pauseAfter429,
  rateLimit,
  retry,
  tracing,
} from '@switchboard/middleware';
import type { GenesysClientOptions } from './client-options.js';
import { describeGenesysError } from './error-body.js';
import { oauthCredentials, tokenSource } from './oauth-credentials.js';
import { regionUrls } from './regions.js';

/** The Genesys correlation id on spans: `inin-correlation-id`, searchable in Genesys support requests. */
const CORRELATION_ATTRIBUTE = 'genesys.correlation_id';

/** The keys an API's models hold that must not reach logs, spans, events or error messages as they are. */
export interface SensitiveKeys {
  /** Always hidden: credentials and what grants access. */
  readonly secretKeys: readonly string[];
  /** Customer text, hidden unless `includeMessageText`. */
  readonly textKeys: readonly string[];
  /** Contact details and identity, hidden unless `includeContactDetails`. */
  readonly contactKeys: readonly string[];
}

/** What one Genesys API adds to the shared client. */
export interface GenesysAPISetup {
  /** The class a user constructs, for messages (`WebChatAPI`). */
  readonly apiName: string;
  /** Credentials of the API's own auth schemes (a guest JWT), besides `none` and `oauth`. */
  readonly schemes?: Readonly<Record<string, AuthorizationProvider>>;
  /** What its models hold that is sensitive. */
  readonly sensitive: SensitiveKeys;
  /** What a Genesys 429 holds for an operation of one of the API's own schemes (`oauth` and `none` hold their own). */
  readonly rateScope: (ctx: CallContext) => string;
  /** The process warning's code and the advice of a deprecated operation's notice. */
  readonly deprecation: {
    /** The process warning's code: `SWITCHBOARD_WEBCHAT_V2`. */
    readonly code: string;
    /** What to do instead, after "<operationId> is deprecated.". */
    readonly advice: string;
  };
}

function resolveBaseUrl(options: GenesysClientOptions, apiName: string): string {
  if (options.baseUrl) return options.baseUrl;
  if (options.region) {
    const urls = regionUrls(options.region);
    if (!urls) throw new ConfigurationError(`unknown Genesys Cloud region "${options.region}"`);
    return urls.apiUrl;
  }
  throw new ConfigurationError(`${apiName} needs a region or a baseUrl`);
}

function resolveLoginUrl(options: GenesysClientOptions): string {
  if (options.loginUrl) return options.loginUrl;
  const urls = options.region ? regionUrls(options.region) : undefined;
  if (!urls) throw new ConfigurationError('OAuth client credentials need a loginUrl or a region');
  return urls.loginUrl;
}

/** The middleware every Genesys API client runs, outermost first; a user's of the same phase run inside ours. */
function middlewareOf(options: GenesysClientOptions, redaction: Redaction, auth: Middleware, setup: GenesysAPISetup): Middleware[] {
  // Genesys counts requests per OAuth client (token) and per guest credential; an operation without one is held on its own.
  const scopeOf = (ctx: CallContext) => (ctx.route.auth === 'oauth' || ctx.route.auth === 'none' ? ctx.route.auth : setup.rateScope(ctx));
  // Ours first, so that a user's middleware of the same phase runs inside them (anchor on 'retry' or 'auth' to change that).
  return [
    ...(options.tracing === false ? [] : [tracing({ ...options.tracing, redaction, correlationIdAttribute: CORRELATION_ATTRIBUTE })]),
    ...(options.metrics === false ? [] : [clientMetrics(options.metrics)]),
    ...(options.logger ? [logging({ logger: options.logger, redaction, bodies: options.logBodies })] : []),
    ...(options.retry === false ? [] : [retry(options.retry)]),
    // Before the limiter and auth: a call held by a 429 takes no turn and no token while it waits.
    ...(options.pauseAfter429 === false ? [] : [pauseAfter429({ scopeOf, ...options.pauseAfter429 })]),
    ...(options.rateLimit ? [rateLimit(options.rateLimit)] : []),
    auth,
    ...(options.middleware ?? []),
  ];
}

/** A Genesys API's Switchboard client, built the way every Genesys API client is. */
export class GenesysClient {
  /** The Switchboard client underneath. */
  readonly client: Client;
  /** The API's base URL: `baseUrl`, or the API host of `region`. */
  readonly baseUrl: string;
  /** What is hidden from logs, spans, events and error messages. */
  readonly redaction: Redaction;
  /** The client's proxy setting, which the API's sockets follow too. */
  readonly proxy: ProxySetting;
  readonly #warned = new Set<string>();
  readonly #onDeprecated: (operationId: string, message: string) => void;
  readonly #advice: string;

  /**
   * @throws ConfigurationError when neither a known `region` nor a `baseUrl` is given, or client credentials have no login host.
   */
  constructor(options: GenesysClientOptions, setup: GenesysAPISetup) {
    this.baseUrl = resolveBaseUrl(options, setup.apiName);
    this.proxy = options.proxy;
    const redaction = (this.redaction = new Redaction({
      ...setup.sensitive,
      includeText: options.includeMessageText === true,
      includeContactDetails: options.includeContactDetails === true,
    }));
    const { source, owned } = tokenSource(options.oauth, {
      apiUrl: this.baseUrl,
      loginUrl: () => resolveLoginUrl(options),
      proxy: options.proxy,
      // The token requests are traced as the API's are: by our spans, the instrumentation's, or none.
      tracing: options.tracing,
    });
    const auth = authByScheme({
      schemes: { ...setup.schemes, none: () => undefined, oauth: oauthCredentials(source, setup.apiName) },
      // Only what this client made: a provider passed in may serve other clients too.
      close: async () => {
        if (owned && typeof source === 'object') await source.close?.();
      },
    });
    this.client = createClient({
      ...options,
      baseUrl: this.baseUrl,
      middleware: middlewareOf(options, redaction, auth, setup),
      correlationIdHeaders: ['inin-correlation-id'],
      describeError: (response) => describeGenesysError(response, redaction),
      redaction,
    });
    this.#advice = setup.deprecation.advice;
    const { code } = setup.deprecation;
    this.#onDeprecated =
      options.onDeprecated ??
      ((operationId, message) => process.emitWarning(message, { type: 'DeprecationWarning', code, detail: operationId }));
  }

  /** Runs one operation of the API: warns once per deprecated operation, then calls. */
  call<Input, Output>(route: RouteDescriptor<Input, Output>, input: Input, options: CallOptions | undefined): Promise<CallResult<Output>> {
    if (route.deprecated && !this.#warned.has(route.operationId)) {
      this.#warned.add(route.operationId);
      this.#onDeprecated(route.operationId, `${route.operationId} is deprecated. ${this.#advice}`);
    }
    return this.client.call(route, input, options);
  }
}
