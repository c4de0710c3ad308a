/**
 * Guest JWTs (HS256), one issuer for every JWT a guest holds, each saying what it is for (`use`):
 *
 * - `webchat`: names its conversation and member, so it opens that conversation only;
 * - `webmessaging-session`: what the guest WebSocket's `getJwt` action returns; it names the
 *   session, and reads that session's history (`GET /api/v2/webmessaging/messages`);
 * - `webmessaging-auth`: an authenticated Web Messaging session's JWT, from the OAuth code
 *   exchange or a refresh (`/api/v2/webdeployments/token/...`); revoking it ends it.
 *
 * A JWT for one use is refused for another, as Genesys refuses a token of the wrong kind.
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

export type GuestClaims =
  | { readonly use: 'webchat'; readonly conversationId: string; readonly memberId: string }
  | {
      readonly use: 'webmessaging-session';
      readonly sessionId: string;
      readonly deploymentId: string;
      /** Expiry, in epoch seconds. */
      readonly exp: number;
    }
  | {
      readonly use: 'webmessaging-auth';
      readonly deploymentId: string;
      /** The refresh token it was issued with: revoking the JWT ends that too. */
      readonly refreshId: string;
      /** Expiry, in epoch seconds. */
      readonly exp: number;
    };

const HEADER = Buffer.from(JSON.stringify({ alg: 'HS256', typ: 'JWT' })).toString('base64url');

const FIELDS: Readonly<Record<GuestClaims['use'], readonly string[]>> = {
  webchat: ['conversationId', 'memberId'],
  'webmessaging-session': ['sessionId', 'deploymentId'],
  'webmessaging-auth': ['deploymentId', 'refreshId'],
};

export class GuestJwtIssuer {
  readonly #key = randomBytes(32);
  // Verified JWTs, so that a guest's hundredth call costs a lookup rather than an HMAC and a parse.
  readonly #verified = new Map<string, GuestClaims>();

  constructor(private readonly now: () => number = Date.now) {}

  #sign(content: string): string {
    return createHmac('sha256', this.#key).update(content).digest('base64url');
  }

  issue(claims: GuestClaims): string {
    const { use, ...rest } = claims;
    // `sub` as WebChat's JWTs always had it (the member); the rest as claims of their own.
    const sub = claims.use === 'webchat' ? claims.memberId : claims.use === 'webmessaging-session' ? claims.sessionId : claims.refreshId;
    const payload = Buffer.from(
      JSON.stringify({ iss: 'switchboard-emulator', sub, use, ...rest, iat: Math.floor(this.now() / 1000) }),
    ).toString('base64url');
    const content = `${HEADER}.${payload}`;
    return `${content}.${this.#sign(content)}`;
  }

  /** The claims of an unexpired JWT we signed, or undefined for anything else. */
  verify(jwt: string): GuestClaims | undefined {
    const claims = this.#verified.get(jwt) ?? this.#check(jwt);
    if (!claims) return undefined;
    if ('exp' in claims && claims.exp * 1000 <= this.now()) {
      this.#verified.delete(jwt);
      return undefined;
    }
    if (!this.#verified.has(jwt)) {
      if (this.#verified.size >= 10_000) this.#verified.clear();
      this.#verified.set(jwt, claims);
    }
    return claims;
  }

  #check(jwt: string): GuestClaims | undefined {
    const parts = jwt.split('.');
    if (parts.length !== 3) return undefined;
    const [header, payload, signature] = parts as [string, string, string];
    const expected = Buffer.from(this.#sign(`${header}.${payload}`));
    const given = Buffer.from(signature);
    if (expected.length !== given.length || !timingSafeEqual(expected, given)) return undefined;
    try {
      const claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as Record<string, unknown>;
      const fields = FIELDS[claims.use as GuestClaims['use']] as readonly string[] | undefined;
      if (!fields || !fields.every((name) => typeof claims[name] === 'string')) return undefined;
      if (claims.use !== 'webchat' && typeof claims.exp !== 'number') return undefined;
      const { iss: _iss, sub: _sub, iat: _iat, ...rest } = claims;
      return rest as unknown as GuestClaims;
    } catch {
      return undefined;
    }
  }
}
