/**
 * OAuth client credentials (Genesys: `POST {login}/oauth/token`, HTTP Basic, form body). The
 * token is cached and refreshed ahead of expiry; concurrent callers share one token request
 * (single flight), and a failed request rejects them all with one AuthError while the next call
 * tries again. An answer is checked before its token is cached (a token a header can carry, a
 * lifetime that is one, a JSON object of at most 64 KiB): one that fails is an AuthError at once,
 * which no retry repeats. Its requests go through core's ky transport, so they take the same proxy,
 * body limit and decompression as API calls. The client secret and tokens live in private fields only.
 */
import {
  checkBaseUrl,
  ConfigurationError,
  createKyTransport,
  type HttpRequest,
  type HttpResponse,
  NetworkError,
  type ProxySetting,
  ResponseParseError,
  ResponseTooLargeError,
  SwitchboardError,
  type Transport,
} from '@switchboard/core';
import { AuthError } from './errors.js';
import { type RequestName, type RequestTracing, sendTraced } from './http-span.js';
import { assertSafeForCredentials } from './transport-security.js';

const LOGIN_HOST =
  'loginUrl is the login host, such as `https://login.mypurecloud.com` (or the emulator’s `loginUrl`), to which /oauth/token is appended';

/**
 * The token endpoint for a loginUrl, or a ConfigurationError for one that cannot be the login
 * host: anything core's {@link checkBaseUrl} refuses, or the token endpoint itself (`…/oauth/token`,
 * to which `/oauth/token` would be appended again). Messages never quote the URL's userinfo or query.
 */
function tokenUrlOf(loginUrl: string): string {
  const url = checkBaseUrl(loginUrl, 'loginUrl', LOGIN_HOST);
  const path = url.pathname.replace(/\/+$/, '');
  if (/\/oauth\/token$/i.test(path)) {
    throw new ConfigurationError(
      `loginUrl ends with /oauth/token, but ${LOGIN_HOST}: pass ${url.origin}${path.replace(/\/oauth\/token$/i, '')}`,
    );
  }
  return `${url.origin}${path}/oauth/token`;
}

/**
 * The most a token answer may weigh. Genesys answers a few hundred bytes (a token, its type and
 * lifetime); 64 KiB leaves room for any login host's JWT and extra fields, and bounds what a host
 * that sends without end can cost: past it the body is cancelled and the request is an AuthError.
 */
const MAX_ANSWER_BYTES = 64 * 1024;
/** The two requests this sends, as their spans name them. */
const TOKEN_REQUEST: RequestName = { operationId: 'oauthToken', urlTemplate: '/oauth/token' };
const REVOKE_REQUEST: RequestName = { operationId: 'revokeToken', urlTemplate: '/api/v2/tokens/me' };

/**
 * What an access token may be. RFC 7230's field-value (§3.2) is the least a header needs (no CR,
 * LF or NUL), but it still lets in controls such as a tab, spaces and obs-text (bytes above 0x7E),
 * which transports refuse or re-encode. RFC 6750 §2.1's b64token, the syntax of the credential in
 * `Authorization: Bearer <token>`, where the token goes, is narrower and visible ASCII only:
 * letters, digits, `-`, `.`, `_`, `~`, `+`, `/` and `=`, all that real Genesys tokens hold. So a
 * token that passes can neither end the header line, nor be cut short, nor be refused by the
 * transport; and no space, comma or quote, which would change how the credentials are parsed.
 * `=` is taken anywhere, not only as trailing padding as b64token has it: where it sits cannot make
 * the header unsafe, and a rule on its place could only refuse a token the API would take.
 */
const BEARER_TOKEN = /^[A-Za-z0-9\-._~+/=]+$/;

/** A token's lifetime when the answer gives none: RFC 6749 §5.1 leaves it to the server's documentation; Genesys always sends it. */
const DEFAULT_LIFETIME_S = 3600;
/**
 * The longest lifetime taken, a year: far above what login hosts grant (a day by default at Genesys
 * and in the emulator), so what is above it is no lifetime, such as milliseconds sent for seconds
 * (a day in milliseconds would read as 1,000 days).
 */
const MAX_LIFETIME_S = 365 * 86_400;

