/**
 * Web Messaging's guest WebSocket, driven over a raw `ws` socket with the frames of
 * spec/webmessaging-guest-protocol.notes.json: sessions, messages and the agent, the 2-per-second
 * limit, resume, read-only, closeSession, expiry, and frames no client should send.
 * Waits are for frames, never for time; the rate limit counts on a fake clock.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Emulator, startEmulator } from '@switchboard/emulator';
import { agentMessage, bodyOf, Guest, GuestPool, isClass, typingEvent } from './guest-client.js';

let e: Emulator;
let clock = Date.now();
const guests = new GuestPool();
const guest = (token: string, deploymentId?: string): Promise<Guest> => guests.connect(e, token, deploymentId);

beforeAll(async () => {
  e = await startEmulator({ seed: 7, agent: { typingDelayMs: 5, replyDelayMs: 15, joinDelayMs: 5 }, messaging: { now: () => clock } });
});

afterAll(async () => {
  guests.closeAll();
  await e?.stop();
});

describe('a guest session', () => {
  it('starts with configureSession: SessionResponse as the notes show it, with the deployment’s attachment rules', async () => {
    const g = await guest('token-new-session');
    const answer = await g.configure();
    expect(answer).toMatchObject({ type: 'response', class: 'SessionResponse', code: 200, tracingId: 'configure' });
    expect(answer.body).toMatchObject({
      connected: true,
      newSession: true,
      readOnly: false,
      maxCustomDataBytes: 2048,
      clearedExistingSession: false,
    });
    const types = (bodyOf(answer).allowedMedia as { inbound: { fileTypes: { type: string }[] } }).inbound.fileTypes.map((t) => t.type);
    expect(types).toEqual(expect.arrayContaining(['image/png', 'application/pdf']));
    expect(bodyOf(answer).blockedExtensions).toEqual(expect.arrayContaining(['.exe']));
  });

  it('echoes a guest text (with its tracingId) and the agent answers: typing, then a message', async () => {
    const g = await guest('token-agent');
    await g.configure();
    const tracingId = g.say('Hello, my order has not arrived.');
    const echo = await g.next((f) => f.class === 'StructuredMessage' && f.tracingId === tracingId, 'the echo');
    expect(echo).toMatchObject({
      type: 'message',
      code: 200,
      body: { type: 'Text', direction: 'Inbound', text: 'Hello, my order has not arrived.' },
    });
    expect(bodyOf(echo).channel).toMatchObject({ time: expect.any(String) as unknown, messageId: bodyOf(echo).id });
    const typing = await g.next(typingEvent, 'the typing event');
    expect(bodyOf(typing)).toMatchObject({ direction: 'Outbound', events: [{ eventType: 'Typing', typing: { type: 'On' } }] });
    const reply = await g.next(agentMessage, 'the agent’s reply');
    expect(bodyOf(reply)).toMatchObject({ direction: 'Outbound', originatingEntity: 'Human' });
    expect(bodyOf(reply).text).toContain('32 characters');
    expect(e.messaging.messagesStored('token-agent')).toBe(2); // typing is not history
  });

  it('answers quick replies and cards sometimes, the same way for the same seed, and takes a button response', async () => {
    const kinds: string[] = [];
    const g = await guest('token-structured');
    await g.configure();
    for (let i = 0; i < 8; i++) {
      clock += 1_000; // a fresh second each time: the rate limit stays out of it
      g.say(`question ${i}`);
      const reply = await g.next(agentMessage, `reply ${i}`);
      const content = (bodyOf(reply).content as { contentType: string }[] | undefined) ?? [];
      kinds.push(content[0]?.contentType ?? 'Text');
    }
    expect(kinds).toContain('Text');
    expect(kinds.some((k) => k === 'QuickReply' || k === 'Card')).toBe(true);
    clock += 1_000;
    g.send({
      action: 'onMessage',
      tracingId: 'button',
      message: {
        type: 'Structured',
        content: [{ contentType: 'ButtonResponse', buttonResponse: { type: 'QuickReply', text: 'Yes', payload: 'yes' } }],
      },
    });
    await g.next((f) => f.tracingId === 'button', 'the button response’s echo');
    expect(bodyOf(await g.next(agentMessage, 'the answer to the button')).text).toBe('Thanks, I have your choice.');
  });

  it('resumes by token on a new socket: newSession false, same history', async () => {
    const first = await guest('token-resume');
    await first.configure();
    clock += 1_000;
    first.say('remember me');
    await first.next(agentMessage);
    first.close();
    await first.whenClosed();
    const second = await guest('token-resume');
    const answer = await second.configure();
    expect(answer.body).toMatchObject({ connected: true, newSession: false, readOnly: false });
    expect(e.messaging.messagesStored('token-resume')).toBe(2);
  });

  it('reads its history over REST with the getJwt JWT, newest first, paged', async () => {
    const g = await guest('token-history');
    await g.configure();
    clock += 1_000;
    g.say('one');
    await g.next(agentMessage);
    g.send({ action: 'getJwt', tracingId: 'jwt' });
    const jwt = await g.next(isClass('JwtResponse'));
    expect(jwt).toMatchObject({
      type: 'response',
      code: 200,
      tracingId: 'jwt',
      body: { jwt: expect.any(String) as unknown, exp: expect.any(Number) as unknown },
    });
    const page = await fetch(`${e.apiUrl}/api/v2/webmessaging/messages?pageSize=1&pageNumber=2`, {
      headers: { authorization: `bearer ${String(bodyOf(jwt).jwt)}` },
    });
    expect(page.status).toBe(200);
    expect(await page.json()).toMatchObject({
      total: 2,
      pageCount: 2,
      pageSize: 1,
      pageNumber: 2,
      entities: [{ direction: 'Inbound', text: 'one' }],
    });
  });

  it('answers the health check (echo) with a StructuredMessage of type "response" and the same tracingId', async () => {
    const g = await guest('token-echo');
    g.send({ action: 'echo', tracingId: 'SGVhbHRoQ2hlY2tNZXNzYWdlSWQ=', message: { text: 'ping', type: 'Text' } });
    const echo = await g.next(isClass('StructuredMessage'));
    expect(echo).toMatchObject({
      type: 'response',
      code: 200,
      tracingId: 'SGVhbHRoQ2hlY2tNZXNzYWdlSWQ=',
      body: { text: 'ping', type: 'Text', direction: 'Inbound' },
    });
  });

  it('answers getConfiguration with the deployment’s rules', async () => {
    const g = await guest('token-configuration');
    g.send({ action: 'getConfiguration', deploymentId: e.webMessagingDeploymentId, tracingId: 'cfg' });
    expect((await g.next(isClass('GetConfigurationResponse'))).body).toMatchObject({
      messageRoutingEnabled: true,
      maxCustomDataBytes: 2048,
    });
  });
});

describe('limits', () => {
  it('refuses the third onMessage in a second with TooManyRequestsErrorMessage (retryAfter) and does not store it', async () => {
    const g = await guest('token-rate');
    await g.configure();
    clock += 1_000;
    const ids = [g.say('a', 'm1'), g.say('b', 'm2'), g.say('c', 'm3')];
    await g.next((f) => f.tracingId === ids[0] && f.class === 'StructuredMessage');
    await g.next((f) => f.tracingId === ids[1] && f.class === 'StructuredMessage');
    const refused = await g.next(isClass('TooManyRequestsErrorMessage'));
    expect(refused).toMatchObject({
      type: 'response',
      code: 429,
      tracingId: 'm3',
      body: { retryAfter: 1, errorCode: 4029, errorMessage: expect.any(String) as unknown },
    });
    expect(g.frames.some((f) => f.tracingId === 'm3' && f.class === 'StructuredMessage')).toBe(false);
    clock += 1_000; // retryAfter later
    g.say('c again', 'm4');
    await g.next((f) => f.tracingId === 'm4' && f.class === 'StructuredMessage');
    // The two answered messages and the retry, with their replies in flight or done: never the refused one.
    expect(e.messaging.messagesStored('token-rate')).toBeGreaterThanOrEqual(3);
  });

  it('4011 for a text over 4,000 characters, 4013 for custom attributes over 2,048 bytes', async () => {
    const g = await guest('token-limits');
    await g.configure();
    clock += 1_000;
    g.say('x'.repeat(4_001), 'long');
    expect(await g.next((f) => f.tracingId === 'long')).toMatchObject({ type: 'response', class: 'string', code: 4011 });
    clock += 1_000;
    g.say('hi', 'attrs', { channel: { metadata: { customAttributes: { note: 'y'.repeat(2_100) } } } });
    expect(await g.next((f) => f.tracingId === 'attrs')).toMatchObject({
      class: 'string',
      code: 4013,
      body: 'Custom Attributes in channel metadata is larger than 2048 bytes',
    });
    expect(e.messaging.messagesStored('token-limits')).toBe(0);
  });
});

describe('the end of a conversation', () => {
  it('after the agent disconnects: Presence Disconnect with readOnly metadata, 409 to onMessage, readOnly on resume, startNew begins again', async () => {
    const g = await guest('token-read-only');
    await g.configure();
    expect(e.messaging.disconnectAgent('token-read-only')).toBe(true);
    const disconnect = await g.next((f) => f.class === 'StructuredMessage' && bodyOf(f).type === 'Event');
    expect(disconnect.body).toMatchObject({
      direction: 'Outbound',
      metadata: { readOnly: 'true' },
      events: [{ eventType: 'Presence', presence: { type: 'Disconnect' } }],
    });
    clock += 1_000;
    g.say('still there?', 'late');
    expect(await g.next((f) => f.tracingId === 'late')).toMatchObject({
      type: 'response',
      class: 'string',
      code: 409,
      body: 'Session is read-only, no new messages allowed',
    });
    const again = await g.configure();
    expect(again.body).toMatchObject({ connected: true, newSession: false, readOnly: true });
    const fresh = await g.configure({ startNew: true });
    expect(fresh.body).toMatchObject({ connected: true, newSession: true, readOnly: false });
  });

  it('closeSession with closeAllConnections: ConnectionClosedEvent to the other sockets of the token, SessionResponse connected=false to the sender', async () => {
    const phone = await guest('token-shared');
    const laptop = await guest('token-shared');
    await phone.configure();
    expect(bodyOf(await laptop.configure()).newSession).toBe(false);
    phone.send({ action: 'closeSession', closeAllConnections: true, tracingId: 'close' });
    const closed = await laptop.next(isClass('ConnectionClosedEvent'));
    expect(closed).toMatchObject({ type: 'message', code: 200, body: {} });
    expect((await laptop.whenClosed()).code).toBe(1000);
    expect((await phone.next((f) => f.tracingId === 'close')).body).toMatchObject({ connected: false, readOnly: true });
    expect(phone.closed).toBeUndefined();
  });

  it('a guest’s Presence Clear: SessionClearedEvent, then the session is gone (4007)', async () => {
    const g = await guest('token-clear');
    await g.configure();
    g.send({
      action: 'onMessage',
      tracingId: 'clear',
      message: { events: [{ eventType: 'Presence', presence: { type: 'Clear' } }], type: 'Event' },
    });
    await g.next(isClass('SessionClearedEvent'));
    await g.next(isClass('ConnectionClosedEvent'));
    g.send({ action: 'getJwt', tracingId: 'after' });
    expect(await g.next((f) => f.tracingId === 'after')).toMatchObject({ class: 'string', code: 4007 });
  });

  it('expires: SessionExpiredEvent, then 4006 to onMessage and to a resume (startNew begins again)', async () => {
    const g = await guest('token-expire');
    await g.configure();
    expect(e.messaging.expire('token-expire')).toBe(1);
    expect(await g.next(isClass('SessionExpiredEvent'))).toMatchObject({ type: 'response', code: 200, body: {} });
    g.say('hello?', 'expired');
    expect(await g.next((f) => f.tracingId === 'expired')).toMatchObject({ class: 'string', code: 4006 });
    expect(await g.configure()).toMatchObject({ class: 'string', code: 4006 });
    expect((await g.configure({ startNew: true })).body).toMatchObject({ newSession: true });
  });

  it('expires by itself when its duration is over (a 1-second session)', async () => {
    const short = await startEmulator({ seed: 8, messaging: { sessionDurationSeconds: 1 } });
    try {
      const g = await Guest.connect(short, 'token-short');
      await g.configure();
      await g.next(isClass('SessionExpiredEvent'), 'the expiry');
      g.close();
    } finally {
      await short.stop();
    }
  });
});

describe('frames no client should send', () => {
  it('answers invalid JSON, a non-object, an unknown action, a missing field and a binary frame with error frames, and keeps serving', async () => {
    const g = await guest('token-malformed');
    g.ws.send('{not json');
    expect(await g.next(() => true)).toMatchObject({ type: 'response', class: 'string', code: 400 });
    g.ws.send('null');
    expect(await g.next(() => true)).toMatchObject({ class: 'string', code: 400 });
    g.send({ action: 'launchRockets', tracingId: 'unknown' });
    expect(await g.next((f) => f.tracingId === 'unknown')).toMatchObject({ class: 'string', code: 400 });
    g.ws.send(JSON.stringify({ action: 'configureSession', tracingId: 'no-token' }));
    expect(await g.next((f) => f.tracingId === 'no-token')).toMatchObject({
      class: 'string',
      code: 4020,
      body: 'Missing parameter: token',
    });
    g.ws.send(Buffer.from([1, 2, 3]));
    expect(await g.next(() => true)).toMatchObject({ class: 'string', code: 400 });
    g.send({ action: 'onMessage', tracingId: 'unconfigured', message: { type: 'Text', text: 'hi' } });
    expect(await g.next((f) => f.tracingId === 'unconfigured')).toMatchObject({ class: 'string', code: 4007 });
    expect((await g.configure()).class).toBe('SessionResponse');
  });

  it('closes a socket that sends a frame over 64 KiB (1009), and refuses an unknown deployment at the handshake', async () => {
    const g = await guest('token-huge');
    g.ws.send('x'.repeat(70_000));
    expect((await g.whenClosed()).code).toBe(1009);
    await expect(Guest.connect(e, 'token-nowhere', 'no-such-deployment')).rejects.toThrow(/403/);
  });
});
