/**
 * HTTPS through a forward proxy: both transports open a CONNECT tunnel to an https server on
 * loopback and speak TLS inside it, trusting the test's self-signed certificate (in a child
 * process, through NODE_EXTRA_CA_CERTS, as a company's own CA is trusted).
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { type Proxy, startProxy } from '../support/proxy.js';
import { startTlsServer, type TlsServer } from '../support/tls.js';

const root = join(import.meta.dirname, '..', '..');
let server: TlsServer;
let proxy: Proxy;
let folder: string;

beforeAll(async () => {
  [server, proxy] = await Promise.all([startTlsServer(), startProxy()]);
  folder = mkdtempSync(join(tmpdir(), 'switchboard-ca-'));
});
afterAll(async () => {
  await Promise.all([server.close(), proxy.stop()]);
  rmSync(folder, { recursive: true, force: true });
});

it('calls an https server through a CONNECT tunnel on both transports', async () => {
  const ca = join(folder, 'ca.pem');
  writeFileSync(ca, server.ca);
  const { stdout } = await promisify(execFile)(
    join(root, 'node_modules', '.bin', 'tsx'),
    ['--conditions=@switchboard/source', join(root, 'test', 'integration', 'https-proxy-client.ts')],
    { cwd: root, env: { ...process.env, NODE_EXTRA_CA_CERTS: ca, TARGET_URL: server.url, PROXY_URL: proxy.url }, timeout: 60_000 },
  );
  const lines = stdout
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line) as unknown);
  expect(lines).toEqual([
    { transport: 'ky', status: 200, data: { method: 'GET', url: '/api/things/a' } },
    { transport: 'undici', status: 200, data: { method: 'GET', url: '/api/things/a' } },
  ]);
  const tunnels = (await proxy.requests()).filter((request) => request.method === 'CONNECT' && request.port === server.port);
  expect(tunnels).toHaveLength(2);
});
