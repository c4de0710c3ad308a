// A second process for the shared-quota test: on the packages' built output, it joins the Redis
// budget, says "ready", asks for one turn at the time it is told, waiting `waitMs` at most, and
// reports when it got it, or the code of the error it got instead.
import { RedisLimiter } from '@switchboard/middleware/redis';

const setup = JSON.parse(process.argv[2] ?? '{}');
const limiter = new RedisLimiter({
  id: setup.id,
  redis: { host: '127.0.0.1', port: setup.redisPort },
  limit: setup.limit,
  intervalMs: setup.intervalMs,
});
await limiter.ready();
const { askAt } = await new Promise((resolve) => {
  process.once('message', resolve);
  process.send?.('ready');
});
await new Promise((resolve) => setTimeout(resolve, Math.max(0, askAt - Date.now())));
try {
  const permit = await limiter.acquire({ operationId: 'second-process', timeoutMs: setup.waitMs });
  const grantedAt = Date.now();
  permit.release();
  process.send?.({ grantedAt });
} catch (error) {
  process.send?.({ error: error.code ?? String(error) });
}
await limiter.close();
process.disconnect?.();
