/**
 * One case of the hostile-answer table (bench/hostile.ts), alone in its process so that its peak
 * resident size is that case's own: a client of the built @switchboard/core
 * makes one small call (its transport library loaded, a connection open: the baseline), then one
 * call to the hostile answer. It prints two JSON lines: the baseline first, so that the parent has
 * it even if this process is killed on the way, then what the call did and the peak RSS.
 */
import { readFileSync } from 'node:fs';
import { createClient, defineRoute } from '@switchboard/core';

/** What the parent asks for, as JSON in argv[2]. */
export interface ChildJob {
  readonly url: string;
  readonly transport: 'ky' | 'undici';
  /** `maxResponseBytes: Infinity` (the behaviour before the limit existed) instead of the default. */
  readonly unlimited: boolean;
  /** The path of the hostile answer on the parent's server. */
  readonly path: string;
}

/** The lines this process prints. */
export interface ChildBaseline {
  readonly baselineRssBytes: number;
}
export interface ChildOutcome {
  /** `ok`, or the error's code (its name when it has none). */
  readonly outcome: string;
  /** VmHWM, the process's peak resident size. */
  readonly peakRssBytes: number;
}

const job = JSON.parse(process.argv[2] ?? '{}') as ChildJob;

const get = (operationId: string, path: string) =>
  defineRoute<Record<string, never>, unknown>({
    operationId,
    method: 'GET',
    path,
    pathParams: [],
    queryParams: [],
    auth: 'none',
    idempotent: true,
    deprecated: false,
    successStatus: 200,
  });

const print = (line: ChildBaseline | ChildOutcome) => process.stdout.write(`${JSON.stringify(line)}\n`);

// The default attempt timeout (30 s), as users run it: without the limit, the only bound a body had.
const client = createClient({
  baseUrl: job.url,
  transport: job.transport,
  proxy: false,
  ...(job.unlimited ? { maxResponseBytes: Infinity } : {}),
});
const small = await client.call(get('small', '/small'), {});
if (small.status !== 200 || (small.data as { id?: unknown }).id !== 'c0ffee') throw new Error('the small answer was not the expected JSON');
print({ baselineRssBytes: process.memoryUsage().rss });

let outcome: string;
try {
  const { status, data } = await client.call(get('hostile', job.path), {});
  // Only the endless body can end well: a JSON object with the whole pad, parsed.
  const pad = (data as { pad?: unknown }).pad;
  outcome = status === 200 && typeof pad === 'string' ? 'ok' : `unexpected answer (${status})`;
} catch (error) {
  const { code, name } = error as { code?: unknown; name?: unknown };
  outcome = typeof code === 'string' ? code : String(name);
}
// Not process.resourceUsage().maxRSS: Linux carries it over from the parent through fork and exec
// (a child of a 640 MiB parent reports 600 MiB at start), while VmHWM belongs to this process alone.
const peakKib = Number(/^VmHWM:\s+(\d+) kB/m.exec(readFileSync('/proc/self/status', 'utf8'))?.[1]);
print({ outcome, peakRssBytes: peakKib * 1024 });
await client.close();
