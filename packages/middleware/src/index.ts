// Auth, retry, rate limiting, tracing and logging middleware arrive with their issues; each is
// built on @switchboard/core's Middleware contract, re-exported here for middleware authors.
export type { CallContext, Middleware, Next, Phase } from '@switchboard/core';
