/**
 * The Redis entry point, `@switchboard/middleware/redis`: what needs `ioredis`. It is kept out of
 * the main entry so that a project without Redis neither installs ioredis nor compiles against its
 * types; ioredis is an optional peer dependency, and the user's own copy is the one used.
 * @module
 */
export { RedisLimiter, type RedisLimiterOptions } from './redis-limiter.js';
export { RedisStore, type RedisStoreOptions } from './redis-store.js';
