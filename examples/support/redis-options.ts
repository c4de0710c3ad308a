/** ioredis settings from a `redis://` or `rediss://` URL, as the examples take REDIS_URL. */
import type { RedisOptions } from 'ioredis';

/** Throws a TypeError that says what was expected for anything but a redis:// or rediss:// URL. */
export function redisOptions(url: string): RedisOptions {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new TypeError('REDIS_URL is not a URL; expected redis://[user:password@]host:port[/db].');
  }
  if (parsed.protocol !== 'redis:' && parsed.protocol !== 'rediss:')
    throw new TypeError('REDIS_URL must start with redis:// or rediss://.');
  return {
    host: parsed.hostname.replace(/^\[(.*)\]$/, '$1') || '127.0.0.1',
    port: Number(parsed.port || 6379),
    ...(parsed.username ? { username: decodeURIComponent(parsed.username) } : {}),
    ...(parsed.password ? { password: decodeURIComponent(parsed.password) } : {}),
    db: Number(parsed.pathname.slice(1) || 0),
    ...(parsed.protocol === 'rediss:' ? { tls: {} } : {}),
  };
}
