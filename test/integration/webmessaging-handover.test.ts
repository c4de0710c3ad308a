/**
 * A guest session handed over between processes through a real redis-server: a worker converses
 * under a key, is killed (SIGKILL) mid-conversation, the agent answers while no worker holds the
 * session, and another worker resumes the key. Between them, every message of the conversation
 * is handed over once: none lost, none twice.
 */
import { type ChildProcess, fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Emulator, startEmulator } from '@switchboard/emulator';
import { RedisStore } from '@switchboard/middleware/redis';
import { type SessionMessage, WebMessagingAPI } from '@switchboard/webmessaging';
import { type RedisServer, startRedis } from '../support/redis.js';
import { eventually } from '../support/time.js';

const WORKER = fileURLToPath(new URL('./session-worker.mjs', import.meta.url));
type Reported = Pick<SessionMessage, 'id' | 'direction' | 'text' | 'type'>;

let emulator: Emulator;
let redis: RedisServer;
beforeAll(async () => {
  // The agent answers half a second later: after the worker that asked has been killed.
  [emulator, redis] = await Promise.all([startEmulator({ port: 0, agent: { replyDelayMs: 500 } }), startRedis()]);
});
afterAll(async () => {
  await emulator.stop();
  await redis.stop();
});

/** A worker on the built packages, and what it has reported so far. */
function worker(
  mode: 'converse' | 'resume',
  key: string,
): { child: ChildProcess; reported: Reported[]; until: (done: () => boolean) => Promise<void> } {
  const setup = {
    mode,
    key,
    redisPort: redis.port,
    apiUrl: emulator.apiUrl,
    webMessagingUrl: emulator.webMessagingUrl,
    deploymentId: emulator.webMessagingDeploymentId,
  };
  // execArgv: [] so that no `--conditions=@switchboard/source` of this process sends it to the TypeScript sources.
  const child = fork(WORKER, [JSON.stringify(setup)], { execArgv: [], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const reported: Reported[] = [];
  const wakers: (() => void)[] = [];
  let ended = false;
  child.on('message', (message) => {
    if (typeof message === 'object' && message !== null) reported.push(message as Reported);
    wakers.splice(0).forEach((wake) => wake());
  });
  child.once('exit', () => {
    ended = true;
    wakers.splice(0).forEach((wake) => wake());
  });
  const until = async (done: () => boolean): Promise<void> => {
    while (!done()) {
      if (ended) throw new Error(`the ${mode} worker exited first`);
      await new Promise<void>((resolve) => wakers.push(resolve));
    }
  };
  return { child, reported, until };
}

const exited = (child: ChildProcess) =>
  new Promise((resolve) => (child.exitCode !== null || child.signalCode !== null ? resolve(undefined) : child.once('exit', resolve)));

describe('a guest session handed over between processes through Redis', () => {
  it('is resumed by another worker after the first is killed mid-conversation: every message once, none lost', async () => {
    const key = `customer-${Date.now()}`;
    const first = worker('converse', key);
    await new Promise<void>((resolve) => first.child.once('message', () => resolve()));
    first.child.send({ send: 'hello' });
    await first.until(() =>
      first.reported.some((m) => m.direction === 'Outbound' && m.type !== 'Event' && (m.text ?? '').includes('(5 characters)')),
    );
    first.child.send({ send: 'second' });
    await first.until(() => first.reported.some((m) => m.text === 'second'));
    // Killed once its record holds the last message it handed over (a kill between the two would hand that one over again).
    const store = new RedisStore({ redis: { host: '127.0.0.1', port: redis.port } });
    const token = await waitForRecord(store, key, first.reported.at(-1)?.id);
    first.child.kill('SIGKILL');
    await exited(first.child);

    // The agent's answer to "second" comes while no worker holds the session.
    await eventually(() => expect(emulator.messaging.messagesStored(token)).toBeGreaterThanOrEqual(4));
    const second = worker('resume', key);
    await exited(second.child);

    const history = await fullHistory(token);
    const firstIds = first.reported.map((m) => m.id);
    const secondIds = second.reported.map((m) => m.id);
    expect(secondIds.filter((id) => firstIds.includes(id))).toEqual([]);
    expect(new Set([...firstIds, ...secondIds])).toEqual(new Set(history.map((m) => m.id)));
    expect(secondIds.length).toBeGreaterThan(0);
    await store.close();
  });
});

/** The token of the key's record, once the record holds `after`. */
async function waitForRecord(store: RedisStore, key: string, after: string | undefined): Promise<string> {
  const { createHash } = await import('node:crypto');
  const storeKey = `webmessaging:${emulator.webMessagingDeploymentId}:${createHash('sha256').update(key).digest('base64url').slice(0, 16)}`;
  return eventually(async () => {
    const record = JSON.parse((await store.get(storeKey)) ?? '{}') as { token?: string; after?: string };
    expect(record.after, 'the record never caught up').toBe(after);
    if (!record.token) throw new Error('the record has no token');
    return record.token;
  });
}

/** Every message of the session's history, read by a client without a key (so from the start). */
async function fullHistory(token: string): Promise<SessionMessage[]> {
  const client = new WebMessagingAPI({
    baseUrl: emulator.apiUrl,
    webMessagingUrl: emulator.webMessagingUrl,
    deploymentId: emulator.webMessagingDeploymentId,
  });
  const session = await client.startSession({ token });
  await client.close();
  const messages: SessionMessage[] = [];
  for await (const event of session.events()) if (event.type === 'message') messages.push(event.message);
  return messages;
}
