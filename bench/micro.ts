/**
 * The pipeline's own cost per call, with the network taken out: a transport that answers at once
 * from memory. What is left is validation, request building, the context, middleware composition
 * and the result.
 */
import { buildRequest, createClient, headersFromRecord, type HttpResponse, type Transport, validateInput } from '@switchboard/core';
import { benchRoute, idleMiddleware } from './clients.js';
import { fmt, median, printTable } from './stats.js';

const RESPONSE: HttpResponse = { status: 200, headers: headersFromRecord({ 'content-type': 'application/json' }), data: { id: 'abc' } };
const instant: Transport = { name: 'in-memory', send: () => Promise.resolve(RESPONSE), close: () => Promise.resolve() };
const input = { thingId: 'abc' };
const baseUrl = 'http://127.0.0.1:1';

interface Case {
  readonly name: string;
  readonly run: () => unknown;
}

async function time(run: Case['run'], calls: number): Promise<{ wallNs: number; cpuNs: number }> {
  const cpu0 = process.cpuUsage();
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < calls; i++) await run();
  const wallNs = Number(process.hrtime.bigint() - t0) / calls;
  const cpu = process.cpuUsage(cpu0);
  return { wallNs, cpuNs: ((cpu.user + cpu.system) * 1000) / calls };
}

export async function runMicro(options: { calls: number; rounds: number }): Promise<{ pipelineCpuNs: number }> {
  const bare = createClient({ baseUrl, transport: instant });
  const five = createClient({ baseUrl, transport: instant, middleware: idleMiddleware() });
  const opts = { signal: undefined, timeout: 30_000, timeoutKind: 'attempt', operationId: 'getThing' } as const;
  const cases: Case[] = [
    { name: 'await transport.send (baseline)', run: () => instant.send(buildRequest(benchRoute, input, baseUrl, {}, undefined), opts) },
    { name: 'validate + build request only', run: () => validateInput(benchRoute, input).length + buildRequest(benchRoute, input, baseUrl, {}, undefined).url.length },
    { name: 'client.call, no middleware', run: () => bare.call(benchRoute, input) },
    { name: 'client.call, 5 idle middleware', run: () => five.call(benchRoute, input) },
  ];
  for (const c of cases) await time(c.run, options.calls / 4);
  const samples = cases.map(() => ({ wall: [] as number[], cpu: [] as number[] }));
  for (let round = 0; round < options.rounds; round++) {
    for (const [i, c] of cases.entries()) {
      const { wallNs, cpuNs } = await time(c.run, options.calls);
      samples[i]?.wall.push(wallNs);
      samples[i]?.cpu.push(cpuNs);
    }
  }
  const baselineCpu = median(samples[0]?.cpu ?? []);
  const rows = cases.map((c, i) => {
    const s = samples[i] ?? { wall: [], cpu: [] };
    const cpu = median(s.cpu);
    return [c.name, fmt(median(s.wall)), `${fmt(Math.min(...s.wall))}–${fmt(Math.max(...s.wall))}`, fmt(cpu), i < 2 ? '' : fmt(cpu - baselineCpu)];
  });
  console.log(`\nPipeline cost per call, in-memory transport (${fmt(options.calls)} sequential calls × ${options.rounds} interleaved rounds, medians)\n`);
  printTable(['case', 'wall ns/call', 'min–max', 'CPU ns/call', 'CPU ns over baseline'], rows);
  return { pipelineCpuNs: median(samples[3]?.cpu ?? []) - baselineCpu };
}
