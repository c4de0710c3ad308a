/** The examples a user runs first: the demo's trace tree, and the OTLP example against a loopback collector. */
import { execFile, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import type { Emulator } from '@switchboard/emulator';
import { RedisStore } from '@switchboard/middleware/redis';
import { type RedisServer, startRedis } from '../support/redis.js';
import { leaksIn, reportSecret } from '../support/secrets.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
/**
 * How an example runs: this Node with tsx's loader, one process. Not the tsx command: it runs the
 * script in a child of its own and relays each signal to it, and when the child has not said
 * within 30 ms that the signal reached it (a loaded machine), it sends it again and then SIGKILLs
 * it, so a test of the examples' shutdown saw a second signal, or no shutdown at all.
 */
const node = process.execPath;
const withTsx = (file: string): string[] => ['--conditions=@switchboard/source', '--import', 'tsx', file];

function runExample(file: string, env: Record<string, string> = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(node, withTsx(file), { cwd: root, env: { ...process.env, ...env }, timeout: 60_000 }, (error, stdout, stderr) => {
      resolve({ code: error ? Number((error as { code?: unknown }).code ?? 1) : 0, stdout, stderr });
    });
  });
}

/** Settings the examples read, left out of what a test passes on so that the machine's own change nothing. */
const EXAMPLE_SETTINGS =
  /^(GENESYS_\w+|REDIS_URL|OTEL_\w+|RUN_SECONDS|SHUTDOWN_TIMEOUT_MS|RATE_LIMIT_PER_MINUTE|LOG_LEVEL|WORKERS|CONCURRENCY|ORG_LIMIT|ORG_WINDOW_SECONDS)$/;

interface RunningExample {
  /** Resolves once stdout has `count` lines matching `pattern`; rejects if the example ends first. */
  waitFor(pattern: RegExp, count?: number): Promise<void>;
  signal(name: NodeJS.Signals): void;
  readonly exited: Promise<{ code: number | null; stdout: string; stderr: string }>;
}

/** The production example's settings for an emulator (as if it were a Genesys org) and a Redis. */
function productionSettings(emulator: Emulator, redis: RedisServer): Record<string, string> {
  const { baseUrl, loginUrl, clientId, clientSecret, organizationId, deploymentId } = emulator.settings;
  return {
    GENESYS_BASE_URL: baseUrl,
    GENESYS_LOGIN_URL: loginUrl,
    GENESYS_CLIENT_ID: clientId,
    GENESYS_CLIENT_SECRET: clientSecret,
    GENESYS_ORGANIZATION_ID: organizationId,
    GENESYS_DEPLOYMENT_ID: deploymentId,
    REDIS_URL: `redis://${redis.host}:${redis.port}`,
  };
}

/** The Web Messaging production example's settings for an emulator (as if it were a Genesys deployment) and a Redis, in its database `db`. */
function webMessagingSettings(emulator: Emulator, redis: RedisServer, db = 0): Record<string, string> {
  return {
    GENESYS_BASE_URL: emulator.settings.baseUrl,
    GENESYS_WEBMESSAGING_URL: emulator.settings.webMessagingUrl,
    GENESYS_DEPLOYMENT_ID: emulator.settings.webMessagingDeploymentId,
    REDIS_URL: `redis://${redis.host}:${redis.port}/${db}`,
  };
}

interface LogLine {
  readonly msg: string;
  readonly [field: string]: unknown;
}

/** pino's lines in an example's stdout. */
function logLinesOf(stdout: string): LogLine[] {
  return stdout
    .split('\n')
    .filter((line) => line.startsWith('{"level"'))
    .map((line) => JSON.parse(line) as LogLine);
}

/** How the Web Messaging example (and the client) names a customer id or a session's token in logs: the start of its SHA-256. */
function digestOf(text: string): string {
  return createHash('sha256').update(text).digest('base64url').slice(0, 16);
}

