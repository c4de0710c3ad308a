/**
 * A guest session's telemetry with a real OpenTelemetry SDK and real pino output, against the
 * emulator's faults: a 4029, an echo lost on the way (the history settles the send), and a drop.
 * The session's span and its events, a span per send under the caller's span and linked to the
 * session's, the counters and the echo histogram, the client's `stream` events, and log lines —
 * none of which holds the token or a message's text.
 */
import { Writable } from 'node:stream';
import { trace } from '@opentelemetry/api';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Emulator, startEmulator } from '@switchboard/emulator';
import { type SessionEvent, type SessionStreamEvent, WebMessagingAPI } from '@switchboard/webmessaging';
import { currentTelemetry, parentOf, spanTexts } from '../support/otel.js';
import { leaksIn, reportSecret } from '../support/secrets.js';

let emulator: Emulator;
beforeAll(async () => {
  emulator = await startEmulator({ port: 0, agent: { joinDelayMs: 5, typingDelayMs: 5, replyDelayMs: 20 } });
});
afterAll(() => emulator.stop());

function capture(): { stream: Writable; lines: () => Record<string, unknown>[]; text: () => string } {
  let logged = '';
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      logged += chunk.toString('utf8');
      done();
    },
  });
  const lines = () =>
    logged
      .split('\n')
      .filter(Boolean)
      .map((line) => JSON.parse(line) as Record<string, unknown>);
  return { stream, lines, text: () => logged };
}

/** Waits (on events) until `done` holds for what the session delivered. */
async function until(session: AsyncIterable<SessionEvent>, done: (seen: SessionEvent[]) => boolean): Promise<SessionEvent[]> {
  const seen: SessionEvent[] = [];
  for await (const event of session) {
    seen.push(event);
    if (done(seen)) break;
  }
  return seen;
}

const sum = (points: { value: unknown }[]): number => points.reduce((total, point) => total + Number(point.value), 0);

describe('a guest session’s telemetry', () => {
  it('spans, metrics, client events and log lines for its stream and sends, without its token or any text', async () => {
    const telemetry = currentTelemetry();
    const log = capture();
    const client = new WebMessagingAPI({
      baseUrl: emulator.apiUrl,
      webMessagingUrl: emulator.webMessagingUrl,
      deploymentId: emulator.webMessagingDeploymentId,
      logger: pino({ level: 'debug' }, log.stream),
      session: { reconnect: { baseMs: 20, capMs: 200 }, echoTimeoutMs: 300 },
    });
    const streamEvents: SessionStreamEvent[] = [];
    client.on('stream', (event) => streamEvents.push(event));
    const texts = ['first, refused once by a 4029', 'second, its echo lost', 'third, after a drop'];
    for (const text of texts) reportSecret(text);

    const spansBefore = telemetry.allSpans.length;
    const sentBefore = sum(await telemetry.points('switchboard.webmessaging.messages_sent'));
    const tracer = trace.getTracer('the user’s service');
    const { session, request } = await tracer.startActiveSpan('handle request', async (span) => {
      const started = await client.startSession();
      reportSecret(started.token);
      emulator.messaging.rateLimit(started.token, 1);
      await started.sendMessage(texts[0] as string);
      emulator.messaging.withholdEchoes(started.token, 1);
      await started.sendMessage(texts[1] as string);
      emulator.messaging.drop(started.token);
      await started.sendMessage(texts[2] as string);
      span.end();
      return { session: started, request: span.spanContext() };
    });
    await until(session.events(), (seen) => seen.some((e) => e.type === 'message' && e.message.text === texts[2]));
    expect(session.stats).toMatchObject({ echoed: 2, rateLimited: 1, foundInHistory: 1 });
    await client.close();

    const spans = telemetry.allSpans.slice(spansBefore);
    const stream = spans.find((span) => span.name === 'webmessaging guest session');
    expect(stream?.attributes['switchboard.webmessaging.session.id']).toMatch(/^[\w-]{16}$/);
    expect(stream?.events.map((event) => event.name)).toEqual(
      expect.arrayContaining(['connection.open', 'gap_filled', 'connection.reconnecting', 'connection.closed']),
    );
    const sends = spans.filter((span) => span.name === 'webmessaging send');
    expect(sends.map((span) => span.attributes['switchboard.webmessaging.outcome'])).toEqual(['echoed', 'found-in-history', 'echoed']);
    for (const send of sends) {
      expect(parentOf(send)).toBe(request.spanId);
      expect(send.links.map((link) => link.context.spanId)).toEqual([stream?.spanContext().spanId]);
    }
    expect(sends[0]?.events.map((event) => event.name)).toEqual(['sent', 'rate_limited', 'sent']);
    // The history's calls (getWebmessagingMessages) are children of the session's span.
    const history = spans.filter(
      (span) => parentOf(span) === stream?.spanContext().spanId && span.name.includes('getWebmessagingMessages'),
    );
    expect(history.length).toBeGreaterThanOrEqual(2);

    expect(sum(await telemetry.points('switchboard.webmessaging.messages_sent')) - sentBefore).toBe(3);
    expect(sum(await telemetry.points('switchboard.webmessaging.rate_limited'))).toBeGreaterThanOrEqual(1);
    const echo = await telemetry.points('switchboard.webmessaging.echo.duration');
    expect(echo.length).toBeGreaterThan(0);
    expect(sum(await telemetry.points('switchboard.webmessaging.messages_received'))).toBeGreaterThanOrEqual(3);
    expect(sum(await telemetry.points('switchboard.stream.reconnects'))).toBeGreaterThanOrEqual(1);

    expect(streamEvents.map((event) => event.kind)).toEqual(expect.arrayContaining(['open', 'gap-filled', 'reconnecting', 'closed']));
    expect(new Set(streamEvents.map((event) => event.sessionId))).toEqual(
      new Set([stream?.attributes['switchboard.webmessaging.session.id']]),
    );

    const events = log.lines().map((line) => line.event);
    expect(events).toEqual(
      expect.arrayContaining(['stream.open', 'stream.reconnecting', 'stream.closed', 'send.rate_limited', 'send.found_in_history']),
    );
    expect(leaksIn([log.text(), ...spans.flatMap(spanTexts), JSON.stringify(streamEvents)])).toEqual([]);
  });
});
