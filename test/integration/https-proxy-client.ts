/**
 * The child of https-through-proxy.test.ts: calls an https server through a proxy on both
 * transports and prints one JSON line per transport. It runs in its own process because the test's
 * self-signed certificate is trusted through NODE_EXTRA_CA_CERTS, which Node reads at start-up.
 */
import { createClient } from '@switchboard/core';
import { getThing } from '../support/routes.js';

const { TARGET_URL: target, PROXY_URL: proxy } = process.env;
if (!target || !proxy) throw new Error('TARGET_URL and PROXY_URL must be set');
for (const transport of ['ky', 'undici'] as const) {
  const client = createClient({ baseUrl: target, transport, proxy });
  const outcome = await client.call(getThing, { thingId: 'a' }).then(
    (result) => ({ status: result.status, data: result.data }),
    (error: unknown) => ({ error: String(error) }),
  );
  await client.close();
  console.log(JSON.stringify({ transport, ...outcome }));
}
