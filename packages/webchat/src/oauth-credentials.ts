/**
 * The credentials of WebChat's OAuth operations: a Bearer header from the token source the user
 * gave (a fixed token, or a provider such as ClientCredentials), with the wait for a new token
 * reported, each failure the caller's own typed error, and a rejected token invalidated.
 */
import { SwitchboardError } from '@switchboard/core';
import { AuthError, type SchemeCredentials } from '@switchboard/middleware';
import type { AccessTokenProvider } from './webchat-api.js';

export function oauthCredentials(oauth: AccessTokenProvider | string | undefined): SchemeCredentials {
  return {
    authorize: async (ctx) => {
      if (oauth === undefined)
        throw new AuthError(`${ctx.route.operationId} needs OAuth: pass \`oauth\` to WebChatAPI`, { operationId: ctx.route.operationId });
      if (typeof oauth === 'string') return `Bearer ${oauth}`;
      try {
        const fetching = oauth.hasValidToken?.() === false;
        const asked = performance.now();
        const token = await oauth.getAccessToken(ctx.signal);
        if (fetching) ctx.reportWait('token-refresh', performance.now() - asked);
        return `Bearer ${token}`;
      } catch (error) {
        // A token source shares one failure among its waiters: each call gets its own error.
        if (error instanceof AuthError)
          throw new AuthError(`${ctx.route.operationId}: ${error.message}`, { operationId: ctx.route.operationId });
        if (error instanceof SwitchboardError) throw error;
        // Only the cause's name: a token library's message may quote credentials.
        throw new AuthError(
          `${ctx.route.operationId}: getting an OAuth token failed (${error instanceof Error ? error.name : typeof error})`,
          { operationId: ctx.route.operationId },
        );
      }
    },
    rejected: (_ctx, authorization) => {
      if (typeof oauth !== 'object' || !oauth.invalidate) return false;
      oauth.invalidate(authorization.replace(/^Bearer /, ''));
      return true;
    },
  };
}