/** The Web Messaging example's customers. */
const CUSTOMERS = ['customer-1', 'customer-2', 'customer-3'];
/** What its customers write, and what the emulator's agent answers: customer data, never in its output. */
const MESSAGE_TEXTS = ['question about my order', 'due on Monday', 'where it is', 'Thanks, I have your message'];

/** The session record the client keeps for `customerId` in the example's store (Redis database `db`), if any. */
async function recordOf(
  redis: RedisServer,
  emulator: Emulator,
  customerId: string,
  db = 0,
): Promise<{ readonly token: string; readonly after?: string } | undefined> {
  const store = new RedisStore({ redis: { host: redis.host, port: redis.port, db } });
  try {
    const text = await store.get(`webmessaging:${emulator.webMessagingDeploymentId}:${digestOf(customerId)}`);
    return text === undefined ? undefined : (JSON.parse(text) as { token: string; after?: string });
  } finally {
    await store.close();
  }
}

/** Runs `test` with the emulator and a real redis-server, both stopped afterwards. */
async function withEmulatorAndRedis(test: (emulator: Emulator, redis: RedisServer) => Promise<void>): Promise<void> {
  const { startEmulator } = await import('@switchboard/emulator');
  const redis = await startRedis();
  const emulator = await startEmulator();
  try {
    await test(emulator, redis);
  } finally {
    await emulator.stop();
    await redis.stop();
  }
}

/** What the runs of the Web Messaging example printed holds no secret (a JWT, a credential, a reported token) and no message text. */
function expectNoSecretNorText(runs: readonly { readonly stdout: string; readonly stderr: string }[]): void {
  const output = runs.flatMap((run) => [...run.stdout.split('\n'), ...run.stderr.split('\n')]);
  expect(leaksIn(output)).toEqual([]);
  for (const text of MESSAGE_TEXTS) expect(output.filter((line) => line.includes(text))).toEqual([]);
}

/** Process groups of examples still running: killed after each test, so a failed expectation leaves none behind. */
const running = new Set<number>();
afterEach(() => {
  for (const group of running) {
    try {
      process.kill(-group, 'SIGKILL');
    } catch {
      // Already gone.
    }
  }
  running.clear();
});

