/** OAuth client credentials as Genesys' login service grants them: opaque bearer tokens with a TTL. */
import { randomBytes, timingSafeEqual } from 'node:crypto';

/** An OAuth client the emulator's login host accepts (client credentials grant). */
export interface OAuthClient {
  /** The client's id. */
  readonly clientId: string;
  /** The client's secret. */
  readonly clientSecret: string;
}

interface IssuedToken {
  readonly clientId: string;
  readonly expiresAt: number;
  revoked: boolean;
}

export type TokenCheck =
  { readonly ok: true; readonly clientId: string } | { readonly ok: false; readonly reason: 'unknown' | 'expired' | 'revoked' };

function same(a: string, b: string): boolean {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && timingSafeEqual(left, right);
}

export class OAuthServer {
  readonly #clients: Map<string, OAuthClient>;
  readonly #tokens = new Map<string, IssuedToken>();
  #issued = 0;

  constructor(
    clients: readonly OAuthClient[],
    private readonly ttlSeconds: number,
    private readonly now: () => number = Date.now,
  ) {
    this.#clients = new Map(clients.map((c) => [c.clientId, c]));
  }

  get issuedCount(): number {
    return this.#issued;
  }

  /** Checks HTTP Basic credentials; returns the client, or undefined when they are wrong. */
  authenticate(authorization: string | undefined): OAuthClient | undefined {
    const match = /^Basic\s+(\S+)$/i.exec(authorization ?? '');
    if (!match) return undefined;
    const decoded = Buffer.from(match[1] as string, 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    if (colon < 0) return undefined;
    const client = this.#clients.get(decoded.slice(0, colon));
    return client && same(client.clientSecret, decoded.slice(colon + 1)) ? client : undefined;
  }

  issue(client: OAuthClient): { access_token: string; token_type: 'bearer'; expires_in: number } {
    const token = randomBytes(32).toString('base64url');
    this.#tokens.set(token, { clientId: client.clientId, expiresAt: this.now() + this.ttlSeconds * 1000, revoked: false });
    this.#issued++;
    return { access_token: token, token_type: 'bearer', expires_in: this.ttlSeconds };
  }

  check(token: string): TokenCheck {
    const issued = this.#tokens.get(token);
    if (!issued) return { ok: false, reason: 'unknown' };
    if (issued.revoked) return { ok: false, reason: 'revoked' };
    if (this.now() >= issued.expiresAt) return { ok: false, reason: 'expired' };
    return { ok: true, clientId: issued.clientId };
  }

  revoke(token: string): void {
    const issued = this.#tokens.get(token);
    if (issued) issued.revoked = true;
  }
}
