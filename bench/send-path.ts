/**
 * The send path of a Web Messaging guest session, pacing off (`--send-path`, and part of
 * `--session`), against the least a client could do: issue 26's goal is that a session's
 * `sendMessage` costs at most 2 × a raw `ws.send` plus the echo's parse.
 *
 * - The server is bench/send-path-server.ts, in a process of its own: a ws WebSocketServer that
 *   answers configureSession and getJwt, echoes each onMessage as the platform does (a
 *   StructuredMessage `Inbound` with the same text and metadata, and the request's tracingId) and
 *   answers the history with an empty page. It checks, stores and limits nothing, and costs the
 *   same for every row; only this process's CPU (process.cpuUsage) is counted, so none of it is.
 * - Raw ws (the baseline): one socket of the same ws the session runs on, configured once; then,
 *   one message at a time, `ws.send(JSON.stringify(onMessage frame))` with a new tracingId, and
 *   the wait for its echo, each frame that comes `JSON.parse`d and matched as the session matches
 *   an echo to its send (a StructuredMessage `Inbound` of the send's tracingId).
 * - The session: `session.sendMessage(text)`, one at a time, on a client with tracing and metrics
 *   off, its pace `{ perSecond: 1e9, minSpacingMs: 0 }`: the option cannot turn pacing off (it
 *   needs a perSecond above 0), and this is a pace that never waits (its bookkeeping still runs). Its
 *   reorder window is 0: a live echo is delivered as it comes. The default 500 ms would hold every
 *   echo of the last half second, past the stream's bound of 1,000 held events at over 2,000
 *   messages a second (the stream then drops the connection, as it must), and ordering what comes
 *   in is no part of the send path. Its CPU runs until every echo has been delivered to a `message`
 *   listener, so the work each message makes after its echo is counted too; its wall time is the
 *   loop's, call to echo.
 * - A third row is the same session with tracing and metrics on, no SDK registered.
 *
 * Each row sends `messages` texts per round; the rows take turns over `rounds` rounds after a
 * warm-up round of a quarter of that, and the table shows medians. Every round checks that each
 * message was echoed (and, for the sessions, sent and delivered) once.
 */
