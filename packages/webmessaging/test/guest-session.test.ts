/**
 * The guest session against the emulator: configured over the WebSocket, sends settled at their
 * echo and paced to the protocol's 2 a second, a 4029 burst waited out, a dropped socket
 * reconnected with every message delivered once (what was missed read from the history), a
 * read-only session, a resume by token, and typed errors. Waits are on events, never on time.
 */
import { getEventListeners } from 'node:events';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Emulator, startEmulator } from '@switchboard/emulator';
import { GuestSessionError, type SessionEvent, ValidationError, WebMessagingAPI } from '@switchboard/webmessaging';

let emulator: Emulator;
beforeAll(async () => {
  emulator = await startEmulator({ port: 0, agent: { joinDelayMs: 5, typingDelayMs: 5, replyDelayMs: 20 } });
});
afterAll(() => emulator.stop());

function api(): WebMessagingAPI {
  return new WebMessagingAPI({
    baseUrl: emulator.apiUrl,
    webMessagingUrl: emulator.webMessagingUrl,
    deploymentId: emulator.webMessagingDeploymentId,
    session: { reconnect: { baseMs: 20, capMs: 200 } },
  });
}

/** Every event of a session, as it comes, and a wait for the first moment they satisfy `done`. */
function record(events: AsyncIterable<SessionEvent>) {
  const seen: SessionEvent[] = [];
  const waiters: (() => void)[] = [];
  void (async () => {
    for await (const event of events) {
      seen.push(event);
      waiters.splice(0).forEach((wake) => wake());
    }
  })().catch(() => undefined);
  const until = async (done: (seen: SessionEvent[]) => boolean): Promise<SessionEvent[]> => {
    while (!done(seen)) await new Promise<void>((resolve) => waiters.push(resolve));
    return seen;
  };
  return { seen, until };
}

const messages = (seen: SessionEvent[]) => seen.flatMap((event) => (event.type === 'message' ? [event.message] : []));
const answers = (seen: SessionEvent[]) => messages(seen).filter((message) => message.direction === 'Outbound' && message.type !== 'Event');