/**
 * The token's lifetime in seconds from `expires_in`, or undefined when it is present and no lifetime:
 * a number above 0 and at most a year. RFC 6749 §5.1 sends it as a JSON number (what Genesys sends);
 * its grammar (Appendix A.14, `1*DIGIT`) is also taken as a string, which some servers send.
 */
function lifetimeSeconds(expiresIn: unknown): number | undefined {
  if (expiresIn === undefined) return DEFAULT_LIFETIME_S;
  const seconds =
    typeof expiresIn === 'number' ? expiresIn : typeof expiresIn === 'string' && /^\d{1,12}$/.test(expiresIn) ? Number(expiresIn) : NaN;
  return Number.isFinite(seconds) && seconds > 0 && seconds <= MAX_LIFETIME_S ? seconds : undefined;
}

const NOT_JSON: unique symbol = Symbol('not JSON');
function parsed(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return NOT_JSON;
  }
}

/**
 * The refusal of a token request the login host answered with a status that is not 2xx: its
 * status, and the OAuth error code only (`invalid_client`), never the body, which could echo what was sent.
 */
function refusal(status: number, body: unknown, tokenUrl: string, clientSecret: string): AuthError {
  const oauthError = typeof body === 'object' && body !== null ? (body as { error?: unknown }).error : undefined;
  const reason =
    typeof oauthError === 'string' && /^[\w.-]{1,64}$/.test(oauthError) && !oauthError.includes(clientSecret) ? `: ${oauthError}` : '';
  const hint = status === 404 ? `; loginUrl may be wrong: ${LOGIN_HOST}` : '';
  return new AuthError(`the OAuth token request to ${tokenUrl} was refused (HTTP ${status}${reason})${hint}`);
}

/**
 * The token and its lifetime from the login host's answer, checked before anything is cached: an
 * answer whose token could not be used (one that cannot go in a header, no lifetime, a body that
 * is not a JSON object) is an AuthError at once, since asking again cannot help. Messages say what
 * was wrong, never what the answer held.
 */
function tokenOf(response: HttpResponse, tokenUrl: string, clientSecret: string): { value: string; lifetimeMs: number } {
  const { status } = response;
  // The transport parsed an answer typed as JSON; one sent as another type is parsed here. An empty body is no JSON.
  const typedJson = /json/i.test(response.headers.get('content-type') ?? '');
  const { data } = response;
  const body = data === undefined ? NOT_JSON : typeof data === 'string' && !typedJson ? parsed(data) : data;
  if (status < 200 || status >= 300) throw refusal(status, body, tokenUrl, clientSecret);
  const failed = (why: string): AuthError => new AuthError(`the OAuth token request to ${tokenUrl} failed: ${why}`);
  if (body === NOT_JSON) throw failed(`the login host answered HTTP ${status} with a body that is not JSON`);
  if (typeof body !== 'object' || body === null || Array.isArray(body))
    throw failed(`the login host answered HTTP ${status} with JSON that is not an object`);
  const { access_token: value, expires_in: expiresIn } = body as { access_token?: unknown; expires_in?: unknown };
  if (typeof value !== 'string') throw failed(`the login host answered HTTP ${status} without an access token`);
  // Refused here, it is one AuthError; cached, every call would fail in the transport, as a network error retried in vain.
  if (!BEARER_TOKEN.test(value)) throw failed('the login host answered an access token that cannot be sent in an Authorization header');
  const seconds = lifetimeSeconds(expiresIn);
  if (seconds === undefined)
    throw failed('the login host answered an expires_in that is not a lifetime (a number of seconds above 0, at most a year)');
  return { value, lifetimeMs: seconds * 1000 };
}

