/** The examples a user runs first: the demo's trace tree, and the OTLP example against a loopback collector. */
import { execFile } from 'node:child_process';
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { leaksIn } from '../support/secrets.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const tsx = join(root, 'node_modules', '.bin', 'tsx');

function runExample(file: string, env: Record<string, string> = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(tsx, ['--conditions=source', file], { cwd: root, env: { ...process.env, ...env }, timeout: 60_000 }, (error, stdout, stderr) => {
      resolve({ code: error ? Number((error as { code?: unknown }).code ?? 1) : 0, stdout, stderr });
    });
  });
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
      const { code, stdout } = await runExample('examples/otlp.ts', { OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: `http://127.0.0.1:${port}/v1/traces` });
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
    expect(names).toEqual(expect.arrayContaining(['handle support request', 'postWebchatGuestConversations', 'POST /api/v2/webchat/guest/conversations', 'deleteWebchatGuestConversationMember']));
    expect(new Set(spans.map((s) => s.traceId)).size).toBe(1);
    const operation = spans.find((s) => s.name === 'postWebchatGuestConversations');
    const attempt = spans.find((s) => s.name === 'POST /api/v2/webchat/guest/conversations');
    expect(attempt?.parentSpanId).toBe(operation?.spanId);
    expect(attempt?.kind).toBe(3); // CLIENT in OTLP's numbering
    expect(leaksIn(posts.map((p) => p.body))).toEqual([]);
    // The chat's message text is customer data: not in the spans, not in the logs.
    expect(posts.some((p) => p.body.includes('Where is my order'))).toBe(false);
  }, 60_000);
});