/** An example run as a service is: in the background, to be signalled. Killed with its process group after `boundMs` (a bound against hangs, not a timing check). */
function startExample(file: string, env: Record<string, string>, boundMs = 150_000): RunningExample {
  const base = Object.fromEntries(Object.entries(process.env).filter(([name]) => !EXAMPLE_SETTINGS.test(name)));
  // Its own process group, so that the bound reaches the example's workers too.
  const child = spawn(node, withTsx(file), {
    cwd: root,
    env: { ...base, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  let stdout = '';
  let stderr = '';
  const waiters = new Set<() => void>();
  const notify = () => {
    for (const waiter of [...waiters]) waiter();
  };
  child.stdout.on('data', (chunk: Buffer) => {
    stdout += chunk.toString('utf8');
    notify();
  });
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
  let ended = false;
  if (child.pid !== undefined) running.add(child.pid);
  const bound = setTimeout(() => child.pid !== undefined && process.kill(-child.pid, 'SIGKILL'), boundMs);
  const exited = new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) =>
    child.once('close', (code) => {
      ended = true;
      if (child.pid !== undefined) running.delete(child.pid);
      clearTimeout(bound);
      notify();
      resolve({ code, stdout, stderr });
    }),
  );
  return {
    waitFor: (pattern, count = 1) =>
      new Promise<void>((resolve, reject) => {
        const check = () => {
          if ((stdout.match(new RegExp(pattern.source, 'gm')) ?? []).length >= count) {
            waiters.delete(check);
            resolve();
          } else if (ended) {
            waiters.delete(check);
            reject(new Error(`${file} ended before printing ${count} × ${pattern.source}; stderr: ${stderr.slice(-400)}`));
          }
        };
        waiters.add(check);
        check();
      }),
    signal: (name) => void child.kill(name),
    exited,
  };
}

interface OtlpSpan {
  readonly traceId: string;
  readonly spanId: string;
  readonly parentSpanId?: string;
  readonly name: string;
  readonly kind: number;
  readonly attributes: { key: string; value: Record<string, unknown> }[];
}

describe('examples', () => {
  it('the demo prints its calls as a trace tree: operations, their attempts, and the waits between them', async () => {
    const { code, stdout } = await runExample('examples/quickstart.ts');
    expect(code).toBe(0);
    const tree = stdout.slice(stdout.indexOf('The trace of these calls'));
    expect(tree).toMatch(/^quickstart demo\s+[\d.]+ m?s \|█+\|$/m);
    expect(tree).toMatch(/^├─ postWebchatGuestConversations → 200\s+[\d.]+ ms \|/m);
    expect(tree).toMatch(/^│ {2}└─ POST attempt 1 → 200 /m);
    // The first OAuth call waits for the token.
    expect(tree).toMatch(/^│ {2}├─ ⏸ wait: token-refresh\s+[\d.]+ ms \|/m);
    expect(tree).toMatch(/^├─ getWebchatDeployment → 404 /m);
    // The demo's low limit is meant to cause 429s; when one came, the tree shows it and its wait.
    if (stdout.includes('got HTTP 429')) {
      expect(tree).toMatch(/^│ {2}├─ (POST|GET|DELETE) attempt 1 → 429 /m);
      expect(tree).toMatch(/^│ {2}├─ ⏸ wait: retry-after\s+[\d.]+ s \|/m);
      expect(tree).toMatch(/^│ {2}└─ (POST|GET|DELETE) attempt 2 → 20[04] /m);
    }
    expect(stdout.trimEnd().endsWith('Done.')).toBe(true);
  }, 60_000);

  it('the OTLP example sends one trace over OTLP/HTTP, with no credential in it', async () => {
    const posts: { url: string; headers: IncomingHttpHeaders; body: string }[] = [];
    const collector = createServer((request, response) => {
      let body = '';
      request.on('data', (chunk: Buffer) => (body += chunk.toString('utf8')));
      request.on('end', () => {
        posts.push({ url: request.url ?? '', headers: request.headers, body });
        response.writeHead(200, { 'content-type': 'application/json' }).end('{}');
      });
    });
    await new Promise<void>((resolve) => collector.listen(0, '127.0.0.1', resolve));
    const { port } = collector.address() as AddressInfo;
    try {
      const { code, stdout } = await runExample('examples/otlp.ts', {
        OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: `http://127.0.0.1:${port}/v1/traces`,
      });
      expect(code).toBe(0);
      expect(stdout).toContain(`Sent the trace to http://127.0.0.1:${port}/v1/traces.`);
      // pino's lines on stdout: one per call, none with a credential.
      const logLines = stdout.split('\n').filter((line) => line.startsWith('{'));
      expect(logLines.length).toBeGreaterThanOrEqual(5);
      expect(leaksIn(logLines)).toEqual([]);
      expect(logLines.some((line) => line.includes('Where is my order'))).toBe(false);
    } finally {
      await new Promise((resolve) => collector.close(resolve));
    }
    expect(posts.length).toBeGreaterThanOrEqual(1);
    expect(posts[0]?.url).toBe('/v1/traces');
    expect(posts[0]?.headers['content-type']).toContain('application/json');
    const spans = posts.flatMap((post) => {
      const payload = JSON.parse(post.body) as { resourceSpans: { scopeSpans: { spans: OtlpSpan[] }[] }[] };
      return payload.resourceSpans.flatMap((r) => r.scopeSpans.flatMap((s) => s.spans));
    });
    const names = spans.map((s) => s.name);
    expect(names).toEqual(
      expect.arrayContaining([
        'handle support request',
        'postWebchatGuestConversations',
        'POST /api/v2/webchat/guest/conversations',
        'deleteWebchatGuestConversationMember',
      ]),
    );
    expect(new Set(spans.map((s) => s.traceId)).size).toBe(1);
    const operation = spans.find((s) => s.name === 'postWebchatGuestConversations');
    const attempt = spans.find((s) => s.name === 'POST /api/v2/webchat/guest/conversations');
    expect(attempt?.parentSpanId).toBe(operation?.spanId);
    expect(attempt?.kind).toBe(3); // CLIENT in OTLP's numbering
    expect(leaksIn(posts.map((p) => p.body))).toEqual([]);
    // The chat's message text is customer data: not in the spans, not in the logs.
    expect(posts.some((p) => p.body.includes('Where is my order'))).toBe(false);
  }, 60_000);

  it('the production example, against the emulator with Redis: on SIGTERM it finishes its calls, closes and exits 0; its output holds no secret and no message text', async () => {
    const { startEmulator } = await import('@switchboard/emulator');
    const redis = await startRedis();
    const emulator = await startEmulator();
    reportSecret(emulator.client.clientSecret);
    try {
      const run = startExample('examples/production.ts', {
        ...productionSettings(emulator, redis),
        OTEL_TRACES_EXPORTER: 'console',
        // Per-attempt and per-wait lines too: more output to scan.
        LOG_LEVEL: 'debug',
      });
      // Some work first, then the signal a process manager sends.
      await run.waitFor(/"msg":"round done"/, 2);
      run.signal('SIGTERM');
      const { code, stdout, stderr } = await run.exited;
      expect(code).toBe(0);

      const logs = stdout
        .split('\n')
        .filter((line) => line.startsWith('{"level"'))
        .map((line) => JSON.parse(line) as { msg: string; [field: string]: unknown });
      expect(logs.find((l) => l.msg === 'started')).toMatchObject({
        sharedLimiter: true,
        rateLimitPerMinute: 300,
        tracesExporter: 'ConsoleSpanExporter',
      });
      expect(logs.filter((l) => l.msg === 'round done').length).toBeGreaterThanOrEqual(2);
      // pino's line per call, from the client.
      for (const operationId of [
        'getWebchatDeployment',
        'postWebchatGuestConversations',
        'postWebchatGuestConversationMemberMessages',
        'deleteWebchatGuestConversationMember',
      ]) {
        expect(logs.some((l) => l.operationId === operationId && l.outcome === 'success')).toBe(true);
      }
      // The shutdown, in order, and nothing after it.
      const messages = logs.map((l) => l.msg);
      const shuttingDown = messages.indexOf('shutting down: taking no new work, letting calls in flight finish');
      const closed = messages.indexOf('client and rate limiter closed');
      expect(shuttingDown).toBeGreaterThan(-1);
      expect(logs[shuttingDown]?.reason).toBe('SIGTERM');
      expect(closed).toBeGreaterThan(shuttingDown);
      expect(messages.at(-1)).toBe('shutdown complete');
      expect(logs[closed]).toMatchObject({ failedRounds: 0, failedCalls: 0 });
      // Calls in flight finished: every chat it started was also left.
      expect(emulator.stats.requests('postWebchatGuestConversations', 200)).toBeGreaterThanOrEqual(2);
      expect(emulator.stats.requests('deleteWebchatGuestConversationMember', 204)).toBe(
        emulator.stats.requests('postWebchatGuestConversations', 200),
      );
      // The console exporter's spans were flushed at shutdown.
      expect(stdout).toContain("name: 'POST /api/v2/webchat/guest/conversations'");

      const output = [...stdout.split('\n'), ...stderr.split('\n')];
      expect(leaksIn(output)).toEqual([]); // no JWT, no Bearer or Basic credential, not the client secret
      expect(output.some((line) => line.includes(emulator.client.clientSecret))).toBe(false);
      expect(output.some((line) => line.includes('question about my order'))).toBe(false);
    } finally {
      await emulator.stop();
      await redis.stop();
    }
  }, 180_000);

  it('the production example lets a call in flight finish before it exits 0, and exits 1 at a second signal', async () => {
    const { startEmulator } = await import('@switchboard/emulator');
    const redis = await startRedis();
    // Every message post takes 6 s: the signal comes while one is in flight.
    const emulator = await startEmulator({
      faults: [{ match: { operationId: 'postWebchatGuestConversationMemberMessages' }, fault: { kind: 'latency', ms: 6_000 } }],
    });
    reportSecret(emulator.client.clientSecret);
    const env = {
      ...productionSettings(emulator, redis),
      OTEL_TRACES_EXPORTER: 'none',
      SHUTDOWN_TIMEOUT_MS: '120000',
    };
    try {
      const patient = startExample('examples/production.ts', env);
      const impatient = startExample('examples/production.ts', env);
      const chatStarted = /"operationId":"postWebchatGuestConversations".*"outcome":"success"/;
      const shuttingDown = /"msg":"shutting down: taking no new work, letting calls in flight finish"/;
      await Promise.all([patient.waitFor(chatStarted), impatient.waitFor(chatStarted)]);
      patient.signal('SIGTERM');
      impatient.signal('SIGTERM');
      await impatient.waitFor(shuttingDown);
      impatient.signal('SIGINT');
      const [calm, forced] = await Promise.all([patient.exited, impatient.exited]);

      expect(calm.code).toBe(0);
      const messages = calm.stdout
        .split('\n')
        .filter((line) => line.startsWith('{"level"'))
        .map((line) => (JSON.parse(line) as { msg: string }).msg);
      // The round under way when the signal came was finished: its message sent, its chat left.
      expect(messages.indexOf('round done')).toBeGreaterThan(
        messages.indexOf('shutting down: taking no new work, letting calls in flight finish'),
      );
      expect(messages.at(-1)).toBe('shutdown complete');

      expect(forced.code).toBe(1);
      expect(forced.stdout).toMatch(/"signal":"SIGINT".*"msg":"second signal during shutdown: exiting now"/);
      expect(forced.stdout).not.toContain('"msg":"shutdown complete"');
      expect(leaksIn([...calm.stdout.split('\n'), ...forced.stdout.split('\n'), calm.stderr, forced.stderr])).toEqual([]);
    } finally {
      await emulator.stop();
      await redis.stop();
    }
  }, 180_000);

  it('the production example runs offline with no settings (its own emulator, a LocalLimiter it says it uses, no span printed) and stops by itself after RUN_SECONDS', async () => {
    const { code, stdout } = await startExample('examples/production.ts', { RUN_SECONDS: '2' }).exited;
    expect(code).toBe(0);
    // Spans go nowhere unless an exporter is asked for: the console one printed thousands of lines a minute.
    expect(stdout).toContain('"tracesExporter":"none"');
    expect(stdout).not.toContain('traceId');
    expect(stdout).toContain('no GENESYS_* settings: started the local Genesys WebChat emulator');
    expect(stdout).toContain('REDIS_URL is not set: using a LocalLimiter');
    expect(stdout).toMatch(/"reason":"RUN_SECONDS elapsed"/);
    expect(stdout.trimEnd().split('\n').at(-1)).toContain('"msg":"shutdown complete"');
    expect(leaksIn(stdout.split('\n'))).toEqual([]);
  }, 180_000);

  it('without REDIS_URL the production example (against a configured org) and the multi-worker example refuse to start, saying how to start Redis, with exit code 2', async () => {
    const genesys = {
      GENESYS_REGION: 'eu_west_1',
      GENESYS_CLIENT_ID: 'id',
      GENESYS_CLIENT_SECRET: 'not-a-real-secret',
      GENESYS_ORGANIZATION_ID: 'org',
      GENESYS_DEPLOYMENT_ID: 'deployment',
    };
    const [production, multiWorker] = await Promise.all([
      startExample('examples/production.ts', genesys).exited,
      startExample('examples/multi-worker.ts', {}).exited,
    ]);
    for (const { code, stderr } of [production, multiWorker]) {
      expect(code).toBe(2);
      expect(stderr).toContain('REDIS_URL is not set');
      expect(stderr).toContain('redis-server --port 6379');
    }
    expect(production.stdout + production.stderr).not.toContain('not-a-real-secret');
  }, 180_000);

  it('the production example turns settings the client refuses (an unknown region, a loginUrl that is the token endpoint) into exit code 2 and a plain message', async () => {
    const org = {
      GENESYS_CLIENT_ID: 'id',
      GENESYS_CLIENT_SECRET: 'not-a-real-secret',
      GENESYS_ORGANIZATION_ID: 'org',
      GENESYS_DEPLOYMENT_ID: 'deployment',
      REDIS_URL: 'redis://127.0.0.1:1',
    };
    const [region, loginUrl] = await Promise.all([
      startExample('examples/production.ts', { ...org, GENESYS_REGION: 'mars_north_1' }).exited,
      startExample('examples/production.ts', {
        ...org,
        GENESYS_BASE_URL: 'https://api.mypurecloud.ie',
        GENESYS_LOGIN_URL: 'https://login.mypurecloud.ie/oauth/token',
      }).exited,
    ]);
    expect(region.code, region.stderr).toBe(2);
    expect(region.stderr).toContain('mars_north_1');
    expect(loginUrl.code, loginUrl.stderr).toBe(2);
    expect(loginUrl.stderr).toContain('loginUrl ends with /oauth/token');
    for (const run of [region, loginUrl]) expect(run.stdout + run.stderr).not.toContain('not-a-real-secret');
  }, 180_000);

  it('the multi-worker example: 3 processes share one org limit through Redis for 3 s, a line each, no more 429s than processes', async () => {
    const redis = await startRedis();
    try {
      const { code, stdout, stderr } = await startExample('examples/multi-worker.ts', {
        REDIS_URL: `redis://${redis.host}:${redis.port}`,
        WORKERS: '3',
        RUN_SECONDS: '3',
      }).exited;
      expect(code, stderr).toBe(0);
      const rows = [...stdout.matchAll(/^\s*(\d+)\s+(\d+)\s+(\d+)\s+(\d+)\s+(\d+)$/gm)].map((m) => ({
        worker: Number(m[1]),
        calls: Number(m[3]),
        tooMany: Number(m[4]),
        errors: Number(m[5]),
      }));
      expect(rows.map((r) => r.worker)).toEqual([1, 2, 3]);
      const total = /^\s*total\s+(\d+)\s+(\d+)\s+(\d+)$/m.exec(stdout);
      const calls = Number(total?.[1]);
      expect(calls).toBe(rows.reduce((sum, r) => sum + r.calls, 0));
      // 20 per 2 s, fixed windows from the first call: at most 2 windows begin in 3 s.
      expect(calls).toBeGreaterThan(0);
      expect(calls).toBeLessThanOrEqual(40);
      // The shared limiter keeps them within the org's windows: no errors, and no more 429s than
      // one per process (0 in every run since the reservoir's refills follow the server's windows,
      // docs/retry-and-auth.md; before, a loaded machine saw up to 9). The output says what a
      // failing run saw.
      expect(Number(total?.[2]), `${stdout}\n${stderr}`).toBeLessThanOrEqual(3);
      expect(rows.every((r) => r.errors === 0)).toBe(true);
      expect(rows.reduce((n, r) => n + r.tooMany, 0)).toBeLessThanOrEqual(3);
      expect(stdout).toMatch(/and sent [0-3] 429s\.$/m);
      expect(leaksIn(stdout.split('\n'))).toEqual([]);
    } finally {
      await redis.stop();
    }
  }, 180_000);
  it('the Web Messaging production example, against the emulator with Redis, stops by itself after RUN_SECONDS, and a second run resumes the same sessions from Redis: no message twice, no token, JWT or message text in its output', async () => {
    await withEmulatorAndRedis(async (emulator, redis) => {
      const env = {
        ...webMessagingSettings(emulator, redis),
        RUN_SECONDS: '4',
        OTEL_TRACES_EXPORTER: 'console',
        // The client's line per connection change and history call too: more output to scan.
        LOG_LEVEL: 'debug',
      };
      const first = await startExample('examples/webmessaging-production.ts', env).exited;
      expect(first.code, first.stderr).toBe(0);
      const records = await Promise.all(CUSTOMERS.map((customerId) => recordOf(redis, emulator, customerId)));
      // A token is the session: the scans below look for each one too.
      for (const record of records) reportSecret(record?.token);
      const second = await startExample('examples/webmessaging-production.ts', env).exited;
      expect(second.code, second.stderr).toBe(0);

      const runs = [logLinesOf(first.stdout), logLinesOf(second.stdout)];
      const handedOver = runs.map((logs) =>
        logs.filter((l) => l.msg === 'message sent' || l.msg === 'agent message forwarded').map((l) => l.messageId),
      );
      runs.forEach((logs, run) => {
        expect(logs.find((l) => l.msg === 'started')).toMatchObject({
          customers: 3,
          sharedStore: true,
          tracesExporter: 'ConsoleSpanExporter',
        });
        CUSTOMERS.forEach((customerId, i) => {
          const customer = digestOf(customerId);
          // One session per customer, named by its token's digest: new in the first run, the same one resumed in the second.
          expect(logs.filter((l) => l.msg === 'session ready' && l.customer === customer)).toEqual([
            expect.objectContaining({ session: digestOf(records[i]?.token ?? ''), resumed: run === 1 }),
          ]);
          expect(logs.some((l) => l.msg === 'message sent' && l.customer === customer)).toBe(true);
          // The agent's answers forwarded by id and direction.
          const forwarded = logs.find((l) => l.msg === 'agent message forwarded' && l.customer === customer);
          if (run === 0) expect([forwarded?.direction, typeof forwarded?.messageId]).toEqual(['Outbound', 'string']);
        });
        // Every send settled at its echo; nothing failed.
        expect(logs.filter((l) => (l.level as number) >= 40)).toEqual([]);
        const messages = logs.map((l) => l.msg);
        const shuttingDown = messages.indexOf('shutting down: starting no new work, letting sends in flight settle');
        expect(logs[shuttingDown]?.reason).toBe('RUN_SECONDS elapsed');
        expect(messages.indexOf('sessions and session store closed')).toBeGreaterThan(shuttingDown);
        expect(messages.at(-1)).toBe('shutdown complete');
      });
      // Each record names the last message the first run handed over, and the second run went on after it: none twice.
      for (const record of records) expect(handedOver[0]).toContain(record?.after);
      expect(handedOver[1]?.filter((id) => handedOver[0]?.includes(id))).toEqual([]);
      // The same sessions, still recorded under the same keys.
      expect(await Promise.all(CUSTOMERS.map(async (customerId) => (await recordOf(redis, emulator, customerId))?.token))).toEqual(
        records.map((record) => record?.token),
      );
      // The console exporter's spans were flushed at shutdown.
      expect(first.stdout).toContain("name: 'webmessaging send'");
      expectNoSecretNorText([first, second]);
    });
  }, 180_000);

  it('on SIGTERM the Web Messaging production example lets its sends settle, abandons one whose echo does not come once half of SHUTDOWN_TIMEOUT_MS has passed, then closes and exits 0; a second signal exits 1', async () => {
    await withEmulatorAndRedis(async (emulator, redis) => {
      const example = (db: number) =>
        startExample('examples/webmessaging-production.ts', {
          // A database each: two fleets, each with sessions of its own.
          ...webMessagingSettings(emulator, redis, db),
          OTEL_TRACES_EXPORTER: 'none',
          SHUTDOWN_TIMEOUT_MS: '4000',
        });
      const patient = example(0);
      const impatient = example(1);
      const sent = /"msg":"message sent"/;
      await Promise.all([patient.waitFor(sent, 3), impatient.waitFor(sent, 3)]);
      // The server keeps customer-1's next message but sends no echo: that send stays in flight.
      for (const db of [0, 1]) {
        const { token } = (await recordOf(redis, emulator, 'customer-1', db)) ?? { token: '' };
        reportSecret(token);
        const stored = emulator.messaging.messagesStored(token);
        expect(emulator.messaging.fault(token, { kind: 'withhold-echo', count: 100 })).toBe(1);
        // Two more in its history (the agent's answers count too, one per message, a second after the
        // last): the next message of customer-1 has reached the server.
        await expect.poll(() => emulator.messaging.messagesStored(token), { timeout: 10_000 }).toBeGreaterThanOrEqual(stored + 2);
      }
      patient.signal('SIGTERM');
      impatient.signal('SIGTERM');
      await impatient.waitFor(/"msg":"shutting down: starting no new work, letting sends in flight settle"/);
      impatient.signal('SIGINT');
      const [calm, forced] = await Promise.all([patient.exited, impatient.exited]);

      expect(calm.code, calm.stderr).toBe(0);
      const logs = logLinesOf(calm.stdout);
      const messages = logs.map((l) => l.msg);
      const shuttingDown = messages.indexOf('shutting down: starting no new work, letting sends in flight settle');
      expect(logs[shuttingDown]?.reason).toBe('SIGTERM');
      // The other customers' sends had settled; customer-1's was given up after the grace (2 s), and not sent again.
      const giveUp = messages.indexOf('sends still in flight: abandoning them');
      expect(giveUp).toBeGreaterThan(shuttingDown);
      expect(logs[giveUp]?.graceMs).toBe(2000);
      const abandoned = logs.filter((l) => l.msg.startsWith('send abandoned at shutdown'));
      expect(abandoned.map((l) => l.customer)).toEqual([digestOf('customer-1')]);
      expect(abandoned[0]?.stats).toMatchObject({ unknown: 0 });
      expect(messages.indexOf('sessions and session store closed')).toBeGreaterThan(giveUp);
      expect(messages.at(-1)).toBe('shutdown complete');

      expect(forced.code).toBe(1);
      expect(forced.stdout).toMatch(/"signal":"SIGINT".*"msg":"second signal during shutdown: exiting now"/);
      expect(forced.stdout).not.toContain('"msg":"shutdown complete"');
      expectNoSecretNorText([calm, forced]);
    });
  }, 180_000);

  it('the Web Messaging production example runs offline with no settings (its own emulator, a MemoryStore it says it uses) and stops by itself after RUN_SECONDS', async () => {
    const run = await startExample('examples/webmessaging-production.ts', { RUN_SECONDS: '2', OTEL_TRACES_EXPORTER: 'none' }).exited;
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toContain('no GENESYS_* settings: started the local Genesys Web Messaging emulator');
    expect(run.stdout).toContain('REDIS_URL is not set: using a MemoryStore');
    const logs = logLinesOf(run.stdout);
    expect(logs.find((l) => l.msg === 'started')).toMatchObject({ sharedStore: false });
    expect(logs.filter((l) => l.msg === 'session ready')).toHaveLength(3);
    expect(logs.some((l) => l.msg === 'message sent')).toBe(true);
    expect(run.stdout).toMatch(/"reason":"RUN_SECONDS elapsed"/);
    expect(logs.at(-1)?.msg).toBe('shutdown complete');
    expectNoSecretNorText([run]);
  }, 180_000);

  it('the Web Messaging production example refuses to start against a configured deployment without REDIS_URL (saying how to start Redis), or with a region it does not know: exit code 2', async () => {
    const [noRedis, region] = await Promise.all([
      startExample('examples/webmessaging-production.ts', { GENESYS_REGION: 'eu_west_1', GENESYS_DEPLOYMENT_ID: 'deployment' }).exited,
      startExample('examples/webmessaging-production.ts', {
        GENESYS_REGION: 'mars_north_1',
        GENESYS_DEPLOYMENT_ID: 'deployment',
        REDIS_URL: 'redis://127.0.0.1:1',
      }).exited,
    ]);
    expect(noRedis.code, noRedis.stderr).toBe(2);
    expect(noRedis.stderr).toContain('REDIS_URL is not set');
    expect(noRedis.stderr).toContain('redis-server --port 6379');
    expect(region.code, region.stderr).toBe(2);
    expect(region.stderr).toContain('mars_north_1');
  }, 180_000);
});