/** Why a token request got no usable answer, from the transport's typed error: its code and the proxy's origin, never a URL's secrets. */
function failureOf(error: unknown, tokenUrl: string): AuthError {
  const failed = (why: string): AuthError => new AuthError(`the OAuth token request to ${tokenUrl} failed${why}`);
  if (error instanceof ResponseTooLargeError) return failed(`: the login host answered more than ${MAX_ANSWER_BYTES / 1024} KiB`);
  // A refusal whose body claims JSON and is not is still a refusal (with its 404 hint).
  if (error instanceof ResponseParseError && (error.status < 200 || error.status >= 300))
    return refusal(error.status, undefined, tokenUrl, '');
  if (error instanceof ResponseParseError) return failed(`: the login host answered HTTP ${error.status} with a body that is not JSON`);
  if (error instanceof NetworkError)
    return failed(` (${error.causeCode}${error.proxy === undefined ? '' : ` at the proxy ${error.proxy}`})`);
  return failed(` (${error instanceof SwitchboardError ? error.code : error instanceof Error ? error.name : 'error'})`);
}

/** What {@link ClientCredentials} takes. */
export interface ClientCredentialsOptions {
  /**
   * The login host's base URL, such as `https://login.mypurecloud.com` or the emulator's `loginUrl`;
   * `/oauth/token` is appended to it. The token endpoint itself (`…/oauth/token`) is refused with a ConfigurationError.
   */
  readonly loginUrl: string;
  /** The OAuth client's id. */
  readonly clientId: string;
  /** The OAuth client's secret, sent only to the login host (HTTP Basic); never logged, never in an error. */
  readonly clientSecret: string;
  /**
   * Where `DELETE /api/v2/tokens/me` revokes the token on close; no revocation without it.
   * @default none: the token is not revoked on close
   */
  readonly apiUrl?: string;
  /**
   * Fraction of the token's lifetime before its expiry at which it is refreshed. Default 0.1.
   * @default `0.1`
   */
  readonly refreshMargin?: number;
  /**
   * How long a token request may take, in ms. Default 10 000.
   * @default `10_000`
   */
  readonly timeoutMs?: number;
  /**
   * The fetch to use; Node's by default. A fetch given here takes no `proxy`: it is yours to set up.
   * @default Node's global `fetch`, on a keep-alive Agent of its own that `close()` closes
   */
  readonly fetch?: typeof globalThis.fetch;
  /**
   * The forward proxy of the token and revocation requests, as `createClient`'s `proxy`: a URL,
   * `false` for none, or undefined to read `HTTPS_PROXY`, `HTTP_PROXY` and `NO_PROXY` from the environment.
   * @default the environment's proxy variables; a direct connection when they name none
   */
  readonly proxy?: ProxySetting;
  /**
   * How the token and revocation requests are traced: a CLIENT span of ours each (`POST /oauth/token`,
   * `DELETE /api/v2/tokens/me`) under the span active when they are sent, the HTTP instrumentation
   * under it suppressed, as the `tracing` middleware does for API requests; `httpSpans:
   * 'instrumentation'` leaves them to your instrumentation; `false` makes no span of ours.
   * @default spans of ours, on the global tracer provider
   */
  readonly tracing?: RequestTracing;
  /**
   * The clock, in epoch milliseconds, by which tokens expire (a fake one for tests).
   * @default `Date.now`
   */
  readonly now?: () => number;
}

interface Token {
  readonly value: string;
  readonly expiresAt: number;
  readonly refreshAt: number;
}

/**
 * OAuth client credentials (Genesys: `POST {loginUrl}/oauth/token`, HTTP Basic, form body). The
 * token is cached and refreshed ahead of expiry; concurrent callers share one token request, and
 * a failed request rejects them all with one AuthError while the next call tries again. Fits
 * where an access token provider is asked for (`getAccessToken`, `hasValidToken`, `invalidate`, `close`).
 */
export class ClientCredentials {
  readonly #options: ClientCredentialsOptions;
  readonly #now: () => number;
  /** `${loginUrl}/oauth/token`. */
  readonly #tokenUrl: string;
  /** Core's ky transport: the same proxy rule, body limit, decompression and typed errors as API calls. */
  readonly #transport: Transport;
  #token: Token | undefined;
  #pending: Promise<Token> | undefined;
  #requests = 0;
  #closed = false;

  /** Throws a ConfigurationError for a loginUrl that is not the login host (see `loginUrl`), and an AuthError for plain http beyond loopback. */
  constructor(options: ClientCredentialsOptions) {
    this.#tokenUrl = tokenUrlOf(options.loginUrl);
    assertSafeForCredentials(options.loginUrl, 'the login URL');
    if (options.apiUrl) assertSafeForCredentials(options.apiUrl, 'the API URL');
    this.#options = options;
    this.#now = options.now ?? Date.now;
    this.#transport = createKyTransport({ ...(options.fetch ? { fetch: options.fetch } : {}), proxy: options.proxy });
  }

