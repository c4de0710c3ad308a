/**
 * An authenticated guest session's sign-in, as Genesys' Kotlin transport keeps it (AuthHandler):
 * the OAuth authorization code (or an OpenID id token) is exchanged once for a JWT and a refresh
 * token (`postWebdeploymentsTokenOauthcodegrantjwtexchange`); each `configureAuthenticatedSession`
 * (the first, and the one after every reconnect) carries the JWT, refreshed first
 * (`postWebdeploymentsTokenRefresh`) when it has less than a minute left; and closing the session
 * revokes it (`deleteWebdeploymentsTokenRevoke`), so that a JWT that leaks later is worth nothing.
 *
 * The JWT and the refresh token are credentials: they stay in this object and in the calls that
 * carry them, and the client's redaction hides them (`jwt`, `refreshToken`) from logs and spans.
 */
import { ValidationError, type ValidationProblem } from '@switchboard/core';
import type { WebMessagingOperations } from './generated/operations.js';

/** How an authenticated session signs in: the code of the OAuth code flow (or an implicit flow's id token), or a JWT already exchanged. */
export type SignInOptions =
  | {
      /** The authorization code the guest's identity provider returned. */
      readonly code: string;
      /** The redirect URI of the authentication request. */
      readonly redirectUri: string;
      /**
       * The PKCE code verifier, when the request had a challenge.
       * @default none
       */
      readonly codeVerifier?: string;
      /**
       * The nonce of the authentication request, when it had one.
       * @default none
       */
      readonly nonce?: string;
    }
  | {
      /** An implicit flow's OpenID id token. */
      readonly idToken: string;
      /** The redirect URI of the authentication request. */
      readonly redirectUri: string;
      /**
       * The nonce of the authentication request, when it had one.
       * @default none
       */
      readonly nonce?: string;
    }
  | {
      /** The JWT of an exchange made already. */
      readonly jwt: string;
      /** Its refresh token. */
      readonly refreshToken: string;
    };

/** A JWT is refreshed before it is sent when it has less than this left. */
const REFRESH_MARGIN_MS = 60_000;

/** When a JWT expires (its `exp` claim), or undefined when it says not. It is read, not verified: the server does that. */
function expiryOf(jwt: string): number | undefined {
  try {
    const payload = JSON.parse(Buffer.from(jwt.split('.')[1] ?? '', 'base64url').toString('utf8')) as { exp?: unknown };
    return typeof payload.exp === 'number' ? payload.exp * 1_000 : undefined;
  } catch {
    return undefined;
  }
}

const nonEmpty = (value: unknown): value is string => typeof value === 'string' && value.length > 0;

/** Checks the options before anything is sent; the error names the fields, never their values. */
function checkSignIn(options: SignInOptions): void {
  const problems: ValidationProblem[] = [];
  const need = (field: string, value: unknown) => {
    if (!nonEmpty(value)) problems.push({ pointer: `/signIn/${field}`, message: 'must be a non-empty string' });
  };
  if ('jwt' in options) {
    need('jwt', options.jwt);
    need('refreshToken', options.refreshToken);
  } else {
    need('code' in options ? 'code' : 'idToken', 'code' in options ? options.code : options.idToken);
    need('redirectUri', options.redirectUri);
  }
  if (problems.length > 0) throw new ValidationError(problems);
}

/** The sign-in of one authenticated session. */
export class SessionSignIn {
  readonly #api: WebMessagingOperations;
  readonly #deploymentId: string;
  readonly #failed: (what: 'refresh' | 'revoke', error: unknown) => void;
  #jwt: string;
  #refreshToken: string;
  #revoked = false;

  private constructor(
    api: WebMessagingOperations,
    deploymentId: string,
    jwt: string,
    refreshToken: string,
    failed: (what: 'refresh' | 'revoke', error: unknown) => void,
  ) {
    this.#api = api;
    this.#deploymentId = deploymentId;
    this.#jwt = jwt;
    this.#refreshToken = refreshToken;
    this.#failed = failed;
  }

  /**
   * Signs in: exchanges the code (or id token) for a JWT, or takes the JWT given.
   * @throws ValidationError before anything is sent, when a field is missing; the exchange's HttpError when the server refuses it.
   */
  static async start(
    api: WebMessagingOperations,
    deploymentId: string,
    options: SignInOptions,
    failed: (what: 'refresh' | 'revoke', error: unknown) => void,
    signal?: AbortSignal,
  ): Promise<SessionSignIn> {
    checkSignIn(options);
    if ('jwt' in options) return new SessionSignIn(api, deploymentId, options.jwt, options.refreshToken, failed);
    const oauth = {
      redirectUri: options.redirectUri,
      ...('code' in options ? { code: options.code } : { idToken: options.idToken }),
      ...('codeVerifier' in options && options.codeVerifier !== undefined ? { codeVerifier: options.codeVerifier } : {}),
      ...(options.nonce !== undefined ? { nonce: options.nonce } : {}),
    };
    const { data } = await api.postWebdeploymentsTokenOauthcodegrantjwtexchange({ body: { deploymentId, oauth } }, { signal });
    if (!nonEmpty(data.jwt) || !nonEmpty(data.refreshToken))
      throw new TypeError('the code exchange answered without a JWT or refresh token');
    return new SessionSignIn(api, deploymentId, data.jwt, data.refreshToken, failed);
  }

  /** The JWT to configure the session with: refreshed first when it has less than a minute left (a refresh that fails leaves the old one to try). */
  async jwt(signal: AbortSignal): Promise<string> {
    const expiresAt = expiryOf(this.#jwt);
    if (expiresAt !== undefined && expiresAt - Date.now() < REFRESH_MARGIN_MS) {
      try {
        const { data } = await this.#api.postWebdeploymentsTokenRefresh(
          { body: { refreshToken: this.#refreshToken, deploymentId: this.#deploymentId } },
          { signal },
        );
        if (nonEmpty(data.jwt)) this.#jwt = data.jwt;
      } catch (error) {
        this.#failed('refresh', error);
      }
    }
    return this.#jwt;
  }

  /** Revokes the JWT (once); a failure is told, not thrown: the session is closing either way. */
  async revoke(): Promise<void> {
    if (this.#revoked) return;
    this.#revoked = true;
    try {
      await this.#api.deleteWebdeploymentsTokenRevoke({}, { guestJwt: this.#jwt });
    } catch (error) {
      this.#failed('revoke', error);
    }
  }
}
