/**
 * Authorization per operation: each descriptor names its auth scheme (`none`, `oauth`,
 * `guestJwt`, or any other), and this middleware asks that scheme's credentials for the
 * Authorization header of every attempt, so that a retry sends a refreshed token. A 401 was not
 * processed: when the scheme can renew its credentials, the attempt is sent once more with the
 * new ones, whatever its method; a second 401 fails with an AuthError.
 */
import { type CallContext, createStateKey, type HttpResponse, type Middleware, type Next } from '@switchboard/core';
import { AuthError } from './errors.js';
import { isSafeForCredentials } from './transport-security.js';

/**
 * The Authorization header value for this attempt, or undefined to send none. A source that makes
 * the call wait for new credentials reports it: `ctx.reportWait('token-refresh', ms)`.
 */
export type Authorize = (ctx: CallContext) => string | undefined | Promise<string | undefined>;

/** The credentials of one auth scheme: how to authorize an attempt, and what to do when the API answers 401. */
export interface SchemeCredentials {
  /** The Authorization header value for each attempt. */
  readonly authorize: Authorize;
  /**
   * The API answered 401 to `authorization`: drop it, and say whether fresh credentials are worth one more try.
   * @default none: a 401 is final
   */
  readonly rejected?: (ctx: CallContext, authorization: string) => boolean | Promise<boolean>;
}

/** What a scheme is given: an {@link Authorize} function alone (a 401 is then final), or {@link SchemeCredentials}. */
export type AuthorizationProvider = Authorize | SchemeCredentials;

/** What {@link authByScheme} takes. */
export interface AuthBySchemeOptions {
  /** Credentials per scheme name; a scheme with none fails the call with an AuthError. */
  readonly schemes: Readonly<Record<string, AuthorizationProvider>>;
  /**
   * Middleware name; default `auth`.
   * @default `'auth'`
   */
  readonly name?: string;
  /**
   * Called once, on `client.close()` (to revoke tokens).
   * @default nothing is called
   */
  readonly close?: () => Promise<void>;
}

function credentialsFor(schemes: AuthBySchemeOptions['schemes'], ctx: CallContext): SchemeCredentials {
  const provider = Object.prototype.hasOwnProperty.call(schemes, ctx.route.auth) ? schemes[ctx.route.auth] : undefined;
  if (!provider)
    throw new AuthError(`${ctx.route.operationId}: no credentials configured for auth scheme "${ctx.route.auth}"`, {
      operationId: ctx.route.operationId,
    });
  return typeof provider === 'function' ? { authorize: provider } : provider;
}

/** Sets the attempt's Authorization header to `authorization`, or removes it for none; refuses credentials over plain http. */
function authorizeWith(ctx: CallContext, authorization: string | undefined): string | undefined {
  // Whatever another layer put there is replaced: a call gets its own scheme's credentials or none.
  if (authorization === undefined) {
    delete ctx.request.headers.authorization;
  } else {
    if (!isSafeForCredentials(ctx.request.url)) {
      throw new AuthError(
        `${ctx.route.operationId}: refusing to send credentials over plain http; use https (plain http is allowed to loopback only)`,
        {
          operationId: ctx.route.operationId,
        },
      );
    }
    ctx.request.headers.authorization = authorization;
  }
  return authorization;
}

// Set once a call has renewed its credentials: one renewal per call, however many attempts retry makes.
const renewed = createStateKey<true>('switchboard.auth.renewed');

/** The attempt sent with `authorization`: its answer, or on a 401 that the scheme can renew, the answer to the one resend. */
function sent(ctx: CallContext, credentials: SchemeCredentials, authorization: string | undefined, next: Next): Promise<HttpResponse> {
  const sending = next();
  if (authorization === undefined || !credentials.rejected) return sending;
  return sending.then((response) =>
    response.status === 401 && !ctx.state.has(renewed) ? renewed401(ctx, credentials, authorization, response, next) : response,
  );
}

/** A 401 to `authorization`: once per call, the scheme renews its credentials and the attempt goes again with them. */
async function renewed401(
  ctx: CallContext,
  credentials: SchemeCredentials,
  authorization: string,
  response: HttpResponse,
  next: Next,
): Promise<HttpResponse> {
  ctx.state.set(renewed, true);
  if (!(await credentials.rejected?.(ctx, authorization))) return response;
  authorizeWith(ctx, await credentials.authorize(ctx));
  const again = await next();
  if (again.status === 401) {
    throw new AuthError(`${ctx.route.operationId}: the API refused fresh credentials too (HTTP 401)`, {
      operationId: ctx.route.operationId,
    });
  }
  return again;
}

/**
 * An attempt-phase middleware that sets each attempt's Authorization header from the credentials
 * of its route's auth scheme (`route.auth`), refuses to send credentials over plain http except to
 * loopback, and on a 401 renews them once per call when the scheme can.
 */
export function authByScheme(options: AuthBySchemeOptions): Middleware {
  const { schemes } = options;
  return {
    name: options.name ?? 'auth',
    phase: 'attempt',
    handle(ctx, next): Promise<HttpResponse> {
      try {
        const credentials = credentialsFor(schemes, ctx);
        const authorizing = credentials.authorize(ctx);
        // Credentials at hand (a fixed token) go on at once: no async step between the call and its request.
        if (authorizing === undefined || typeof authorizing === 'string')
          return sent(ctx, credentials, authorizeWith(ctx, authorizing), next);
        return authorizing.then((authorization) => sent(ctx, credentials, authorizeWith(ctx, authorization), next));
      } catch (error) {
        // A refusal before the request is a rejection, as from any middleware.
        // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors
        return Promise.reject(error);
      }
    },
    ...(options.close ? { close: options.close } : {}),
  };
}