  /** Token requests made so far (for tests and metrics). */
  get tokenRequests(): number {
    return this.#requests;
  }

  /**
   * A valid access token: the cached one, or a new one when it is missing, expired or invalidated.
   * Inside the refresh margin the cached token is returned at once while a new one is fetched in
   * the background, so a slow login host never holds calls up while a token is still good.
   */
  async getAccessToken(): Promise<string> {
    if (this.#closed) throw new AuthError('the OAuth client is closed');
    const token = this.#token;
    if (token && this.#now() < token.expiresAt) {
      if (this.#now() >= token.refreshAt) this.#refresh().catch(() => undefined);
      return token.value;
    }
    return (await this.#refresh()).value;
  }

  /** Whether `getAccessToken()` would answer at once from its cache (a refresh ahead of expiry runs in the background). */
  hasValidToken(): boolean {
    return this.#token !== undefined && this.#now() < this.#token.expiresAt;
  }

  /** Forgets `token` (the API answered 401 to it), so that the next call gets a new one. */
  invalidate(token: string): void {
    if (this.#token?.value === token) this.#token = undefined;
  }

  #refresh(): Promise<Token> {
    this.#pending ??= this.#request().finally(() => {
      this.#pending = undefined;
    });
    return this.#pending;
  }

  async #request(): Promise<Token> {
    const { clientId, clientSecret, refreshMargin = 0.1 } = this.#options;
    this.#requests++;
    let response: HttpResponse;
    try {
      response = await this.#send(TOKEN_REQUEST, {
        method: 'POST',
        url: this.#tokenUrl,
        headers: {
          authorization: `Basic ${Buffer.from(`${clientId}:${clientSecret}`).toString('base64')}`,
          'content-type': 'application/x-www-form-urlencoded',
          accept: 'application/json',
        },
        body: 'grant_type=client_credentials',
      });
    } catch (error) {
      throw failureOf(error, this.#tokenUrl);
    }
    const { value, lifetimeMs } = tokenOf(response, this.#tokenUrl, clientSecret);
    const now = this.#now();
    const token = { value, expiresAt: now + lifetimeMs, refreshAt: now + lifetimeMs * (1 - refreshMargin) };
    if (this.#closed) {
      // Closed while the request was out: the new token is revoked, never handed out.
      await this.#revoke(token);
      throw new AuthError('the OAuth client is closed');
    }
    this.#token = token;
    return token;
  }

  /** Refuses further use, waits for a token request under way, and revokes the token (`DELETE /api/v2/tokens/me`). Never throws. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.#pending?.catch(() => undefined);
    const token = this.#token;
    this.#token = undefined;
    if (token) await this.#revoke(token);
    await this.#transport.close();
  }

  async #revoke(token: Token): Promise<void> {
    const { apiUrl } = this.#options;
    if (!apiUrl || this.#now() >= token.expiresAt) return;
    const url = `${apiUrl.replace(/\/$/, '')}/api/v2/tokens/me`;
    // Revocation is a courtesy (the token expires anyway): whatever the answer, it is not read past its limit.
    await this.#send(REVOKE_REQUEST, { method: 'DELETE', url, headers: { authorization: `Bearer ${token.value}` }, body: undefined }).catch(
      () => undefined,
    );
  }

  /** One request through the transport, bounded by `timeoutMs` and {@link MAX_ANSWER_BYTES}; redirects are not followed; traced as {@link ClientCredentialsOptions.tracing} says. */
  #send(name: RequestName, request: HttpRequest): Promise<HttpResponse> {
    const timeout = this.#options.timeoutMs ?? 10_000;
    return sendTraced(this.#options.tracing, name, request, () =>
      this.#transport.send(request, {
        signal: undefined,
        timeout,
        timeoutKind: 'attempt',
        operationId: name.operationId,
        maxResponseBytes: MAX_ANSWER_BYTES,
      }),
    );
  }
}
