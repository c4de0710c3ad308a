/**
 * The resilient stream's state machine on a fake clock and fake sockets: open, gap fill, exactly
 * once and in order, stall, connect timeout, backoff, giving up, refusal, the handshake, the bound
 * on what is held, and handlers that throw. (WebChat's and Web Messaging's end-to-end tests run it
 * against the emulator.)
 */
import { EventEmitter } from 'node:events';
import { describe, expect, it } from 'vitest';
import {
  type Clock,
  type TimerHandle,
  ResilientStream,
  type SocketOpener,
  type StreamConnectionEvent,
  type StreamSettings,
  type StreamSocket,
  type StreamSource,
} from '@switchboard/genesys';

/** Time that moves only when told; timers run in due order. */
class FakeClock implements Clock {
  #now = 0;
  #seq = 0;
  readonly #timers = new Map<number, { at: number; run: () => void }>();
  now(): number {
    return this.#now;
  }
  setTimeout(run: () => void, ms: number): number {
    const id = ++this.#seq;
    this.#timers.set(id, { at: this.#now + ms, run });
    return id;
  }
  clearTimeout(handle: TimerHandle | undefined): void {
    if (typeof handle === 'number') this.#timers.delete(handle);
  }
  /** Moves time on by `ms`, running each timer that falls due, and the promise jobs it starts. */
  async advance(ms: number): Promise<void> {
    const end = this.#now + ms;
    for (;;) {
      const next = [...this.#timers.entries()].filter(([, t]) => t.at <= end).sort((a, b) => a[1].at - b[1].at || a[0] - b[0])[0];
      if (!next) break;
      this.#timers.delete(next[0]);
      this.#now = next[1].at;
      next[1].run();
      await settle();
    }
    this.#now = end;
    await settle();
  }
}

const settle = async (): Promise<void> => {
  for (let i = 0; i < 20; i++) await Promise.resolve();
};

/** A socket the test drives: it opens, brings frames, errs and closes when told. */
class FakeSocket extends EventEmitter implements StreamSocket {
  readyState = 0;
  readonly sent: string[] = [];
  pings = 0;
  /** Whether pings are answered (a socket whose peer is gone answers none). */
  answersPings = true;
  send(data: string): void {
    this.sent.push(data);
  }
  ping(): void {
    this.pings++;
    if (this.answersPings) queueMicrotask(() => this.emit('pong'));
  }
  open(): void {
    this.readyState = 1;
    this.emit('open');
  }
  frame(value: unknown): void {
    this.emit('message', Buffer.from(typeof value === 'string' ? value : JSON.stringify(value)), false);
  }
  fail(message: string): void {
    this.emit('error', new Error(message));
  }
  close(code = 1000): void {
    this.#closed(code);
  }
  terminate(): void {
    this.#closed(1006);
  }
  #closed(code: number): void {
    if (this.readyState === 3) return;
    this.readyState = 3;
    this.emit('close', code);
  }
}

interface Item {
  readonly id: string;
  readonly time: number;
}

const SETTINGS: StreamSettings = {
  stallMs: 1_000,
  connectMs: 500,
  reconnect: { baseMs: 100, capMs: 1_000 },
  giveUpAfterMs: 5_000,
  maxFrameBytes: 1_024,
  maxHeldEvents: 5,
  maxHeldBytes: 10_000,
  reorderWindowMs: 50,
};

/** A stream on fake sockets, recording what it tells its handlers; `history` is what the gap fill reads. */
function harness(
  options: {
    history?: Item[];
    handshake?: StreamSource<Item, string, string>['opened'];
    heartbeat?: StreamSource<Item, string, string>['heartbeat'];
    gate?: Promise<void>;
    settings?: Partial<StreamSettings>;
  } = {},
) {
  const clock = new FakeClock();
  const sockets: FakeSocket[] = [];
  const delivered: string[] = [];
  const live: string[] = [];
  const connections: StreamConnectionEvent[] = [];
  const failures: string[] = [];
  const fills: (string | undefined)[] = [];
  const history = options.history ?? [];
  const open: SocketOpener = () => {
    const socket = new FakeSocket();
    sockets.push(socket);
    return { socket, proxy: undefined };
  };
  const source: StreamSource<Item, string, string> = {
    uri: 'wss://stream.test/v1?token=secret',
    read: (text) => {
      const frame = JSON.parse(text) as { item?: Item; live?: string; quiet?: true };
      if (frame.item) return { kind: 'item', item: frame.item };
      if (frame.live) return { kind: 'live', event: frame.live };
      return frame.quiet ? { kind: 'quiet' } : { kind: 'ignored', reason: 'unknown' };
    },
    idOf: (item) => item.id,
    timeOf: (item) => item.time,
    async *missed(afterId) {
      fills.push(afterId);
      await options.gate;
      const from = afterId === undefined ? 0 : history.findIndex((item) => item.id === afterId) + 1;
      yield* history.slice(from);
    },
    ...(options.handshake ? { opened: options.handshake } : {}),
    ...(options.heartbeat ? { heartbeat: options.heartbeat } : {}),
  };
  const stream = new ResilientStream(
    source,
    { ...SETTINGS, ...options.settings },
    {
      item: (item, recovered) => delivered.push(`${item.id}${recovered ? ' (recovered)' : ''}`),
      live: (event) => live.push(event),
      connection: (event) => connections.push(event),
      gapFilled: () => undefined,
      ignored: () => undefined,
      givingUp: () => undefined,
      failed: (failure, detail) => failures.push(`${failure}: ${detail}`),
      within: (work) => work(),
    },
    { open, clock, random: () => 0.5 },
  );
  const latest = (): FakeSocket => sockets.at(-1) as FakeSocket;
  /** Moves time on until the stream opens its next socket (its backoff over). */
  const nextSocket = async (): Promise<FakeSocket> => {
    const count = sockets.length;
    for (let i = 0; i < 1_000 && sockets.length === count; i++) await clock.advance(10);
    return latest();
  };
  return { clock, stream, sockets, latest, nextSocket, delivered, live, connections, failures, fills, history };
}

