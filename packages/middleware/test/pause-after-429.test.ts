/** The client-wide pause after a 429, against a loopback server that times every request it gets. */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { AbortError, createClient, defineRoute, type Middleware } from '@switchboard/core';
import { DEFAULT_RETRY_SETTINGS, LocalLimiter, pauseAfter429, RateLimitError, rateLimit, retry } from '@switchboard/middleware';
import { fakeTransport, respond, settledState, untilTrue } from '../../../test/support/fakes.js';
import { type Loopback, startLoopback } from '../../../test/support/loopback.js';
import { ping } from '../../../test/support/routes.js';

const pingAsUser = defineRoute<Record<string, never>, unknown>({ ...ping, operationId: 'pingAsUser', auth: 'oauth' });

let server: Loopback | undefined;
afterEach(async () => {
  vi.useRealTimers();
  await server?.close();
  server = undefined;
});

/** A server that answers 429 `Retry-After: retryAfter` to its first `throttled` requests, then 200; it notes when each request came and each 429 went. */
async function throttlingServer(throttled: number, retryAfter = '0') {
  const arrivals: number[] = [];
  const refusals: number[] = [];
  server = await startLoopback((_request, res) => {
    arrivals.push(performance.now());
    if (arrivals.length <= throttled) {
      res.writeHead(429, { 'content-type': 'application/json', 'retry-after': retryAfter });
      res.end('{"code":"too.many.requests.retry.after"}', () => refusals.push(performance.now()));
      return;
    }
    res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
  });
  return { url: server.url, arrivals, refusals };
}

/** How long after each 429 went out the next request arrived. */
const gapsAfterRefusals = (arrivals: readonly number[], refusals: readonly number[]) =>
  refusals.map((sent, i) => (arrivals[i + 1] ?? Infinity) - sent);

describe.each(['ky', 'undici'] as const)('pauseAfter429 on %s', (transport) => {
  it.each([false, true])(
    'turns a loop of calls on Retry-After: 0 into one request per 100 ms at most, with a rate limiter: %s',
    async (withLimiter) => {
      const { url, arrivals, refusals } = await throttlingServer(12);
      const limiter = withLimiter ? new LocalLimiter({ limit: 1_000, intervalMs: 1_000 }) : undefined;
      const middleware: Middleware[] = [retry({ maxAttempts: 2 }), pauseAfter429(), ...(limiter ? [rateLimit({ limiter })] : [])];
      const client = createClient({ baseUrl: url, transport, middleware });
      // A caller that calls again as soon as a call ends, as a polling loop does, until one succeeds.
      let outcome = 0;
      for (let call = 0; call < 20 && outcome !== 200; call++)
        outcome = await client.call(ping, {}).then(
          (r) => r.status,
          () => 429,
        );
      expect(outcome).toBe(200);
      expect(arrivals).toHaveLength(13);
      // Every request after a 429 waited out the floor: no request came sooner, whichever call it belonged to.
      for (const gap of gapsAfterRefusals(arrivals, refusals)) expect(gap).toBeGreaterThanOrEqual(95);
      await client.close();
      await limiter?.close();
    },
  );
});

describe('pauseAfter429', () => {
  it("holds the client's other calls in the same scope until the server's wait has passed, and no other scope", async () => {
    const { url, arrivals, refusals } = await throttlingServer(1, '1');
    const client = createClient({ baseUrl: url, middleware: [pauseAfter429()] });
    await client.call(ping, {}).catch(() => undefined);
    const [held, other] = await Promise.all([client.call(ping, {}), client.call(pingAsUser, {})]);
    expect([held.status, other.status]).toEqual([200, 200]);
    // The call in another scope went at once; the one in the 429's scope waited its second.
    // The other scope's call went at once: it reports no wait (its arrival time would only bound the machine's speed).
    const [, first, second] = arrivals.map((at) => at - (refusals[0] ?? 0));
    expect(Math.max(first ?? 0, second ?? 0)).toBeGreaterThanOrEqual(995);
    expect(held.waitedMs).toBeGreaterThanOrEqual(900);
    expect(other.waitedMs).toBe(0);
    await client.close();
  });

  it('fails a call whose deadline comes before the pause ends at once, sending nothing; an aborted one likewise', async () => {
    const { url, arrivals } = await throttlingServer(1, '30');
    const client = createClient({ baseUrl: url, middleware: [pauseAfter429()] });
    await client.call(ping, {}).catch(() => undefined);
    await expect(client.call(ping, {}, { totalTimeout: 5_000 })).rejects.toBeInstanceOf(RateLimitError);
    const controller = new AbortController();
    const aborted = client.call(ping, {}, { signal: controller.signal });
    controller.abort();
    await expect(aborted).rejects.toBeInstanceOf(AbortError);
    expect(arrivals).toHaveLength(1);
    await client.close();
  });
});

describe('pauseAfter429’s defaults', () => {
  it.each([
    ['Retry-After: 0: the floor, the retry’s minWaitMs', { 'retry-after': '0' }, DEFAULT_RETRY_SETTINGS.minWaitMs],
    ['no usable wait: 1 s', { 'retry-after': 'soon' }, 1_000],
    ['a daily limit: the cap, the retry’s maxServerWaitMs', { 'retry-after': '86400' }, DEFAULT_RETRY_SETTINGS.maxServerWaitMs],
  ])('%s', async (_name, headers, pauseMs) => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date', 'performance'] });
    const transport = fakeTransport([() => respond(429, {}, headers), () => respond(200)]);
    const client = createClient({ baseUrl: 'http://127.0.0.1:9', transport, middleware: [pauseAfter429()] });
    await client.call(ping, {}).catch(() => undefined);
    const held = settledState(client.call(ping, {}));
    await vi.advanceTimersByTimeAsync(pauseMs - 1);
    expect(transport.sent).toBe(1);
    await vi.advanceTimersByTimeAsync(1);
    await untilTrue(() => held.current !== 'pending', 'the held call to go once the pause is over');
    expect(held.current).toMatchObject({ resolved: { status: 200, waitedMs: pauseMs } });
    expect(transport.sent).toBe(2);
    await client.close();
  });
});

describe('the retry budget and 429s', () => {
  it('retrying 429s does not spend the budget: after forty 429s a later 429 with Retry-After: 1 is still retried', async () => {
    const { url } = await throttlingServer(40);
    const client = createClient({ baseUrl: url, middleware: [retry({ maxAttempts: 2, minWaitMs: 0 }), pauseAfter429({ minPauseMs: 0 })] });
    for (let call = 0; call < 20; call++) await client.call(ping, {}).catch(() => undefined);
    server?.answer((_request, res) => void res.writeHead(429, { 'retry-after': '1' }).end());
    const result = await client.call(ping, {});
    expect(result.status).toBe(200);
    expect(result.attempts).toBe(2);
    await client.close();
  });
});
