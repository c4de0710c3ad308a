/**
 * Sessions started by a key, against the emulator: recorded in the client's store, resumed from
 * it by another client (as another process would), with only the messages after the last one
 * handed to the application; two starts of one key at once make one session; the store never
 * holds the key itself. Waits are on events, never on time.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Emulator } from '@switchboard/emulator';
import { sessionClient, startSessionEmulator } from './session-emulator.js';
import { MemoryStore, type SessionEvent, type SessionMessage, ValidationError, type WebMessagingAPI } from '@switchboard/webmessaging';
import type { KeyValueStore } from '@switchboard/middleware';

let emulator: Emulator;
beforeAll(async () => {
  emulator = await startSessionEmulator();
});
afterAll(() => emulator.stop());

const api = (sessionStore: KeyValueStore): WebMessagingAPI => sessionClient(emulator, { sessionStore });

/** The messages of a session's events until `done` holds for them. */
async function messagesUntil(
  events: AsyncIterable<SessionEvent>,
  done: (messages: SessionMessage[]) => boolean,
): Promise<SessionMessage[]> {
  const messages: SessionMessage[] = [];
  if (done(messages)) return messages;
  for await (const event of events) {
    if (event.type !== 'message') continue;
    messages.push(event.message);
    if (done(messages)) break;
  }
  return messages;
}

/** Every message a session delivers from its start until it is closed (its backlog, once closed). */
async function deliveredBy(client: WebMessagingAPI, key: string): Promise<SessionMessage[]> {
  const session = await client.startSession({ key });
  await client.close();
  const messages: SessionMessage[] = [];
  for await (const event of session.events()) if (event.type === 'message') messages.push(event.message);
  return messages;
}

const answered = (messages: SessionMessage[]) => messages.some((m) => m.direction === 'Outbound' && m.type !== 'Event');

describe('a session started by a key', () => {
  it('is resumed by another client from the store, with only what came after the last message handed over', async () => {
    const store = new MemoryStore();
    const first = api(store);
    const session = await first.startSession({ key: 'customer-42' });
    const seen = messagesUntil(session.events(), answered);
    await session.sendMessage('my order is late');
    const before = await seen;
    await first.close();
    // While no process holds the session, the guest's conversation goes on (another tab, say).
    const other = api(new MemoryStore());
    const tab = await other.startSession({ token: session.token });
    const meanwhile = await tab.sendMessage('written while no worker held it');
    await other.close();

    const second = api(store);
    const resumed = await second.startSession({ key: 'customer-42' });
    expect(resumed.token).toBe(session.token);
    const after = await messagesUntil(resumed.events(), (messages) => messages.some((m) => m.id === meanwhile.id) && answered(messages));
    await second.close();
    // Nothing handed over before is delivered again; what came meanwhile is, once.
    const ids = after.map((m) => m.id);
    expect(ids.filter((id) => before.some((m) => m.id === id))).toEqual([]);
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids).toContain(meanwhile.id);
    await store.close();
  });

  it('makes one session of two starts of the same key at once, and keeps neither the key nor its digest’s source in the store', async () => {
    const written: string[] = [];
    const memory = new MemoryStore();
    const store: KeyValueStore = {
      get: (key) => memory.get(key),
      set: (key, value, options) => (written.push(key, value), memory.set(key, value, options)),
      add: (key, value, options) => (written.push(key, value), memory.add(key, value, options)),
      delete: (key) => memory.delete(key),
      close: () => memory.close(),
    };
    const [a, b] = [api(store), api(store)];
    const [one, two] = await Promise.all([a.startSession({ key: 'jane@example.com' }), b.startSession({ key: 'jane@example.com' })]);
    expect(one.token).toBe(two.token);
    await Promise.all([a.close(), b.close()]);
    expect(written.length).toBeGreaterThan(0);
    expect(written.join(' ')).not.toContain('jane');
  });

  it('delivers everything after a message handed over, whatever the history says before it, and nothing twice, across three clients', async () => {
    const store = new MemoryStore();
    const first = api(store);
    const session = await first.startSession({ key: 'three' });
    await session.sendMessage('one');
    await messagesUntil(session.events(), answered);
    await first.close();
    const all = await deliveredBy(api(store), 'three');
    // Resumed right after: nothing new, nothing again.
    expect(all).toEqual([]);
    const third = api(store);
    const again = await third.startSession({ key: 'three' });
    const sent = await again.sendMessage('two');
    const latest = await messagesUntil(again.events(), (messages) => messages.some((m) => m.id === sent.id));
    expect(latest.map((m) => m.text)).toContain('two');
    expect(latest.map((m) => m.text)).not.toContain('one');
    await third.close();
    await store.close();
  });

  it('refuses a key that is no string of 1 to 2,048 characters before anything is stored or sent', async () => {
    const store = new MemoryStore();
    const client = api(store);
    await expect(client.startSession({ key: '' })).rejects.toBeInstanceOf(ValidationError);
    await expect(client.startSession({ key: 'k'.repeat(2_049) })).rejects.toThrow('/key');
    await client.close();
    await store.close();
  });
});
