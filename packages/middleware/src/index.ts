/**
 * The main entry, `@switchboard/middleware`: auth per scheme, OAuth client credentials, retry,
 * rate limiting in one process, tracing, metrics and logging, and the key-value store contract
 * with its in-memory store. The Redis limiter and the Redis store are in
 * `@switchboard/middleware/redis`. It re-exports the types of {@link @switchboard/core! | @switchboard/core} a
 * middleware is written against: `CallContext`, `Middleware`, `Next` and `Phase`.
 * @module
 */
export type { CallContext, Middleware, Next, Phase } from '@switchboard/core';
export {
  AuthError,
  LimiterClosedError,
  LimiterUnavailableError,
  OutcomeUnknownError,
  QueueFullError,
  RateLimitError,
  type RateLimitReason,
  StoreUnavailableError,
} from './errors.js';
export type { KeyValueStore } from './key-value-store.js';
export { MemoryStore, type MemoryStoreOptions } from './memory-store.js';
export {
  authByScheme,
  type AuthBySchemeOptions,
  type Authorize,
  type AuthorizationProvider,
  type SchemeCredentials,
} from './auth-scheme.js';
export { ClientCredentials, type ClientCredentialsOptions } from './oauth-client-credentials.js';
export { isSafeForCredentials } from './transport-security.js';
export {
  retry,
  retryPerCall,
  DEFAULT_RETRY_SETTINGS,
  DEFAULT_RETRY_POLICY,
  type RetryNotice,
  type RetryOptions,
  type RetryPerCall,
} from './retry.js';
export {
  decideRetry,
  type AttemptFacts,
  type Decision,
  type Outcome,
  type RetrySettings,
  type RetryPolicy,
  type RetryWaitReason,
} from './retry-decision.js';
export { parseRetryAfter, serverWait, type ServerWait } from './retry-after.js';
export { fullJitterBackoff, type BackoffOptions } from './backoff.js';
export { RetryBudget, type RetryBudgetOptions } from './retry-budget.js';
export type { AcquireOptions, CloseOptions, Limiter, Permit, ServerWindow } from './limiter.js';
export { LocalLimiter, type LocalLimiterOptions } from './local-limiter.js';
export type { StartSpacingState } from './bottleneck-limiter.js';
export { ATTR_LIMITER_ID, ATTR_LIMITER_KIND, type LimiterMetricsOptions } from './limiter-metrics.js';
export { pauseAfter429, type PauseAfter429Options } from './pause-after-429.js';
export { rateLimit, type RateLimitOptions } from './rate-limit.js';
export { tracing, type TracingOptions } from './tracing.js';
export type { RequestTracing } from './http-span.js';
export { clientMetrics, type MetricsOptions } from './metrics.js';
export { logging, type Logger, type LoggingOptions } from './logging.js';
