/** Guest JWTs (HS256): each names its conversation and member, so it opens that conversation only. */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

export interface GuestClaims {
  readonly conversationId: string;
  readonly memberId: string;
}

const HEADER = Buffer.from(JSON.stringify({ alg: 'HS256', typ: 'JWT' })).toString('base64url');

export class GuestJwtIssuer {
  readonly #key = randomBytes(32);
  // Verified JWTs, so that a guest's hundredth call costs a lookup rather than an HMAC and a parse.
  readonly #verified = new Map<string, GuestClaims>();

  #sign(content: string): string {
    return createHmac('sha256', this.#key).update(content).digest('base64url');
  }

  issue(claims: GuestClaims): string {
    const payload = Buffer.from(
      JSON.stringify({
        iss: 'switchboard-emulator',
        sub: claims.memberId,
        conversationId: claims.conversationId,
        iat: Math.floor(Date.now() / 1000),
      }),
    ).toString('base64url');
    const content = `${HEADER}.${payload}`;
    return `${content}.${this.#sign(content)}`;
  }

  /** The claims of a JWT we signed, or undefined for anything else. */
  verify(jwt: string): GuestClaims | undefined {
    const known = this.#verified.get(jwt);
    if (known) return known;
    const claims = this.#check(jwt);
    if (claims) {
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
      const claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as { sub?: unknown; conversationId?: unknown };
      if (typeof claims.sub !== 'string' || typeof claims.conversationId !== 'string') return undefined;
      return { memberId: claims.sub, conversationId: claims.conversationId };
    } catch {
      return undefined;
    }
  }
}
