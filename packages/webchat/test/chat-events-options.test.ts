/**
 * The `eventStream` options are checked at `new WebChatAPI(...)`, before anything is sent: a value
 * that would silently turn a limit off (`maxFrameBytes: 0` is "unlimited" to ws) or make a timer
 * fire after 1 ms (NaN, or more than setTimeout's ceiling of 2^31 − 1 ms) is a ConfigurationError
 * naming the option and its rule. A GuestChat made by hand gets the same check when its stream
 * attaches.
 */
import { inspect } from 'node:util';
import { describe, expect, it } from 'vitest';
import { ConfigurationError } from '@switchboard/core';
import { type EventStreamOptions, GuestChat, WebChatAPI } from '@switchboard/webchat';

/** setTimeout's ceiling: a longer delay (or NaN) fires after 1 ms. */
const TIMER_MAX = 2 ** 31 - 1;
const MIB = 1024 * 1024;

/** Nothing listens there: the constructor sends nothing, and a test that called out would fail. */
const api = (eventStream: EventStreamOptions) =>
  new WebChatAPI({ baseUrl: 'http://127.0.0.1:9', onDeprecated: () => undefined, eventStream });

/** What a JavaScript caller (or a config file) can pass where the types say otherwise. */
const loose = (options: Record<string, unknown>) => options as EventStreamOptions;

const BAD: readonly (readonly [EventStreamOptions, string])[] = [
  [{ maxFrameBytes: 0 }, 'eventStream.maxFrameBytes must be a whole number of bytes from 1 to 104857600'],
  [{ maxFrameBytes: -1 }, 'eventStream.maxFrameBytes must be'],
  [{ maxFrameBytes: 1.5 }, 'eventStream.maxFrameBytes must be'],
  [{ maxFrameBytes: Number.NaN }, 'eventStream.maxFrameBytes must be'],
  [{ maxFrameBytes: Infinity }, 'eventStream.maxFrameBytes must be'],
  [{ maxFrameBytes: 100 * MIB + 1 }, 'eventStream.maxFrameBytes must be'],
  [loose({ maxFrameBytes: '1024' }), 'eventStream.maxFrameBytes must be'],
  [{ reorderWindowMs: -1 }, 'eventStream.reorderWindowMs must be a number of milliseconds from 0 to 2147483647'],
  [{ reorderWindowMs: Number.NaN }, 'eventStream.reorderWindowMs must be'],
  [{ reorderWindowMs: Infinity }, 'eventStream.reorderWindowMs must be'],
  [{ reorderWindowMs: TIMER_MAX + 1 }, 'eventStream.reorderWindowMs must be'],
  [{ heartbeatIntervalMs: 0 }, 'eventStream.heartbeatIntervalMs must be a positive number of milliseconds up to 2147483647'],
  [{ heartbeatIntervalMs: Number.NaN }, 'eventStream.heartbeatIntervalMs must be'],
  [{ heartbeatIntervalMs: TIMER_MAX + 1 }, 'eventStream.heartbeatIntervalMs must be'],
  [{ stallAfterHeartbeats: 0.5 }, 'eventStream.stallAfterHeartbeats must be a finite number of heartbeats, at least 1'],
  [{ stallAfterHeartbeats: Number.NaN }, 'eventStream.stallAfterHeartbeats must be'],
  [{ stallAfterHeartbeats: Infinity }, 'eventStream.stallAfterHeartbeats must be'],
  [
    { heartbeatIntervalMs: 2 ** 30, stallAfterHeartbeats: 2 },
    'eventStream.heartbeatIntervalMs × stallAfterHeartbeats (the stall bound) must be at most',
  ],
  // The default multiple (2.5) counts too.
  [{ heartbeatIntervalMs: 2 ** 30 }, 'eventStream.heartbeatIntervalMs × stallAfterHeartbeats (the stall bound) must be at most'],
  [{ giveUpAfterMs: -1 }, 'eventStream.giveUpAfterMs must be a non-negative number of milliseconds, or Infinity'],
  [{ giveUpAfterMs: Number.NaN }, 'eventStream.giveUpAfterMs must be'],
  [{ reconnect: { baseMs: 0, capMs: 10 } }, 'eventStream.reconnect.baseMs must be a positive number of milliseconds up to 2147483647'],
  [{ reconnect: { baseMs: Number.NaN, capMs: 10 } }, 'eventStream.reconnect.baseMs must be'],
  [{ reconnect: { baseMs: 10, capMs: Infinity } }, 'eventStream.reconnect.capMs must be'],
  [loose({ reconnect: { baseMs: 10 } }), 'eventStream.reconnect.capMs must be'],
  [loose({ reconnect: 250 }), 'eventStream.reconnect must be an object with baseMs and capMs'],
];

const GOOD: readonly EventStreamOptions[] = [
  {},
  { maxFrameBytes: 1 },
  { maxFrameBytes: 100 * MIB },
  { reorderWindowMs: 0 },
  { reorderWindowMs: TIMER_MAX },
  { reorderWindowMs: 12.5 },
  { heartbeatIntervalMs: 50, stallAfterHeartbeats: 1 },
  { heartbeatIntervalMs: TIMER_MAX, stallAfterHeartbeats: 1 },
  { giveUpAfterMs: 0 },
  { giveUpAfterMs: Infinity },
  { reconnect: { baseMs: 1, capMs: TIMER_MAX } },
];

describe('eventStream options', () => {
  it.each(BAD.map(([options, message]) => [inspect(options, { breakLength: Infinity }), options, message]))(
    '%s is a ConfigurationError at new WebChatAPI()',
    (_, options, message) => {
      expect(() => api(options)).toThrow(ConfigurationError);
      expect(() => api(options)).toThrow(message);
    },
  );

  it('values inside the rules, at their edges too, are taken', async () => {
    for (const options of GOOD) await api(options).close();
  });

  it('a GuestChat made by hand with a bad option throws the ConfigurationError when its stream attaches', async () => {
    const client = api({});
    const info = {
      conversationId: 'c-1',
      memberId: 'm-1',
      eventStreamUri: 'ws://127.0.0.1:9/?token=secret-stream-token',
      member: { id: 'm-1', role: 'CUSTOMER' as const },
    };
    const chat = new GuestChat(client, info, undefined, { maxFrameBytes: 0 });
    expect(() => chat.on('message', () => undefined)).toThrow(ConfigurationError);
    await client.close();
  });
});
