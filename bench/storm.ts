/**
 * A 429 storm: a loopback server answers every request with `429 Retry-After: 0` for 2 s while
 * one caller makes calls one after another, as a polling loop does. Requests the server got in
 * those 2 s, per transport, with and without a rate limiter, with WebChatAPI's client-wide pause
 * after a 429 (the default) and without it (`pauseAfter429: false`), side by side in one run.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { LocalLimiter, WebChatAPI } from '@switchboard/webchat';
import { printTable } from './stats.js';

async function storm(transport: 'ky' | 'undici', withLimiter: boolean, pause: boolean, stormMs: number): Promise<number> {
  let first = 0;
  let during = 0;
  const server = createServer((_request, response) => {
    const now = Date.now();
    if (first === 0) first = now;
    if (now - first < stormMs) {
      during++;
      response.writeHead(429, { 'retry-after': '0', 'content-type': 'application/json' }).end('{"code":"too.many.requests.retry.after"}');
    } else {
      response.writeHead(200, { 'content-type': 'application/json' }).end('{"requireDeployment":false}');
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const limiter = withLimiter ? new LocalLimiter({ limit: 300, intervalMs: 60_000 }) : undefined;
  const api = new WebChatAPI({
    baseUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    oauth: 'a-token',
    transport,
    tracing: false,
    metrics: false,
    onDeprecated: () => undefined,
    ...(pause ? {} : { pauseAfter429: false as const }),
    ...(limiter ? { rateLimit: { limiter } } : {}),
  });
  const end = Date.now() + stormMs + 200;
  while (Date.now() < end) await api.getWebchatSettings().catch(() => undefined);
  await api.close();
  await limiter?.close();
  await new Promise((resolve) => server.close(resolve));
  return during;
}

export async function runStormBench(options: { stormMs: number }): Promise<void> {
  const rows: string[][] = [];
  for (const transport of ['ky', 'undici'] as const) {
    for (const withLimiter of [false, true]) {
      const paused = await storm(transport, withLimiter, true, options.stormMs);
      const unpaused = await storm(transport, withLimiter, false, options.stormMs);
      rows.push([transport, withLimiter ? 'LocalLimiter 300/60 s' : 'none', String(paused), String(unpaused)]);
    }
  }
  console.log(
    `\nA 429 storm: requests sent while the server answers 429 Retry-After: 0 for ${options.stormMs / 1000} s, one caller calling in a loop\n`,
  );
  printTable(['transport', 'rate limiter', 'with the pause after 429 (default)', 'pauseAfter429: false'], rows);
}
