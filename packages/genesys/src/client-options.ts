/** What every Genesys API client takes: where the API is, auth, and the middleware and their settings. */
import type { ClientOptions } from '@switchboard/core';
import type { Logger, MetricsOptions, PauseAfter429Options, RateLimitOptions, RetryOptions, TracingOptions } from '@switchboard/middleware';
import type { OAuthSetting } from './oauth-credentials.js';
import type { RegionName } from './regions.js';

/**
 * What every Genesys API client's options have besides where the API is: auth, middleware and
 * their settings, and the client options of `@switchboard/core` other than those the API client
 * sets itself.
 */
export interface GenesysClientBaseOptions extends Omit<ClientOptions, 'baseUrl' | 'correlationIdHeaders' | 'describeError' | 'redaction'> {
  /**
   * OAuth for the operations that need it: client credentials, a provider asked on every attempt, or a token.
   * @default none: an operation that needs OAuth fails with an AuthError
   */
  readonly oauth?: OAuthSetting;
  /**
   * The login host for client credentials, such as the emulator's `loginUrl`; from `region` by default.
   * @default the login host of `region` (`https://login.<region domain>`)
   */
  readonly loginUrl?: string;
  /**
   * Retry settings (429-aware, idempotency-safe, with a budget); `false` for none. On by default.
   * @default `retry()` with its default options
   */
  readonly retry?: RetryOptions | false;
  /**
   * The client-wide pause after a 429: every call in the same scope (the OAuth client, or one
   * guest's credential) waits out the server's Retry-After before it sends. `false` for none.
   * @default on: `{ minPauseMs: 100, maxPauseMs: 60_000 }`
   */
  readonly pauseAfter429?: Omit<PauseAfter429Options, 'scopeOf'> | false;
  /**
   * Rate limiting for every attempt, placed before auth so that a token is taken only when the attempt may go. Off by default.
   * @default no rate limiting
   */
  readonly rateLimit?: RateLimitOptions;
  /**
   * Where deprecation notices go, once per deprecated operation per client; Node's `process.emitWarning` by default.
   * @default a process warning: `process.emitWarning(message, { type: 'DeprecationWarning', code, detail: operationId })`, with the API's code (`SWITCHBOARD_WEBCHAT_V2` for WebChat)
   */
  readonly onDeprecated?: (operationId: string, message: string) => void;
  /**
   * OpenTelemetry spans for every call and attempt, on the global tracer provider unless one is given; `false` for none. On by default (free without a provider).
   * @default tracing on, on the global tracer provider
   */
  readonly tracing?: Omit<TracingOptions, 'redaction' | 'correlationIdAttribute'> | false;
  /**
   * OpenTelemetry metrics (request duration, retries, 429s, waits) on the global meter provider unless one is given; `false` for none. On by default.
   * @default metrics on, on the global meter provider
   */
  readonly metrics?: MetricsOptions | false;
  /**
   * A pino logger (or one of the same shape): one line per call, and per attempt and wait at debug level. No logging without one.
   * @default no logging
   */
  readonly logger?: Logger;
  /**
   * At debug level, log request and response bodies too (redacted). Default false.
   * @default `false`
   */
  readonly logBodies?: boolean;
  /**
   * Let message text (customer data) into logs, spans and error messages. Secrets stay hidden regardless. Default false.
   * @default `false`
   */
  readonly includeMessageText?: boolean;
  /**
   * Let the guest's (and agents') contact details and identity into logs, spans and error messages
   * (each API lists the fields it hides), and email addresses inside error text. A switch of its
   * own: `includeMessageText` does not let these through, and this one lets no message text
   * through. Secrets stay hidden regardless.
   * @default `false`
   */
  readonly includeContactDetails?: boolean;
}

/**
 * Where the API is: a Genesys Cloud region (`us_east_1` or `us-east-1`), or a base URL such as the emulator's `apiUrl` (which wins).
 *
 * Besides the options below, it takes those of {@link @switchboard/core!ClientOptions} other than
 * `baseUrl`, `correlationIdHeaders`, `describeError` and `redaction`, which the API client sets itself:
 * `transport`, `timeout`, `maxResponseBytes`, `proxy`, `headers`, and `middleware` (run inside the API client's own of the same phase).
 */
export type GenesysClientOptions = GenesysClientBaseOptions &
  (
    | {
        /** The Genesys Cloud region: `us_east_1` or `us-east-1`. */
        readonly region: RegionName;
        /**
         * The API's base URL, such as the emulator's `apiUrl`; wins over `region`.
         * @default the API host of `region` (`https://api.<region domain>`)
         */
        readonly baseUrl?: string;
      }
    | {
        /** The API's base URL, such as the emulator's `apiUrl`. */
        readonly baseUrl: string;
        /**
         * The Genesys Cloud region, for the login host of client credentials.
         * @default none: client credentials then need `loginUrl`
         */
        readonly region?: RegionName;
      }
  );