describe('the resilient stream', () => {
  it('fills the gap when it opens, then delivers live items once each, in time order within the window', async () => {
    const h = harness({ history: [{ id: 'a', time: 1 }] });
    h.stream.start();
    h.latest().open();
    await settle();
    expect(h.fills).toEqual([undefined]);
    expect(h.delivered).toEqual(['a (recovered)']);
    h.latest().frame({ item: { id: 'c', time: 30 } });
    h.latest().frame({ item: { id: 'b', time: 20 } }); // sent earlier, arrived later
    h.latest().frame({ item: { id: 'a', time: 1 } }); // delivered already
    h.latest().frame({ live: 'typing' });
    await h.clock.advance(60);
    expect(h.delivered).toEqual(['a (recovered)', 'b', 'c']);
    expect(h.live).toEqual(['typing']);
    expect(h.connections.map((c) => `${c.state} ${c.reason}`)).toEqual(['open connected']);
  });

  it('treats a silent connection as stalled, backs off, reconnects, and fills from the last item delivered', async () => {
    const h = harness({ history: [{ id: 'a', time: 1 }] });
    h.stream.start();
    h.latest().open();
    await settle();
    h.latest().frame({ quiet: true }); // a heartbeat: the connection is up, its attempts counted from 1 again
    h.history.push({ id: 'b', time: 2 }); // missed while stalled
    await h.clock.advance(1_000);
    expect(h.connections.at(-1)).toMatchObject({ state: 'reconnecting', attempt: 1, reason: 'heartbeat stalled' });
    expect(h.sockets).toHaveLength(1);
    (await h.nextSocket()).open();
    expect(h.sockets).toHaveLength(2);
    await settle();
    expect(h.fills).toEqual([undefined, 'a']);
    expect(h.delivered).toEqual(['a (recovered)', 'b (recovered)']);
    expect(h.connections.at(-1)).toMatchObject({ state: 'open', reason: 'reconnected' });
  });

  it('with heartbeatMs, pings and sends the heartbeat frame; the answer keeps it open, a pong alone does not', async () => {
    const h = harness({ heartbeat: () => '{"action":"echo"}', settings: { heartbeatMs: 400, stallMs: 1_000 } });
    h.stream.start();
    h.latest().open();
    await settle();
    await h.clock.advance(400);
    expect(h.latest().pings).toBe(1);
    expect(h.latest().sent).toEqual(['{"action":"echo"}']);
    h.latest().frame({ quiet: true }); // the echo's answer
    await h.clock.advance(400);
    h.latest().frame({ quiet: true });
    await h.clock.advance(400);
    expect(h.latest().pings).toBe(3);
    expect(h.connections.map((c) => c.state)).toEqual(['open']);
    // The server's API stalls: pongs still come (its WebSocket layer answers them), answers do not.
    await h.clock.advance(1_000);
    expect(h.connections.at(-1)).toMatchObject({ state: 'reconnecting', reason: 'heartbeat stalled' });
  });

  it('closes a connection whose ping is still unanswered at the next heartbeat (its peer is gone), before the stall timer would', async () => {
    const h = harness({ settings: { heartbeatMs: 300, stallMs: 1_000 } });
    h.stream.start();
    h.latest().open();
    await settle();
    h.latest().answersPings = false;
    await h.clock.advance(300);
    expect(h.connections).toHaveLength(1);
    await h.clock.advance(300);
    expect(h.connections.at(-1)).toMatchObject({ state: 'reconnecting', reason: 'ping unanswered' });
    const pings = h.sockets[0]?.pings;
    await h.clock.advance(5_000);
    expect(h.sockets[0]?.pings).toBe(pings); // no heartbeat outlives its socket
  });

  it('starts after an item delivered before (by another process): the first fill reads from there', async () => {
    const h = harness({
      history: [
        { id: 'a', time: 1 },
        { id: 'b', time: 2 },
        { id: 'c', time: 3 },
      ],
    });
    h.stream.start('b');
    h.latest().open();
    await settle();
    expect(h.fills).toEqual(['b']);
    expect(h.delivered).toEqual(['c (recovered)']);
  });

  it('reconnect() drops the open connection with its reason, and the gap fill follows as after any drop', async () => {
    const h = harness({ history: [{ id: 'a', time: 1 }] });
    h.stream.reconnect('ignored: not started');
    h.stream.start();
    h.latest().open();
    await settle();
    h.latest().frame({ quiet: true });
    h.history.push({ id: 'b', time: 2 });
    h.stream.reconnect('echo overdue');
    expect(h.connections.at(-1)).toMatchObject({ state: 'reconnecting', attempt: 1, reason: 'echo overdue' });
    (await h.nextSocket()).open();
    await settle();
    expect(h.delivered).toEqual(['a (recovered)', 'b (recovered)']);
  });

  it('abandons a connection that does not open in time, and gives up once down for giveUpAfterMs, closed before failed', async () => {
    const h = harness();
    h.stream.start();
    await h.clock.advance(500);
    expect(h.connections.at(-1)).toMatchObject({ state: 'reconnecting', reason: 'could not connect (timed out)' });
    await h.clock.advance(10_000);
    expect(h.failures).toEqual(['outage: could not connect (timed out)']);
    expect(h.connections.at(-1)).toMatchObject({ state: 'closed', reason: 'gave up' });
    const sockets = h.sockets.length;
    await h.clock.advance(60_000);
    expect(h.sockets).toHaveLength(sockets); // nothing runs after giving up
  });

  it('ends at once, as refused, when the server refuses the credential; the reason holds no URI', async () => {
    const h = harness();
    h.stream.start();
    h.latest().fail('Unexpected server response: 401');
    h.latest().close(1006);
    await settle();
    expect(h.failures).toEqual(['refused: HTTP 401']);
    expect(JSON.stringify(h.connections)).not.toContain('secret');
  });

  it('runs the handshake after open and before the gap fill; a failed one reconnects, a refused one ends the stream', async () => {
    let answer: 'ok' | 'fail' | 'refuse' = 'fail';
    const h = harness({
      history: [{ id: 'a', time: 1 }],
      handshake: (send) => {
        send('{"action":"configureSession"}');
        if (answer === 'ok') return Promise.resolve();
        return Promise.reject(Object.assign(new Error(`session ${answer}`), { refused: answer === 'refuse' }));
      },
    });
    h.stream.start();
    h.latest().open();
    await settle();
    expect(h.latest().sent).toEqual(['{"action":"configureSession"}']);
    expect(h.fills).toEqual([]);
    expect(h.connections.at(-1)).toMatchObject({ state: 'reconnecting', reason: 'session fail' });
    answer = 'ok';
    (await h.nextSocket()).open();
    await settle();
    expect(h.fills).toEqual([undefined]);
    expect(h.delivered).toEqual(['a (recovered)']);
    answer = 'refuse';
    h.latest().terminate();
    (await h.nextSocket()).open();
    await settle();
    expect(h.failures).toEqual(['refused: session refuse']);
  });

  it('drops the connection when too much waits for a gap fill, and reads the items held again', async () => {
    let release: () => void = () => undefined;
    const h = harness({ history: [{ id: 'a', time: 1 }], gate: new Promise<void>((resolve) => (release = resolve)) });
    h.stream.start();
    h.latest().open();
    await settle();
    // The fill waits: live events are held, up to maxHeldEvents (5).
    for (let i = 0; i < 6; i++) h.latest().frame({ live: `typing ${i}` });
    await settle();
    expect(h.connections.at(-1)).toMatchObject({ state: 'reconnecting', reason: 'too many events held' });
    expect(h.live).toEqual([]);
    release();
    (await h.nextSocket()).open();
    await settle();
    expect(h.delivered).toEqual(['a (recovered)']);
  });

  it('goes on when every handler throws', async () => {
    const clock = new FakeClock();
    const socket = new FakeSocket();
    const boom = (): never => {
      throw new Error('handler');
    };
    const stream = new ResilientStream<Item, string, string>(
      {
        uri: 'wss://stream.test',
        read: (text) => ({ kind: 'item', item: JSON.parse(text) as Item }),
        idOf: (item) => item.id,
        timeOf: (item) => item.time,
        // eslint-disable-next-line require-yield, @typescript-eslint/require-await
        async *missed() {
          return;
        },
      },
      { ...SETTINGS, reorderWindowMs: 0 },
      { item: boom, live: boom, connection: boom, gapFilled: boom, ignored: boom, givingUp: boom, failed: boom, within: boom },
      { open: () => ({ socket, proxy: undefined }), clock },
    );
    stream.start();
    socket.open();
    await settle();
    expect(() => socket.frame({ id: 'x', time: 1 })).not.toThrow();
    await stream.close('done');
    expect(stream.connected).toBe(false);
  });
});