import type { ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { createRequire } from 'node:module';
import { setTimeout as sleep } from 'node:timers/promises';
import { type GuestSession, WebMessagingAPI } from '@switchboard/webmessaging';
import type { Goal } from './goals.js';
import { benchScript, startScript } from './measure.js';
import { fmt, median, printTable, fmtRange } from './stats.js';

/** The goal: the session's CPU per message at most this many times the raw client's. */
const GOAL_RATIO = 2;
/** A pace that never waits: the closest to "pacing off" the `pace` option allows. */
const PACING_OFF = { perSecond: 1_000_000_000, minSpacingMs: 0 } as const;
const DEPLOYMENT_ID = 'bench-deployment';
/** A session that has not delivered every echo this long after the last fails the bench. */
const SETTLE_LIMIT_MS = 10_000;
/** As the session opens its socket: the largest frame it takes. */
const MAX_FRAME_BYTES = 256 * 1024;

/** The part of ws's client this uses. */
interface RawSocket {
  on(event: 'open', listener: () => void): unknown;
  on(event: 'message', listener: (data: Buffer) => void): unknown;
  on(event: 'error', listener: (error: Error) => void): unknown;
  once(event: 'close', listener: () => void): unknown;
  send(text: string): void;
  close(): void;
}
// The ws the session runs on (@switchboard/genesys's dependency; bench has none of its own).
const { WebSocket } = createRequire(new URL('../packages/genesys/package.json', import.meta.url))('ws') as {
  WebSocket: new (url: string, options: { maxPayload: number }) => RawSocket;
};

/** One row: sends `count` messages one at a time; resolves once all are done (for a session: delivered). */
interface Row {
  readonly name: string;
  /** Sends them; resolves at the last echo. */
  send(count: number): Promise<void>;
  /** Resolves once everything the sends made has been done (the session: every echo delivered); checks each message went once. */
  settle(count: number): Promise<void>;
  close(): Promise<void>;
}

/** Starts bench/send-path-server.ts in a process of its own; kill the child when done. */
async function startSendPathServer(): Promise<{ child: ChildProcess; port: number }> {
  const { child, match } = await startScript([benchScript('./send-path-server.ts')], /^(\d+)\n/);
  return { child, port: Number(match[1]) };
}

/** The baseline: a raw ws client doing the least the protocol asks. */
async function rawRow(url: string): Promise<Row> {
  const socket = new WebSocket(`${url}?deploymentId=${DEPLOYMENT_ID}&application=bench`, { maxPayload: MAX_FRAME_BYTES });
  const token = randomUUID();
  let waiting: { readonly tracingId: string; readonly resolve: () => void } | undefined;
  let echoed = 0;
  socket.on('message', (data) => {
    const frame = JSON.parse(data.toString('utf8')) as { class?: unknown; tracingId?: unknown; body?: { direction?: unknown } };
    const expected = waiting;
    if (
      expected &&
      frame.tracingId === expected.tracingId &&
      (frame.class === 'SessionResponse' || (frame.class === 'StructuredMessage' && frame.body?.direction === 'Inbound'))
    ) {
      waiting = undefined;
      expected.resolve();
    }
  });
  const answered = (tracingId: string): Promise<void> => new Promise((resolve) => (waiting = { tracingId, resolve }));
  await new Promise<void>((resolve, reject) => {
    socket.on('open', resolve);
    socket.on('error', reject);
  });
  const configured = randomUUID();
  const configuring = answered(configured);
  socket.send(JSON.stringify({ token, deploymentId: DEPLOYMENT_ID, startNew: false, tracingId: configured, action: 'configureSession' }));
  await configuring;
  return {
    name: 'raw ws: ws.send(JSON.stringify(frame)), echo JSON.parse + match',
    async send(count) {
      echoed = 0;
      for (let i = 0; i < count; i++) {
        const tracingId = randomUUID();
        const echo = answered(tracingId);
        socket.send(JSON.stringify({ token, tracingId, action: 'onMessage', message: { text: `message ${i}`, type: 'Text' } }));
        await echo;
        echoed++;
      }
    },
    settle(count) {
      if (echoed !== count) throw new Error(`raw ws: ${echoed} of ${count} messages echoed`);
      return Promise.resolve();
    },
    async close() {
      const closed = new Promise<void>((resolve) => socket.once('close', resolve));
      socket.close();
      await closed;
    },
  };
}

/** A guest session of a client with pacing off; telemetry as `observed` says. */
async function sessionRow(name: string, port: number, observed: boolean): Promise<Row> {
  const api = new WebMessagingAPI({
    baseUrl: `http://127.0.0.1:${port}`,
    webMessagingUrl: `ws://127.0.0.1:${port}/v1`,
    deploymentId: DEPLOYMENT_ID,
    ...(observed ? {} : { tracing: false, metrics: false }),
    session: { pace: PACING_OFF, reorderWindowMs: 0 },
  });
  const session: GuestSession = await api.startSession();
  let delivered = 0;
  let target = Number.POSITIVE_INFINITY;
  let allDelivered = (): void => undefined;
  session.on('message', ({ message, recovered }) => {
    if (message.direction !== 'Inbound' || recovered) return;
    if (++delivered >= target) allDelivered();
  });
  let before = session.stats;
  return {
    name,
    async send(count) {
      before = session.stats;
      delivered = 0;
      target = count;
      for (let i = 0; i < count; i++) await session.sendMessage(`message ${i}`);
    },
    async settle(count) {
      if (delivered < count) {
        const waited = await Promise.race([
          new Promise<boolean>((resolve) => (allDelivered = () => resolve(true))),
          sleep(SETTLE_LIMIT_MS, false, { ref: false }),
        ]);
        if (!waited) throw new Error(`${name}: ${delivered} of ${count} echoes delivered ${SETTLE_LIMIT_MS / 1_000} s after the last`);
      }
      const { sent, echoed, rateLimited, resent, unknown } = session.stats;
      const made = { sent: sent - before.sent, echoed: echoed - before.echoed, delivered };
      if (made.sent !== count || made.echoed !== count || made.delivered !== count || rateLimited + resent + unknown > 0)
        throw new Error(
          `${name}: ${JSON.stringify(made)} for ${count} messages; 4029s, resends, unknown: ${rateLimited + resent + unknown}`,
        );
    },
    async close() {
      await session.close();
      await api.close();
    },
  };
}

/** One round of a row: CPU (all of it, up to the last delivery) and wall time (the loop) per message, in µs. */
async function measure(row: Row, count: number): Promise<{ cpuUs: number; wallUs: number }> {
  globalThis.gc?.();
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  await row.send(count);
  const wallMs = performance.now() - t0;
  await row.settle(count);
  const cpu = process.cpuUsage(cpu0);
  return { cpuUs: (cpu.user + cpu.system) / count, wallUs: (wallMs * 1_000) / count };
}

/** The send-path table: the raw client and the sessions, side by side; returns the goal, which the run's Goals table prints. */
export async function runSendPathBench(options: { readonly messages: number; readonly rounds: number }): Promise<Goal> {
  const { child, port } = await startSendPathServer();
  const rows: Row[] = [];
  try {
    rows.push(await rawRow(`ws://127.0.0.1:${port}/v1`));
    rows.push(await sessionRow('session.sendMessage, pacing off, tracing + metrics off', port, false));
    rows.push(await sessionRow('session.sendMessage, pacing off, tracing + metrics on (no SDK registered)', port, true));
    const warmup = Math.max(1, Math.floor(options.messages / 4));
    for (const row of rows) await measure(row, warmup);
    const samples = rows.map(() => ({ cpu: [] as number[], wall: [] as number[] }));
    for (let round = 0; round < options.rounds; round++) {
      for (const [i, row] of rows.entries()) {
        const { cpuUs, wallUs } = await measure(row, options.messages);
        samples[i]?.cpu.push(cpuUs);
        samples[i]?.wall.push(wallUs);
      }
    }
    const cpu = samples.map((s) => median(s.cpu));
    const raw = cpu[0] ?? Number.NaN;
    const ratio = (cpu[1] ?? Number.NaN) / raw;
    const table = rows.map((row, i) => {
      const s = samples[i] ?? { cpu: [], wall: [] };
      return [row.name, fmt(cpu[i] ?? Number.NaN, 1), fmtRange(s.cpu, 1), fmt(median(s.wall), 1), fmt((cpu[i] ?? Number.NaN) / raw, 2)];
    });
    console.log(
      `\nWeb Messaging send path, pacing off: ${fmt(options.messages)} messages one at a time × ${options.rounds} interleaved rounds, medians; server in its own process on 127.0.0.1\n`,
    );
    printTable(
      ['send path', 'CPU µs/msg', 'CPU min–max', 'wall µs/msg', 'CPU × raw'],
      table,
      'Web Messaging: send path of a guest session, pacing off, against raw ws',
    );
    console.log(
      '\nCPU: this process only (the server is another), per message; for a session up to the delivery of its echo to a listener. Wall: call to echo.',
    );
    return {
      name: 'Web Messaging send path, pacing off: CPU per message ÷ raw ws.send + echo parse',
      value: ratio,
      at: 'most',
      target: GOAL_RATIO,
    };
  } finally {
    for (const row of rows) await row.close();
    if (child.exitCode === null) {
      const exited = once(child, 'exit');
      child.kill();
      await exited;
    }
  }
}
