/** How an emulator starts: everything has a default, so `startEmulator()` alone gives a working org. */
import type { StreamFaultRule } from './stream-fault.js';
import type { AgentScript } from './agent.js';
import type { FaultRule } from './faults.js';
import type { MessagingFaultRule } from './messaging-fault.js';
import type { OAuthClient } from './oauth.js';
import type { RateLimit } from './rate-limit.js';

/** How an emulator starts (what {@link startEmulator} takes): everything has a default, so `startEmulator()` alone gives a working org. */
export interface EmulatorOptions {
  /**
   * TCP port on 127.0.0.1; 0 (the default) picks a free one.
   * @default `0`: a free port
   */
  readonly port?: number;
  /**
   * Seed for ids, correlation ids and probabilistic faults; random by default.
   * @default a random seed
   */
  readonly seed?: number;
  /**
   * OAuth token lifetime in seconds. Default 86 400, Genesys' default.
   * @default `86_400`
   */
  readonly tokenTtlSeconds?: number;
  /**
   * Requests per window per token. Default 300 per 60 s, Genesys' documented default.
   * @default `{ limit: 300, windowSeconds: 60 }`
   */
  readonly rateLimit?: RateLimit;
  /**
   * Requests per window for the whole organisation, all tokens together. Default 3 000 per 60 s.
   * @default `{ limit: 3_000, windowSeconds: 60 }`
   */
  readonly orgRateLimit?: RateLimit;
  /**
   * OAuth clients; by default one, with a random secret (see `emulator.client`).
   * @default one client with a random id and secret
   */
  readonly clients?: readonly OAuthClient[];
  /**
   * The organization's id, in ErrorBodies and `emulator.organizationId`.
   * @default a UUID drawn from the seed
   */
  readonly organizationId?: string;
  /**
   * Deployments to start with; by default one, enabled.
   * @default one enabled deployment named `Switchboard emulator`
   */
  readonly deployments?: readonly Record<string, unknown>[];
  /**
   * Fault rules active from the start.
   * @default none
   */
  readonly faults?: readonly FaultRule[];
  /**
   * Interval of the event stream's heartbeat frames. Default 30 000 ms.
   * @default `30_000`
   */
  readonly heartbeatMs?: number;
  /**
   * Faults that hit every event stream socket on a schedule: `{ fault: { kind: 'drop' }, everyMs: 30_000 }`,
   * a `stall` with `ms`, or a `close` with `code` (also `emulator.streams.addRule()`, `POST /__emulator/streams/rules`).
   * @default none
   */
  readonly streamFaults?: readonly StreamFaultRule[];
  /**
   * The scripted agent's timing and words.
   * @default the defaults of each {@link AgentScript} field
   */
  readonly agent?: Partial<AgentScript>;
  /**
   * Largest request body accepted, in bytes (413 above). Default 1 MiB.
   * @default `1_048_576` (1 MiB)
   */
  readonly bodyLimit?: number;
  /**
   * Web Messaging's guest sessions: limits, timing and faults (each optional).
   * @default the defaults of each {@link MessagingOptions} field
   */
  readonly messaging?: MessagingOptions;
}

/** How the Web Messaging side runs (`EmulatorOptions.messaging`); the scripted agent's timing is `EmulatorOptions.agent`, shared with WebChat. */
export interface MessagingOptions {
  /**
   * `onMessage` requests per guest session per second; over it the answer is TooManyRequestsErrorMessage (4029). Genesys: 2.
   * @default `2`
   */
  readonly messagesPerSecond?: number;
  /**
   * How long a guest session lives, in seconds; then SessionExpiredEvent, and 4006 to what it asks.
   * @default `86_400` (a day)
   */
  readonly sessionDurationSeconds?: number;
  /**
   * Largest `channel.metadata.customAttributes` of a message, in bytes of JSON (4013 above). Genesys: 2,048.
   * @default `2_048`
   */
  readonly maxCustomDataBytes?: number;
  /**
   * Largest guest message text, in characters (4011 above).
   * @default `4_000`
   */
  readonly maxMessageCharacters?: number;
  /**
   * The starting deployment's attachment size limit, in KB (its configuration's `maxFileSizeKB`).
   * @default `10_240` (10 MB, Genesys' default)
   */
  readonly maxFileSizeKB?: number;
  /**
   * File extensions no guest may upload (the guest protocol's `blockedExtensions`).
   * @default `['.exe', '.bat', '.cmd', '.com', '.js', '.vbs', '.ade', '.adp']`
   */
  readonly blockedExtensions?: readonly string[];
  /**
   * Guest sessions held at once; past it the least recently created one is forgotten (its sockets
   * get 4007 SessionNotFound), never the one being configured.
   * @default `10_000`
   */
  readonly maxSessions?: number;
  /**
   * Bytes of guest messages (their JSON) and uploaded files held at once, all sessions together;
   * past it the least recently created sessions are forgotten, then the oldest files and messages
   * of the session being written.
   * @default `268_435_456` (256 MiB)
   */
  readonly maxStoredBytes?: number;
  /**
   * Faults that hit every guest socket on a schedule (also `emulator.messaging.addRule()`,
   * `POST /__emulator/messaging/rules`, `--messaging-fault`).
   * @default none
   */
  readonly faults?: readonly MessagingFaultRule[];
  /**
   * The clock (epoch ms) that the per-session rate limit, session expiry dates and JWT expiry
   * count with: a test can pass a fake one and step it. Timers (agent delays, stalls) use real time.
   * @default `Date.now`
   */
  readonly now?: () => number;
}

export const DEFAULT_RATE_LIMIT: RateLimit = { limit: 300, windowSeconds: 60 };
export const DEFAULT_ORG_RATE_LIMIT: RateLimit = { limit: 3_000, windowSeconds: 60 };
export const DEFAULT_TOKEN_TTL_SECONDS = 86_400;
export const DEFAULT_HEARTBEAT_MS = 30_000;
export const DEFAULT_MESSAGING = {
  messagesPerSecond: 2,
  sessionDurationSeconds: 86_400,
  maxCustomDataBytes: 2_048,
  maxMessageCharacters: 4_000,
  maxFileSizeKB: 10_240,
  blockedExtensions: ['.exe', '.bat', '.cmd', '.com', '.js', '.vbs', '.ade', '.adp'],
  maxSessions: 10_000,
  maxStoredBytes: 268_435_456,
} as const;
