/**
 * The credentials of a Genesys API's OAuth operations: a Bearer header from the token source the
 * user gave (a fixed token, a provider, or client credentials exchanged by ClientCredentials),
 * with the wait for a new token reported, each failure the caller's own typed error, and a
 * rejected token invalidated.
 */
import { type CallContext, type ProxySetting, SwitchboardError } from '@switchboard/core';
import { AuthError, ClientCredentials, type RequestTracing, type SchemeCredentials } from '@switchboard/middleware';

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

/** What an API's `oauth` option may be. */
export type OAuthSetting = ClientCredentialsConfig | AccessTokenProvider | string;

/** The token source, and whether the API client made it (and so closes it). */
export interface TokenSource {
  /** Where tokens come from: a provider, a fixed token, or none. */
  readonly source: AccessTokenProvider | string | undefined;
  /** Whether the API client made the provider (from client credentials), and so closes it. */
  readonly owned: boolean;
}

/**
 * The token source of an `oauth` setting: client credentials become a ClientCredentials that
 * reaches the login host the way the API is reached (through the same proxy, or none).
 */
export function tokenSource(
  oauth: OAuthSetting | undefined,
  where: {
    readonly apiUrl: string;
    readonly loginUrl: () => string;
    readonly proxy: ProxySetting;
    readonly tracing: RequestTracing | undefined;
  },
): TokenSource {
  if (oauth === undefined || typeof oauth === 'string' || 'getAccessToken' in oauth) return { source: oauth, owned: false };
  return {
    source: new ClientCredentials({
      loginUrl: where.loginUrl(),
      apiUrl: where.apiUrl,
      clientId: oauth.clientId,
      clientSecret: oauth.clientSecret,
      proxy: where.proxy,
      tracing: where.tracing,
    }),
    owned: true,
  };
}

/** The header for a token from `source`, reporting the wait when it had to fetch one; its failures as AuthErrors of the call. */
async function tokenFor(source: AccessTokenProvider, ctx: CallContext): Promise<string> {
  try {
    const fetching = source.hasValidToken?.() === false;
    const asked = performance.now();
    const token = await source.getAccessToken(ctx.signal);
    if (fetching) ctx.reportWait('token-refresh', performance.now() - asked);
    return `Bearer ${token}`;
  } catch (error) {
    // A token source shares one failure among its waiters: each call gets its own error.
    if (error instanceof AuthError)
      throw new AuthError(`${ctx.route.operationId}: ${error.message}`, { operationId: ctx.route.operationId });
    if (error instanceof SwitchboardError) throw error;
    // Only the cause's name: a token library's message may quote credentials.
    throw new AuthError(`${ctx.route.operationId}: getting an OAuth token failed (${error instanceof Error ? error.name : typeof error})`, {
      operationId: ctx.route.operationId,
    });
  }
}

/** The `oauth` scheme's credentials from a token source; `apiName` names the class whose `oauth` option is missing. */
export function oauthCredentials(oauth: AccessTokenProvider | string | undefined, apiName: string): SchemeCredentials {
  // A fixed token's header is made once, and given without an async step (see authByScheme).
  const fixed = typeof oauth === 'string' ? `Bearer ${oauth}` : undefined;
  return {
    authorize: (ctx) => {
      if (oauth === undefined)
        throw new AuthError(`${ctx.route.operationId} needs OAuth: pass \`oauth\` to ${apiName}`, { operationId: ctx.route.operationId });
      return typeof oauth === 'string' ? fixed : tokenFor(oauth, ctx);
    },
    rejected: (_ctx, authorization) => {
      if (typeof oauth !== 'object' || !oauth.invalidate) return false;
      oauth.invalidate(authorization.replace(/^Bearer /, ''));
      return true;
    },
  };
}
