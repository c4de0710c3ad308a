/** Faults on the Web Messaging guest WebSocket: each on demand (`emulator.messaging`, `/__emulator/messaging`) and by schedule. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Emulator, startEmulator } from '@switchboard/emulator';
import { agentMessage, bodyOf, Guest, GuestPool, isClass } from './guest-client.js';

let e: Emulator;
const guests = new GuestPool();
const session = (token: string): Promise<Guest> => guests.session(e, token);

const echo = (g: Guest, tracingId: string) => g.send({ action: 'echo', tracingId, message: { type: 'Text', text: 'ping' } });
/** Whether any frame to the guest answered or echoed the request with this tracingId. */
const heard = (g: Guest, tracingId: string) => g.frames.some((f) => f.tracingId === tracingId);
/** The guest's own messages echoed to it. */
const echoes = (g: Guest) => g.frames.filter((f) => f.class === 'StructuredMessage' && bodyOf(f).direction === 'Inbound');

/** A session with a fault (`apply`) on its first of two messages (tracingId `firstId`), once the second is echoed. */
async function firstOfTwo(token: string, apply: (token: string) => number, firstId: string): Promise<Guest> {
  const g = await session(token);
  expect(apply(token)).toBe(1);
  g.say('first', firstId);
  g.say('second', 'second');
  // Frames of one socket are handled in order: the echo of the second proves the first was handled.
  expect(await g.next((f) => f.tracingId === 'second')).toMatchObject({ class: 'StructuredMessage', body: { text: 'second' } });
  return g;
}

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
    expect(heard(g, 'lost')).toBe(false);
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

  it('lose: the next onMessage is taken and lost (not stored, echoed or answered); the one after is handled as usual', async () => {
    const g = await firstOfTwo('f-lose', (token) => e.messaging.loseMessages(token, 1), 'lost');
    // An answer to the lost one would have been scheduled first, and so have come (and been stored) before this one.
    expect(bodyOf(await g.next(agentMessage, 'the answer to the second'))).toMatchObject({ direction: 'Outbound' });
    expect(heard(g, 'lost')).toBe(false);
    expect(echoes(g)).toHaveLength(1);
    expect(g.frames.filter(agentMessage)).toHaveLength(1);
    expect(e.messaging.messagesStored('f-lose')).toBe(2);
  });

  it('lose: a request refused (4029, an error frame) uses none of the count; a lost message still takes its turn', async () => {
    const g = await session('f-lose-turns');
    e.messaging.rateLimit('f-lose-turns', 1);
    e.messaging.loseMessages('f-lose-turns', 1);
    g.say('refused', 'r');
    g.send({ action: 'onMessage', tracingId: 'bad', message: { type: 'Text', text: '' } });
    g.say('gone', 'lost');
    g.say('over', 'over');
    expect(await g.next((f) => f.tracingId === 'r')).toMatchObject({ class: 'TooManyRequestsErrorMessage' });
    expect(await g.next((f) => f.tracingId === 'bad')).toMatchObject({ class: 'string', code: 400 });
    // 2 per second: the error frame and the lost message had theirs, so the next one is over the limit.
    expect(await g.next((f) => f.tracingId === 'over')).toMatchObject({ class: 'TooManyRequestsErrorMessage' });
    expect(heard(g, 'lost')).toBe(false);
    expect(e.messaging.messagesStored('f-lose-turns')).toBe(0);
  });

  it('withhold-echo: the message is stored and answered, but its echo never comes', async () => {
    const g = await firstOfTwo('f-withhold', (token) => e.messaging.withholdEchoes(token, 1), 'withheld');
    await g.next(agentMessage, 'the answer to the first');
    await g.next(agentMessage, 'the answer to the second');
    expect(heard(g, 'withheld')).toBe(false);
    expect(echoes(g)).toHaveLength(1);
    // Both messages and both answers are in the history.
    expect(e.messaging.messagesStored('f-withhold')).toBe(4);
  });

  it('lose and withhold-echo: a count that is not a whole number of at least 1 is refused, saying so', () => {
    for (const count of [0, -1, 1.5, Number.NaN]) {
      expect(() => e.messaging.loseMessages('f-lose', count)).toThrow('a lose fault needs count, a whole number above 0');
      expect(() => e.messaging.withholdEchoes('f-withhold', count)).toThrow('a withhold-echo fault needs count, a whole number above 0');
    }
    expect(() => e.messaging.fault('f-lose', { kind: 'lose' } as never)).toThrow(TypeError);
    expect(() => e.messaging.addRule({ fault: { kind: 'withhold-echo', count: 0 }, everyMs: 1_000 })).toThrow(
      'a withhold-echo fault needs count, a whole number above 0',
    );
    expect(e.messaging.loseMessages('nobody', 1)).toBe(0);
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

  it('lose and withhold-echo over HTTP, with their counts checked', async () => {
    const lose = await session('f-http-lose');
    const withhold = await session('f-http-withhold');
    const fault = (token: string, body: unknown) =>
      fetch(`${e.apiUrl}/__emulator/messaging/sessions/${token}/fault`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
    expect(await (await fault('f-http-lose', { kind: 'lose', count: 1 })).json()).toEqual({ sockets: 1 });
    expect(await (await fault('f-http-withhold', { kind: 'withhold-echo', count: 1 })).json()).toEqual({ sockets: 1 });
    for (const [kind, count] of [
      ['lose', 0],
      ['lose', undefined],
      ['withhold-echo', 2.5],
      ['withhold-echo', '1'],
    ] as const) {
      const refused = await fault('f-http-lose', { kind, count });
      expect(refused.status).toBe(400);
      expect(await refused.json()).toEqual({ error: `a ${kind} fault needs count, a whole number above 0` });
    }
    expect((await fault('nobody', { kind: 'lose', count: 1 })).status).toBe(404);
    lose.say('gone', 'http-lost');
    lose.say('here', 'http-kept');
    await lose.next((f) => f.tracingId === 'http-kept');
    expect(heard(lose, 'http-lost')).toBe(false);
    withhold.say('unechoed', 'http-withheld');
    await withhold.next(agentMessage, 'the answer');
    expect(heard(withhold, 'http-withheld')).toBe(false);
    expect(e.messaging.messagesStored('f-http-withhold')).toBe(2);
  });
});

describe('guest socket faults by schedule', () => {
  it('the CLI form of a rule: lose:COUNT@EVERY and withhold-echo:COUNT@EVERY, like rate-limit', async () => {
    const { parseMessagingFaultRule } = await import('../src/messaging-fault.js');
    expect(parseMessagingFaultRule('rate-limit:3@20s')).toEqual({ fault: { kind: 'rate-limit', count: 3 }, everyMs: 20_000 });
    expect(parseMessagingFaultRule('lose:1@20s')).toEqual({ fault: { kind: 'lose', count: 1 }, everyMs: 20_000 });
    expect(parseMessagingFaultRule('withhold-echo:2@500ms')).toEqual({ fault: { kind: 'withhold-echo', count: 2 }, everyMs: 500 });
    for (const bad of ['lose@20s', 'withhold-echo@20s', 'lose:@20s', 'lose:x@20s', 'withhold-echo:1', 'lose:1:2@20s']) {
      expect(() => parseMessagingFaultRule(bad)).toThrow(/--messaging-fault/);
    }
    expect(() => parseMessagingFaultRule('lose:0@20s')).toThrow(/a lose fault needs count, a whole number above 0/);
    expect(() => parseMessagingFaultRule('withhold-echo:1.5@20s')).toThrow(/a withhold-echo fault needs count, a whole number above 0/);
  });

  it('a lose rule reaches the session of every socket opened after it', async () => {
    // A frame rule on the same schedule, after the lose rule: a tick seen after configuring means the lose rule has hit the session.
    const tick = JSON.stringify({ tick: true });
    const scheduled = await startEmulator({
      seed: 23,
      messaging: {
        faults: [
          { fault: { kind: 'lose', count: 1_000 }, everyMs: 20 },
          { fault: { kind: 'frame', data: tick }, everyMs: 20 },
        ],
      },
    });
    try {
      const g = await Guest.connect(scheduled, 'f-scheduled-lose');
      await g.configure();
      const configured = g.frames.length;
      await g.next((f) => 'tick' in f && g.frames.indexOf(f) >= configured, 'a tick after configuring');
      g.say('gone', 'scheduled-lost');
      g.send({ action: 'echo', tracingId: 'alive', message: { type: 'Text', text: 'ping' } });
      await g.next((f) => f.tracingId === 'alive');
      expect(heard(g, 'scheduled-lost')).toBe(false);
      expect(scheduled.messaging.messagesStored('f-scheduled-lose')).toBe(0);
      g.close();
    } finally {
      await scheduled.stop();
    }
  });

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
