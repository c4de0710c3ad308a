/**
 * A property of chat.events(): whatever drops, stalls and close codes hit the event stream, and
 * whenever, every message of the conversation is delivered exactly once and in order, while the
 * emulator's scripted agent keeps answering. Each scenario is a random schedule of guest messages
 * and faults; the seed is printed (replay with SWITCHBOARD_PROPERTY_SEED). It also measures how
 * long detecting a fault and recovering from it took.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Emulator, startEmulator } from '@switchboard/emulator';
import { type ChatEvent, type StreamEvent, type WebChatMessage, WebChatAPI } from '@switchboard/webchat';
import { propertySeed } from '../../../test/support/property-seed.js';
import { eventually, sleep } from '../../../test/support/time.js';

const SEED = propertySeed('chat-events.property.test.ts');
const HEARTBEAT_MS = 100;

type Fault = { kind: 'none' } | { kind: 'drop' } | { kind: 'stall'; ms: number } | { kind: 'close'; code: number };
interface Step {
  readonly messages: number;
  readonly waitMs: number;
  readonly fault: Fault;
}

const fault: fc.Arbitrary<Fault> = fc.oneof(
  { weight: 2, arbitrary: fc.constant({ kind: 'none' as const }) },
  { weight: 2, arbitrary: fc.constant({ kind: 'drop' as const }) },
  { weight: 2, arbitrary: fc.integer({ min: 300, max: 1_200 }).map((ms) => ({ kind: 'stall' as const, ms })) },
  { weight: 1, arbitrary: fc.constantFrom(1000, 1001, 1011, 1012, 4000).map((code) => ({ kind: 'close' as const, code })) },
);
const scenario = fc.array(fc.record({ messages: fc.integer({ min: 1, max: 2 }), waitMs: fc.integer({ min: 0, max: 150 }), fault }), {
  minLength: 3,
  maxLength: 6,
});

let e: Emulator;
let api: WebChatAPI;
const streamEvents: (StreamEvent & { at: number })[] = [];
beforeAll(async () => {
  e = await startEmulator({
    heartbeatMs: HEARTBEAT_MS,
    agent: { joinDelayMs: 10, typingDelayMs: 5, replyDelayMs: 60 },
    rateLimit: { limit: 1_000_000, windowSeconds: 60 },
    orgRateLimit: { limit: 1_000_000, windowSeconds: 60 },
  });
  api = new WebChatAPI({
    baseUrl: e.apiUrl,
    onDeprecated: () => undefined,
    eventStream: { heartbeatIntervalMs: HEARTBEAT_MS, reconnect: { baseMs: 20, capMs: 200 }, giveUpAfterMs: 10_000 },
  });
  api.on('stream', (event) => streamEvents.push({ ...event, at: performance.now() }));
});
afterAll(async () => {
  await api.close();
  await e.stop();
});

const detection: number[] = [];
const recovery: number[] = [];

async function runScenario(steps: readonly Step[]): Promise<void> {
  const chat = await api.startGuestChat({
    organizationId: e.organizationId,
    deploymentId: e.deploymentId,
    routingTarget: { targetType: 'QUEUE', targetAddress: 'Support' },
    memberInfo: { displayName: 'Pat' },
  });
  const events: ChatEvent[] = [];
  const done = (async () => {
    for await (const event of chat.events()) events.push(event);
  })();
  const agentReplies = () =>
    events.filter((x) => x.type === 'message' && x.message.sender.role === 'AGENT' && x.message.body.startsWith('Thanks')).length;
  const until = (test: () => boolean, ms: number, what: string) =>
    eventually(() => expect(test(), `${what} not seen in ${ms} ms`).toBe(true), { timeoutMs: ms });
  await until(() => events.some((x) => x.type === 'message' && x.message.sender.role === 'AGENT'), 5_000, 'the greeting');
  let sent = 0;
  const faults: { at: number; kind: string }[] = [];
  for (const step of steps) {
    for (let i = 0; i < step.messages; i++) await chat.sendMessage(`guest message ${++sent}`);
    await sleep(step.waitMs);
    const at = performance.now();
    const touched =
      step.fault.kind === 'drop'
        ? e.streams.drop(chat.conversationId)
        : step.fault.kind === 'stall'
          ? e.streams.stall(chat.conversationId, step.fault.ms)
          : step.fault.kind === 'close'
            ? e.streams.close(chat.conversationId, step.fault.code)
            : 0;
    // Only a fault that hit an open socket is one to detect (a second fault can land while the stream is already down).
    if (touched > 0) faults.push({ at, kind: step.fault.kind });
  }
  await until(() => agentReplies() >= sent, 20_000, `${sent} agent replies`);
  const stored: WebChatMessage[] = [];
  for await (const message of chat.messages()) stored.push(message);
  const delivered = events.flatMap((x) => (x.type === 'message' ? [x.message.id] : []));
  await chat.leave();
  await done;
  expect(new Set(delivered).size).toBe(delivered.length);
  expect(delivered).toEqual(stored.map((m) => m.id));
  // Detection: fault → 'reconnecting'; recovery: fault → the next gap fill done.
  const mine = streamEvents.filter((x) => x.conversationId === chat.conversationId);
  for (const f of faults) {
    const reconnecting = mine.find((x) => x.kind === 'reconnecting' && x.at >= f.at);
    const filled = mine.find((x) => x.kind === 'gap-filled' && x.at >= (reconnecting?.at ?? Infinity));
    if (reconnecting) detection.push(reconnecting.at - f.at);
    if (filled) recovery.push(filled.at - f.at);
  }
}

const stats = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  return { n: sorted.length, p50: Math.round(sorted[Math.floor(sorted.length / 2)] ?? NaN), max: Math.round(sorted.at(-1) ?? NaN) };
};

describe('chat.events() under random stream faults', () => {
  it('delivers every message exactly once and in order (10 scenarios of drops, stalls and close codes)', async () => {
    await fc.assert(fc.asyncProperty(scenario, runScenario), { seed: SEED, numRuns: 10, endOnFailure: true });
    console.log(
      JSON.stringify({
        heartbeatMs: HEARTBEAT_MS,
        stallAfterMs: HEARTBEAT_MS * 2.5,
        detectionMs: stats(detection),
        recoveryMs: stats(recovery),
      }),
    );
  }, 240_000);
});