describe('a guest session', () => {
  it('sends a message, resolves at its echo, and delivers the echo and the agent’s answer once each', async () => {
    const client = api();
    const session = await client.startSession();
    const events = record(session.events());
    const sent = await session.sendMessage('Hello, where is my order?');
    expect(sent).toMatchObject({ direction: 'Inbound', text: 'Hello, where is my order?' });
    const seen = await events.until((s) => answers(s).length >= 1);
    expect(seen[0]).toMatchObject({ type: 'connection', state: 'open', reason: 'connected' });
    expect(messages(seen).filter((m) => m.id === sent.id)).toHaveLength(1);
    expect(answers(seen)[0]?.originatingEntity).toBeDefined();
    expect(emulator.messaging.messagesStored(session.token)).toBeGreaterThanOrEqual(2);
    await client.close();
  });

  it('paces a burst of sends to the protocol’s 2 a second: every one resolves, in call order, none refused', async () => {
    const client = api();
    const session = await client.startSession();
    const sent = await Promise.all(Array.from({ length: 5 }, (_, i) => session.sendMessage(`message ${i}`)));
    expect(sent.map((m) => m.text)).toEqual(['message 0', 'message 1', 'message 2', 'message 3', 'message 4']);
    const times = sent.map((m) => Date.parse(m.time ?? ''));
    expect([...times].sort((a, b) => a - b)).toEqual(times);
    // The emulator counts 2 onMessage in any second, as the protocol says: paced, none was refused.
    expect(session.stats).toMatchObject({ sent: 5, echoed: 5, rateLimited: 0 });
    await client.close();
  });

  it('leaves no listener on a long-lived signal once its sends have settled', async () => {
    const client = api();
    const session = await client.startSession();
    const service = new AbortController();
    await Promise.all(Array.from({ length: 3 }, (_, i) => session.sendMessage(`with a signal ${i}`, { signal: service.signal })));
    expect(getEventListeners(service.signal, 'abort')).toHaveLength(0);
    await client.close();
  });

  it('waits out a burst of 4029s and sends each message once', async () => {
    const client = api();
    const session = await client.startSession();
    const events = record(session.events());
    emulator.messaging.rateLimit(session.token, 2);
    const sent = await session.sendMessage('after the burst');
    expect(sent.text).toBe('after the burst');
    // Refused twice (not stored), sent a third time.
    expect(session.stats).toMatchObject({ sent: 3, echoed: 1, rateLimited: 2 });
    const seen = await events.until((s) => answers(s).length >= 1);
    expect(messages(seen).filter((m) => m.text === 'after the burst')).toHaveLength(1);
    await client.close();
    // The history, read by a session resumed from the token, holds it once too.
    const again = api();
    const resumed = await again.startSession({ token: session.token });
    const history = await record(resumed.events()).until((s) => messages(s).some((m) => m.id === sent.id));
    expect(messages(history).filter((m) => m.text === 'after the burst')).toHaveLength(1);
    await again.close();
  });

  it('reconnects after a drop and delivers what it missed once, read from the history', async () => {
    const client = api();
    const session = await client.startSession();
    const events = record(session.events());
    await session.sendMessage('first');
    await events.until((s) => answers(s).length >= 1);
    // The agent answers while the socket is down: the answer comes back from the history.
    const second = await session.sendMessage('second');
    emulator.messaging.drop(session.token);
    // Its echo came, but the drop took it before its reorder window let it out: the history brings it back.
    const seen = await events.until(
      (s) => s.filter((e) => e.type === 'connection' && e.state === 'open').length >= 2 && messages(s).some((m) => m.id === second.id),
    );
    const ids = messages(seen).map((m) => m.id);
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids).toContain(second.id);
    expect(seen.some((e) => e.type === 'connection' && e.state === 'reconnecting' && e.reason === 'dropped')).toBe(true);
    await client.close();
  });

  it('becomes read-only when the agent disconnects, and refuses a send with 409 before sending it', async () => {
    const client = api();
    const session = await client.startSession();
    const events = record(session.events());
    await session.sendMessage('bye');
    emulator.messaging.disconnectAgent(session.token);
    await events.until((s) => s.some((e) => e.type === 'session' && e.state === 'read-only'));
    expect(session.readOnly).toBe(true);
    const stored = emulator.messaging.messagesStored(session.token);
    const refused = await session.sendMessage('are you there?').catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(GuestSessionError);
    expect(refused).toMatchObject({ failure: 'rejected', protocolCode: 409, errorName: 'ReadOnly' });
    expect(emulator.messaging.messagesStored(session.token)).toBe(stored);
    await client.close();
  });

  it('rejects what the server refuses with its code: a text too long (4011), custom attributes too large (4013)', async () => {
    const client = api();
    const session = await client.startSession();
    const long = await session.sendMessage('x'.repeat(4_001)).catch((e: unknown) => e);
    expect(long).toMatchObject({ failure: 'rejected', protocolCode: 4011 });
    expect(String(long)).not.toContain('xxxx');
    const attributes = await session.sendMessage('hi', { customAttributes: { notes: 'y'.repeat(3_000) } }).catch((e: unknown) => e);
    expect(attributes).toMatchObject({ failure: 'rejected', protocolCode: 4013 });
    // The session goes on.
    expect((await session.sendMessage('still here')).text).toBe('still here');
    await client.close();
  });

  it('ends as refused when the session has expired: the iterator throws, a later send rejects', async () => {
    const client = api();
    const session = await client.startSession();
    const events = record(session.events());
    await session.sendMessage('hello');
    emulator.messaging.expire(session.token);
    await events.until((s) => s.some((e) => e.type === 'session' && e.state === 'expired'));
    // Reconnecting cannot help: configureSession is answered 4006.
    emulator.messaging.drop(session.token);
    const failure = await (async () => {
      try {
        for await (const event of session.events()) void event;
      } catch (error) {
        return error;
      }
      return undefined;
    })();
    expect(failure).toBeInstanceOf(GuestSessionError);
    expect(failure).toMatchObject({ failure: 'refused' });
    await expect(session.sendMessage('anyone?')).rejects.toMatchObject({ failure: 'refused' });
    await client.close();
  });

  it('resumes a session by its token in another client, with its history', async () => {
    const first = api();
    const session = await first.startSession();
    const sent = await session.sendMessage('remember me');
    await first.close();
    const second = api();
    const resumed = await second.startSession({ token: session.token });
    const seen = await record(resumed.events()).until((s) => messages(s).some((m) => m.id === sent.id));
    expect(messages(seen).find((m) => m.id === sent.id)).toMatchObject({ text: 'remember me' });
    await second.close();
  });

  it('refuses bad input before sending, and says why without the token', async () => {
    const client = api();
    const tooLong = await client.startSession({ token: 'x'.repeat(2_049) }).catch((e: unknown) => e);
    expect(tooLong).toBeInstanceOf(ValidationError);
    expect(String(tooLong)).not.toContain('xxxx');
    const session = await client.startSession();
    await expect(session.sendMessage('')).rejects.toBeInstanceOf(ValidationError);
    await client.close();
  });
});
