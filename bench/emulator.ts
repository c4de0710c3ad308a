/**
 * How fast the emulator answers, so that a client benchmark against it measures the client:
 * its CLI in its own process, driven by bare undici (the fastest client here) at concurrency 64,
 * next to the minimal node:http server the transport benchmark uses.
 */
import { Agent } from 'undici';
import { benchScript, startScript, throughputCells } from './measure.js';
import { fmt, median, printTable } from './stats.js';

interface Target {
  readonly name: string;
  readonly origin: string;
  readonly path: string;
  readonly headers: Record<string, string>;
}

async function measure(
  agent: Agent,
  target: Target,
  concurrency: number,
  ms: number,
): Promise<{ rps: number; latencies: Float64Array; failures: number }> {
  const latencies = new Float64Array(2_000_000);
  let count = 0;
  let failures = 0;
  const end = performance.now() + ms;
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (performance.now() < end) {
        const started = performance.now();
        const res = await agent.request({ origin: target.origin, path: target.path, method: 'GET', headers: target.headers });
        await res.body.text();
        if (res.statusCode !== 200) failures++;
        if (count < latencies.length) latencies[count] = performance.now() - started;
        count++;
      }
    }),
  );
  return { rps: (count / (performance.now() - t0)) * 1000, latencies: latencies.subarray(0, count), failures };
}

/** The three routes measured: a minimal node:http server's, and two of the emulator's, with a login and a chat of 10 messages made first. */
async function targetsOf(printedLine: string, plainPort: string | undefined): Promise<Target[]> {
  const printed = JSON.parse(printedLine) as Record<
    'baseUrl' | 'loginUrl' | 'organizationId' | 'deploymentId' | 'clientId' | 'clientSecret',
    string
  >;
  const { baseUrl: apiUrl, organizationId, deploymentId, clientId, clientSecret: secret } = printed;
  const login = await fetch(`${printed.loginUrl}/oauth/token`, {
    method: 'POST',
    headers: {
      authorization: `Basic ${Buffer.from(`${clientId}:${secret}`).toString('base64')}`,
      'content-type': 'application/x-www-form-urlencoded',
    },
    body: 'grant_type=client_credentials',
  });
  const { access_token: token } = (await login.json()) as { access_token: string };
  const created = await fetch(`${apiUrl}/api/v2/webchat/guest/conversations`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      organizationId,
      deploymentId,
      routingTarget: { targetType: 'QUEUE', targetAddress: 'bench' },
      memberInfo: { displayName: 'Bench' },
    }),
  });
  const chat = (await created.json()) as { id: string; jwt: string; member: { id: string } };
  for (let i = 0; i < 10; i++) {
    await fetch(`${apiUrl}/api/v2/webchat/guest/conversations/${chat.id}/members/${chat.member.id}/messages`, {
      method: 'POST',
      headers: { authorization: `Bearer ${chat.jwt}`, 'content-type': 'application/json' },
      body: JSON.stringify({ body: `message ${i}` }),
    });
  }
  return [
    { name: 'node:http minimal server, GET', origin: `http://127.0.0.1:${plainPort}`, path: '/things/abc', headers: {} },
    {
      name: 'emulator GET settings (OAuth)',
      origin: apiUrl,
      path: '/api/v2/webchat/settings',
      headers: { authorization: `Bearer ${token}` },
    },
    {
      name: 'emulator GET messages (guest JWT, 10 per page)',
      origin: apiUrl,
      path: `/api/v2/webchat/guest/conversations/${chat.id}/messages?maxResults=10`,
      headers: { authorization: `Bearer ${chat.jwt}` },
    },
  ];
}

export async function runEmulatorBench(options: { durationMs: number; rounds: number; warmupMs: number }): Promise<void> {
  const plain = await startScript([benchScript('./server.ts')], /^(\d+)\n/);
  const emulator = await startScript(
    [benchScript('../packages/emulator/dist/cli.js'), '--json', '--rate-limit', '1000000000/60s', '--org-rate-limit', '1000000000/60s'],
    /^(\{.*\})\n/,
  );
  const agent = new Agent({ keepAliveTimeout: 10_000 });
  try {
    const targets = await targetsOf(emulator.match[1] ?? '{}', plain.match[1]);
    for (const target of targets) await measure(agent, target, 64, options.warmupMs);
    const samples = targets.map(() => [] as Awaited<ReturnType<typeof measure>>[]);
    for (let round = 0; round < options.rounds; round++) {
      for (const [i, target] of targets.entries()) samples[i]?.push(await measure(agent, target, 64, options.durationMs));
    }
    const reference = median(samples[0]?.map((s) => s.rps) ?? []);
    console.log(
      `\nEmulator throughput: bare undici at concurrency 64, ${options.rounds} interleaved rounds of ${options.durationMs} ms, medians\n`,
    );
    printTable(
      ['server and route', 'req/s', 'min–max', 'p50 µs', 'p99 µs', 'non-200', '× node:http server'],
      targets.map((target, i) => {
        const runs = samples[i] ?? [];
        const rps = median(runs.map((r) => r.rps));
        return [...throughputCells(target.name, runs), fmt(runs.reduce((n, r) => n + r.failures, 0)), fmt(rps / reference, 2)];
      }),
    );
  } finally {
    await agent.close();
    plain.child.kill('SIGTERM');
    emulator.child.kill('SIGTERM');
  }
}
