/** How an emulator starts: everything has a default, so `startEmulator()` alone gives a working org. */
import type { AgentScript } from './agent.js';
import type { FaultRule } from './faults.js';
import type { OAuthClient } from './oauth.js';
import type { RateLimit } from './rate-limit.js';

export interface EmulatorOptions {
  /** TCP port on 127.0.0.1; 0 (the default) picks a free one. */
  readonly port?: number;
  /** Seed for ids, correlation ids and probabilistic faults; random by default. */
  readonly seed?: number;
  /** OAuth token lifetime in seconds. Default 86 400, Genesys' default. */
  readonly tokenTtlSeconds?: number;
  /** Requests per window per token. Default 300 per 60 s, Genesys' documented default. */
  readonly rateLimit?: RateLimit;
  /** Requests per window for the whole organisation, all tokens together. Default 3 000 per 60 s. */
  readonly orgRateLimit?: RateLimit;
  /** OAuth clients; by default one, with a random secret (see `emulator.client`). */
  readonly clients?: readonly OAuthClient[];
  readonly organizationId?: string;
  /** Deployments to start with; by default one, enabled. */
  readonly deployments?: readonly Record<string, unknown>[];
  /** Fault rules active from the start. */
  readonly faults?: readonly FaultRule[];
  /** Interval of the event stream's heartbeat frames. Default 30 000 ms. */
  readonly heartbeatMs?: number;
  /** The scripted agent's timing and words. */
  readonly agent?: Partial<AgentScript>;
  /** Largest request body accepted, in bytes (413 above). Default 1 MiB. */
  readonly bodyLimit?: number;
}

export const DEFAULT_RATE_LIMIT: RateLimit = { limit: 300, windowSeconds: 60 };
export const DEFAULT_ORG_RATE_LIMIT: RateLimit = { limit: 3_000, windowSeconds: 60 };
export const DEFAULT_TOKEN_TTL_SECONDS = 86_400;
export const DEFAULT_HEARTBEAT_MS = 30_000;
