/** Faults on the Web Messaging guest WebSocket: each on demand (`emulator.messaging`, `/__emulator/messaging`) and by schedule. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Emulator, startEmulator } from '@switchboard/emulator';
import { bodyOf, Guest, GuestPool, isClass } from './guest-client.js';

let e: Emulator;
const guests = new GuestPool();
const session = (token: string): Promise<Guest> => guests.session(e, token);

const echo = (g: Guest, tracingId: string) => g.send({ action: 'echo', tracingId, message: { type: 'Text', text: 'ping' } });

beforeAll(async () => {
  e = await startEmulator({ seed: 21, agent: { typingDelayMs: 5, replyDelayMs: 10 } });
});

afterAll(async () => {
  guests.closeAll();
  await e?.stop();
});

describe('guest socket faults on demand', () => {
  it('drop: the socket dies without a close frame (1006)', async () => {
    const g = await session('f-drop');
    expect(e.messaging.drop('f-drop')).toBe(1);
    expect((await g.whenClosed()).code).toBe(1006);
  });

  it('close: a close frame with the code asked for', async () => {
    const g = await session('f-close');
    e.messaging.close('f-close', 4000, 'fault');
    expect(await g.whenClosed()).toEqual({ code: 4000, reason: 'fault' });
  });

  it('stall: nothing is sent for a while, the socket stays open; what it would have sent is lost', async () => {
    const g = await session('f-stall');
    e.messaging.stall('f-stall', 60_000);
    echo(g, 'lost');
    // A frame on another session proves the emulator handled both; the stalled one got nothing.
    const other = await session('f-stall-witness');
    echo(other, 'seen');
    await other.next((f) => f.tracingId === 'seen');
    expect(g.frames.some((f) => f.tracingId === 'lost')).toBe(false);
    expect(g.closed).toBeUndefined();
  });

  it('duplicate: the next frame goes out twice', async () => {
    const g = await session('f-dup');
    e.messaging.duplicateNext('f-dup');
    echo(g, 'twice');
    await g.next((f) => f.tracingId === 'twice');
    await g.next((f) => f.tracingId === 'twice', 'the duplicate');
  });

  it('reorder: the next frame is held back and goes out after the one that follows it', async () => {
    const g = await session('f-reorder');
    e.messaging.reorderNext('f-reorder');
    echo(g, 'first');
    echo(g, 'second');
    await g.next((f) => f.tracingId === 'first');
    const order = g.frames.filter((f) => f.tracingId === 'first' || f.tracingId === 'second').map((f) => f.tracingId);
    expect(order).toEqual(['second', 'first']);
  });

  it('frame: a raw frame the platform would never send', async () => {
    const g = await session('f-frame');
    e.messaging.frame('f-frame', 'null');
    echo(g, 'after');
    await g.next((f) => f.tracingId === 'after');
    expect(g.raw).toEqual(['null']);
  });

  it('rate-limit: the next onMessage requests are answered 4029 however slow they are, and none is stored', async () => {
    const g = await session('f-429');
    e.messaging.rateLimit('f-429', 2);
    g.say('one', 'r1');
    g.say('two', 'r2');
    expect(await g.next((f) => f.tracingId === 'r1')).toMatchObject({
      class: 'TooManyRequestsErrorMessage',
      code: 429,
      body: { errorCode: 4029 },
    });
    expect(await g.next((f) => f.tracingId === 'r2')).toMatchObject({ class: 'TooManyRequestsErrorMessage' });
    expect(e.messaging.messagesStored('f-429')).toBe(0);
  });

  it('expire: SessionExpiredEvent, then 4006', async () => {
    const g = await session('f-expire');
    e.messaging.fault('f-expire', { kind: 'expire' });
    await g.next(isClass('SessionExpiredEvent'));
    g.send({ action: 'getJwt', tracingId: 'jwt' });
    expect(await g.next((f) => f.tracingId === 'jwt')).toMatchObject({ class: 'string', code: 4006 });
  });

  it('refused upgrades: the next ones get the status asked for, then they succeed again', async () => {
    e.messaging.refuseUpgrades(1, 503);
    await expect(Guest.connect(e, 'f-refused')).rejects.toThrow(/503/);
    await session('f-refused');
  });

  it('the same faults over HTTP, checked the same way', async () => {
    const g = await session('f-http');
    const post = (path: string, body?: unknown) =>
      fetch(`${e.apiUrl}/__emulator/messaging${path}`, {
        method: 'POST',
        headers: body === undefined ? {} : { 'content-type': 'application/json' },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
    expect(await (await post('/sessions/f-http/fault', { kind: 'duplicate' })).json()).toEqual({ sockets: 1 });
    expect((await post('/sessions/f-http/fault', { kind: 'explode' })).status).toBe(400);
    expect((await post('/sessions/nobody/fault', { kind: 'drop' })).status).toBe(404);
    echo(g, 'http-twice');
    await g.next((f) => f.tracingId === 'http-twice');
    await g.next((f) => f.tracingId === 'http-twice');
    expect(await (await post('/sessions/f-http/agent-disconnect')).json()).toEqual({ disconnected: true });
    await g.next((f) => f.class === 'StructuredMessage' && bodyOf(f).type === 'Event');
    expect((await post('/auth-codes')).status).toBe(201);
    expect((await post('/refuse-upgrades', { count: 0 })).status).toBe(204);
    expect((await post('/rules', { fault: { kind: 'reorder' }, everyMs: 5 })).status).toBe(400);
    expect((await post('/cobrowse', {})).status).toBe(201);
  });
});

describe('guest socket faults by schedule', () => {
  it('a rule hits every socket opened after it, on its schedule; clearRules stops new ones', async () => {
    const scheduled = await startEmulator({ seed: 22, messaging: { faults: [{ fault: { kind: 'drop' }, everyMs: 50 }] } });
    try {
      const g = await Guest.connect(scheduled, 'f-scheduled');
      expect((await g.whenClosed()).code).toBe(1006);
      scheduled.messaging.clearRules();
      const spared = await Guest.connect(scheduled, 'f-spared');
      spared.send({ action: 'echo', tracingId: 'alive', message: { type: 'Text', text: 'ping' } });
      await spared.next((f) => f.tracingId === 'alive');
      spared.close();
    } finally {
      await scheduled.stop();
    }
  });
});
