/**
 * `@switchboard/webchat/redis`: the rate limiter shared by worker processes through Redis. It needs
 * `ioredis` (an optional peer dependency: `npm install ioredis`), which the main entry never loads.
 *
 * It re-exports `@switchboard/middleware/redis`: {@link @switchboard/middleware!redis.RedisLimiter | RedisLimiter}
 * and {@link @switchboard/middleware!redis.RedisLimiterOptions | RedisLimiterOptions}, documented there.
 * @module
 */
export * from '@switchboard/middleware/redis';
