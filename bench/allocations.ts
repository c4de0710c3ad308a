/**
 * Bytes allocated per request, end to end, by V8's sampling heap profiler with the objects that
 * garbage collection already freed kept in (`includeObjectsCollectedByMinorGC` and `…MajorGC`).
 * Allocation is what the CPU tables' garbage collection pays for, and unlike CPU time it hardly
 * moves with the machine's load: the ratios here are the steadiest figures the bench has.
 */
import { Session } from 'node:inspector/promises';
import { bareClient, type BenchClient } from './clients.js';
import { startServer } from './measure.js';
import { webChatClient } from './peers.js';
import { fmt, printTable } from './stats.js';

/** The sampling flags (V8 10.x on) that keep what the collector freed; @types/node does not list them yet. */
const WITH_FREED = { includeObjectsCollectedByMinorGC: true, includeObjectsCollectedByMajorGC: true };

interface SamplingNode {
  readonly selfSize: number;
  readonly children: readonly SamplingNode[];
}

function totalSize(node: SamplingNode): number {
  return node.children.reduce((sum, child) => sum + totalSize(child), node.selfSize);
}

/** Bytes allocated per `client.send()`, over `requests` sequential requests after a warm-up. */
async function allocatedPerRequest(session: Session, client: BenchClient, requests: number): Promise<number> {
  for (let i = 0; i < requests / 2; i++) await client.send();
  // One sample per 128 bytes on average: fine enough for a request's few kilobytes.
  await session.post('HeapProfiler.startSampling', { samplingInterval: 128, ...WITH_FREED });
  for (let i = 0; i < requests; i++) await client.send();
  const { profile } = (await session.post('HeapProfiler.stopSampling')) as { profile: { head: SamplingNode } };
  return totalSize(profile.head) / requests;
}

/** Prints KB allocated per request by WebChatAPI's defaults and by the bare transports, on both transports; returns them by client name. */
export async function runAllocationBench(options: { requests: number }): Promise<Map<string, number>> {
  const { child, url } = await startServer();
  const session = new Session();
  session.connect();
  const byName = new Map<string, number>();
  try {
    for (const transport of ['undici', 'ky'] as const) {
      for (const client of [bareClient(url, transport), webChatClient(url, transport)]) {
        byName.set(client.name, await allocatedPerRequest(session, client, options.requests));
        await client.close();
      }
    }
  } finally {
    session.disconnect();
    child.kill();
  }
  const bare = (name: string) => byName.get(name.includes('undici') ? 'bare undici request' : 'bare ky') ?? Number.NaN;
  console.log(`\nAllocated per request, getWebchatSettings, ${fmt(options.requests)} sequential requests each, no OpenTelemetry SDK\n`);
  printTable(
    ['client', 'KB allocated per request', '× bare transport'],
    [...byName].map(([name, bytes]) => [name, fmt(bytes / 1000, 1), fmt(bytes / bare(name), 2)]),
  );
  return byName;
}
