/**
 * OAuth client credentials (Genesys: `POST {login}/oauth/token`, HTTP Basic, form body). The
 * token is cached and refreshed ahead of expiry; concurrent callers share one token request
 * (single flight), and a failed request rejects them all with one AuthError while the next call
 * tries again. The client secret and tokens live in private fields only.
 */
import { checkBaseUrl, ConfigurationError } from '@switchboard/core';
import { AuthError } from './errors.js';
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
   * The fetch to use; Node's by default.
   * @default Node's global `fetch`
   */
  readonly fetch?: typeof globalThis.fetch;
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
    const { clientId, clientSecret, timeoutMs = 10_000, refreshMargin = 0.1 } = this.#options;
    const fetchImpl = this.#options.fetch ?? globalThis.fetch;
    this.#requests++;
    let response: Response;
    try {
      response = await fetchImpl(this.#tokenUrl, {
        method: 'POST',
        headers: {
          authorization: `Basic ${Buffer.from(`${clientId}:${clientSecret}`).toString('base64')}`,
          'content-type': 'application/x-www-form-urlencoded',
          accept: 'application/json',
        },
        body: 'grant_type=client_credentials',
        signal: AbortSignal.timeout(timeoutMs),
        redirect: 'manual',
      });
    } catch (error) {
      const code = (error as { cause?: { code?: unknown } }).cause?.code;
      throw new AuthError(
        `the OAuth token request to ${this.#tokenUrl} failed (${typeof code === 'string' ? code : error instanceof Error ? error.name : 'error'})`,
      );
    }
    const body = (await response.json().catch(() => undefined)) as
      { access_token?: unknown; expires_in?: unknown; error?: unknown } | undefined;
    if (!response.ok || typeof body?.access_token !== 'string') {
      // The OAuth error code only (`invalid_client`): never the body, which could echo what was sent.
      const oauthError = body?.error;
      const reason =
        typeof oauthError === 'string' && /^[\w.-]{1,64}$/.test(oauthError) && !oauthError.includes(clientSecret) ? `: ${oauthError}` : '';
      const hint = response.status === 404 ? `; loginUrl may be wrong: ${LOGIN_HOST}` : '';
      throw new AuthError(`the OAuth token request to ${this.#tokenUrl} was refused (HTTP ${response.status}${reason})${hint}`);
    }
    const lifetimeMs = (typeof body.expires_in === 'number' && body.expires_in > 0 ? body.expires_in : 3600) * 1000;
    const now = this.#now();
    const token = { value: body.access_token, expiresAt: now + lifetimeMs, refreshAt: now + lifetimeMs * (1 - refreshMargin) };
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
  }

  async #revoke(token: Token): Promise<void> {
    const { apiUrl } = this.#options;
    if (!apiUrl || this.#now() >= token.expiresAt) return;
    try {
      const fetchImpl = this.#options.fetch ?? globalThis.fetch;
      const response = await fetchImpl(`${apiUrl.replace(/\/$/, '')}/api/v2/tokens/me`, {
        method: 'DELETE',
        headers: { authorization: `Bearer ${token.value}` },
        signal: AbortSignal.timeout(this.#options.timeoutMs ?? 10_000),
      });
      await response.body?.cancel();
    } catch {
      // Revocation is a courtesy: the token expires anyway.
    }
  }
}
