// A worker process for the multi-process rate-limit test: plain Node on the packages' built
// output, so that it starts in a fraction of a second. It gets its token, says "ready", waits for
// the common start, calls the emulator as fast as its limiter allows until the common end, and
// reports what it saw.
import { RedisLimiter } from '@switchboard/middleware/redis';
import { WebChatAPI } from '@switchboard/webchat';

const setup = JSON.parse(process.argv[2] ?? '{}');
const shared =
  setup.mode === 'redis'
    ? new RedisLimiter({
        id: setup.limiterId,
        redis: { host: '127.0.0.1', port: setup.redisPort },
        limit: setup.limit,
        intervalMs: setup.intervalMs,
      })
    : undefined;
const api = new WebChatAPI({
  baseUrl: setup.apiUrl,
  loginUrl: setup.loginUrl,
  oauth: { clientId: setup.clientId, clientSecret: setup.clientSecret },
  retry: false,
  // 'local': each process paced at the full limit on its own; 'naive': the same without reading the server's headers, as simpler clients do.
  rateLimit: shared
    ? { limiter: shared }
    : { local: { limit: setup.limit, intervalMs: setup.intervalMs }, followServer: setup.mode !== 'naive' },
  onDeprecated: () => undefined,
});
await shared?.ready();
const go = await new Promise((resolve) => {
  process.once('message', resolve);
  process.send?.('ready');
});
await new Promise((resolve) => setTimeout(resolve, Math.max(0, go.startAt - Date.now())));
let ok = 0;
let limited = 0;
const queueWaits = [];
await Promise.all(
  Array.from({ length: setup.concurrency }, async () => {
    while (Date.now() < go.endAt) {
      const result = await api.getWebchatSettings({}, { totalTimeout: Math.max(1, go.endAt - Date.now()) }).then(
        (r) => ({ status: r.status, waitedMs: r.waitedMs }),
        (error) => ({ status: error.status ?? 0, waitedMs: error.waitedMs ?? 0, error }),
      );
      if (Date.now() > go.endAt) break;
      queueWaits.push(result.waitedMs);
      if (result.status === 200) ok++;
      // Only the server's 429s count. A call refused before sending, because a pause after an
      // earlier 429 lasts past its deadline (a RateLimitError, also status 429), sent nothing:
      // the loop waits that pause out instead of spinning on such refusals.
      else if (result.error?.code === 'E_HTTP' && result.status === 429) limited++;
      else if (result.error?.code === 'E_RATE_LIMITED')
        await new Promise((resolve) => setTimeout(resolve, Math.max(0, Math.min(result.error.retryAfterMs, go.endAt - Date.now()))));
    }
  }),
);
process.send?.({ ok, limited, queueWaits, rssBytes: process.memoryUsage().rss });
await api.close();
await shared?.close();
process.disconnect?.();
