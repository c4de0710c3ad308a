/**
 * Authenticated Web Messaging sessions: OAuth authorization codes, the refresh tokens the code
 * exchange hands out, and the JWTs issued with them.
 *
 * Which codes the emulator accepts (the contract is silent; Genesys asks the customer's identity
 * provider): only codes it issued itself, through `emulator.messaging.issueAuthCode()` or
 * `POST /__emulator/messaging/auth-codes`, each once, as an authorization code is. The same rule
 * holds for `oauth.code` and `oauth.idToken` of the REST exchange and for `data.code` of the guest
 * WebSocket's `configureAuthenticatedSession` (which also takes the JWT the exchange returned:
 * that is what Genesys' Kotlin transport sends there).
 */
import { randomBytes } from 'node:crypto';
import type { GuestClaims, GuestJwtIssuer } from './guest-jwt.js';

/** How long an authenticated-session JWT lives (the contract is silent; Genesys' are short-lived). */
export const AUTH_JWT_TTL_SECONDS = 3_600;

interface RefreshGrant {
  readonly deploymentId: string;
  revoked: boolean;
}

export class MessagingAuth {
  readonly #codes = new Set<string>();
  readonly #refresh = new Map<string, RefreshGrant>();

  constructor(
    private readonly jwt: GuestJwtIssuer,
    private readonly now: () => number = Date.now,
  ) {}

  /** A one-time authorization code the exchange (and `configureAuthenticatedSession`) accepts. */
  issueCode(): string {
    const code = randomBytes(18).toString('base64url');
    this.#codes.add(code);
    return code;
  }

  /** Uses up a code; whether it was one the emulator issued and not yet used. */
  redeem(code: string): boolean {
    return this.#codes.delete(code);
  }

  #jwtFor(refreshId: string, deploymentId: string): string {
    return this.jwt.issue({ use: 'webmessaging-auth', deploymentId, refreshId, exp: Math.floor(this.now() / 1000) + AUTH_JWT_TTL_SECONDS });
  }

  /** The exchange's answer for a redeemed code: a refresh token and a JWT. */
  grant(deploymentId: string): { refreshToken: string; jwt: string } {
    const refreshToken = randomBytes(24).toString('base64url');
    this.#refresh.set(refreshToken, { deploymentId, revoked: false });
    return { refreshToken, jwt: this.#jwtFor(refreshToken, deploymentId) };
  }

  /** A new JWT for a live refresh token of this deployment, or undefined. */
  refresh(refreshToken: string, deploymentId: string): string | undefined {
    const grant = this.#refresh.get(refreshToken);
    if (!grant || grant.revoked || grant.deploymentId !== deploymentId) return undefined;
    return this.#jwtFor(refreshToken, deploymentId);
  }

  /** Whether an authenticated-session JWT's grant is still live (not revoked). */
  live(claims: GuestClaims): boolean {
    return claims.use === 'webmessaging-auth' && this.#refresh.get(claims.refreshId)?.revoked === false;
  }

  /** Ends the grant behind a JWT: that JWT, every JWT refreshed from it, and its refresh token. */
  revoke(claims: GuestClaims): void {
    if (claims.use !== 'webmessaging-auth') return;
    const grant = this.#refresh.get(claims.refreshId);
    if (grant) grant.revoked = true;
  }

  /** The claims of a live authenticated-session JWT, or undefined. */
  verifyAuthJwt(token: string): GuestClaims | undefined {
    const claims = this.jwt.verify(token);
    return claims && this.live(claims) ? claims : undefined;
  }
}
