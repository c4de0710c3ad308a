/**
 * A Web Messaging guest session as a consumer runs it from the installed packages: started under
 * a key recorded in a RedisStore (a real redis-server), a message echoed and answered, the socket
 * dropped by the emulator's control (over HTTP, as a separate process must) with the answer read
 * back from the history, then the session resumed by its key in a second client, as another worker
 * of a fleet would: the same token, and nothing handed over twice. A sign-in through a proxy
 * follows: the guest WebSocket tunnels through the same forward proxy as the REST calls.
 */
import { RedisStore } from '@switchboard/middleware/redis';
import { type GuestSession, type SessionMessage, WebMessagingAPI } from '@switchboard/webmessaging';
import type { WebMessagingSettings } from './webmessaging.js';

/** The emulator's fault control, over HTTP. */
async function fault(settings: WebMessagingSettings, token: string, body: object): Promise<void> {
  const response = await fetch(`${settings.baseUrl}/__emulator/messaging/sessions/${encodeURIComponent(token)}/fault`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  if (!response.ok) throw new Error(`the fault control answered ${response.status}`);
}

/** Messages the session hands over until the agent's answer to a text of `length` characters. */
async function untilAnswer(session: GuestSession, length: number, seen: SessionMessage[]): Promise<{ readonly recovered: boolean }> {
  for await (const event of session.events()) {
    if (event.type !== 'message') continue;
    seen.push(event.message);
    if (event.message.direction === 'Outbound' && event.message.text?.includes(`(${length} characters)`)) return event;
  }
  throw new Error('the session ended before the answer');
}

/** What the run saw: whether the answer after the drop was read back from the history (or came live on the next socket), and whether the key resumed the same session. */
export async function driveGuestSession(
  settings: WebMessagingSettings,
  redisUrl: string,
  proxyUrl: string,
): Promise<{ readonly recovered: boolean; readonly resumedSame: boolean }> {
  const { hostname, port } = new URL(redisUrl);
  const client = (store: RedisStore, proxy?: string) =>
    new WebMessagingAPI({
      baseUrl: settings.baseUrl,
      webMessagingUrl: settings.webMessagingUrl,
      deploymentId: settings.webMessagingDeploymentId,
      sessionStore: store,
      session: { reconnect: { baseMs: 50, capMs: 500 } },
      ...(proxy ? { proxy } : {}),
    });
  const key = `consumer-${process.pid}-${Date.now()}`;
  const firstStore = new RedisStore({ redis: { host: hostname, port: Number(port) } });
  const first = client(firstStore);
  const seen: SessionMessage[] = [];
  let token: string;
  let recovered: boolean;
  try {
    const session = await first.startSession({ key });
    token = session.token;
    const text = 'Where is my parcel?';
    await session.sendMessage(text);
    await untilAnswer(session, text.length, seen);
    const second = 'It was due on Monday.';
    await session.sendMessage(second);
    await fault(settings, token, { kind: 'drop' });
    ({ recovered } = await untilAnswer(session, second.length, seen));
  } finally {
    await first.close();
    await firstStore.close();
  }
  // Another worker: the same key resumes the same session, after the last message handed over.
  const otherStore = new RedisStore({ redis: { host: hostname, port: Number(port) } });
  const other = client(otherStore, proxyUrl);
  try {
    const resumed = await other.startSession({ key });
    const resumedSame = resumed.token === token;
    await other.close();
    const repeated: string[] = [];
    for await (const event of resumed.events())
      if (event.type === 'message' && seen.some((m) => m.id === event.message.id)) repeated.push(event.message.id);
    if (repeated.length > 0) throw new Error(`the resumed session handed ${repeated.length} message(s) over again`);
    return { recovered, resumedSame };
  } finally {
    await other.close();
    await otherStore.close();
  }
}
