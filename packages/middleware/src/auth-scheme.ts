/**
 * Authorization per operation: each descriptor names its auth scheme (`none`, `oauth`,
 * `guestJwt`, or any other), and this middleware asks that scheme's provider for the
 * Authorization header of every attempt, so a refreshed token is what a retry sends.
 */
import type { CallContext, Middleware } from '@switchboard/core';
import { AuthError } from './errors.js';

/** The Authorization header value for this attempt, or undefined to send none. */
export type AuthorizationProvider = (ctx: CallContext) => string | undefined | Promise<string | undefined>;

export interface AuthBySchemeOptions {
  /** One provider per scheme name; a scheme with no provider fails the call with an AuthError. */
  readonly schemes: Readonly<Record<string, AuthorizationProvider>>;
  /** Middleware name; default `auth`. */
  readonly name?: string;
}

export function authByScheme(options: AuthBySchemeOptions): Middleware {
  const { schemes } = options;
  return {
    name: options.name ?? 'auth',
    phase: 'attempt',
    async handle(ctx, next) {
      const provider = Object.prototype.hasOwnProperty.call(schemes, ctx.route.auth) ? schemes[ctx.route.auth] : undefined;
      if (!provider) throw new AuthError(`${ctx.route.operationId}: no credentials configured for auth scheme "${ctx.route.auth}"`, { operationId: ctx.route.operationId });
      const authorization = await provider(ctx);
      // Whatever another layer put there is replaced: a call gets its own scheme's credentials or none.
      if (authorization === undefined) delete ctx.request.headers.authorization;
      else ctx.request.headers.authorization = authorization;
      return next();
    },
  };
}
