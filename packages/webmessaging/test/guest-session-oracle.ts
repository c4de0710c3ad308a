/**
 * What the emulator stored for a guest session, read without the session under test: a raw socket
 * of the same token asks for a JWT (configureSession, getJwt), and the history is read with it over
 * plain HTTP, page by page, oldest first. Deliberately not our client: it is the property's oracle.
 */
import type { Emulator } from '@switchboard/emulator';
import { bufferOf, openWebSocket, type StreamSocket } from '@switchboard/genesys';

/** A stored message as the history shows it. */
export interface StoredMessage {
  readonly id: string;
  readonly direction: 'Inbound' | 'Outbound';
  readonly type: string;
  readonly text?: string;
  /** When the emulator stored it (ISO 8601). */
  readonly time: string;
}

/** The history's reader for one session. */
export interface StoredHistory {
  /** The session's stored messages, oldest first (the emulator's order: the order it stored them). */
  read(): Promise<StoredMessage[]>;
}

interface Frame {
  readonly class?: string;
  readonly code?: number;
  readonly tracingId?: string;
  readonly body?: unknown;
}

/** Sends `request` on `socket` and resolves with the frame that answers it (by tracingId). */
function ask(socket: StreamSocket, request: Record<string, unknown> & { tracingId: string }): Promise<Frame> {
  return new Promise((resolve, reject) => {
    socket.on('message', (data) => {
      let frame: Frame;
      try {
        frame = JSON.parse(bufferOf(data).toString('utf8')) as Frame;
      } catch {
        return;
      }
      if (frame.tracingId !== request.tracingId) return;
      if (frame.class === 'string') reject(new Error(`the emulator refused ${String(request.action)}: ${frame.code}`));
      else resolve(frame);
    });
    socket.on('close', () => reject(new Error(`the socket closed before ${String(request.action)} was answered`)));
    socket.send(JSON.stringify(request));
  });
}

/** A JWT for the history of the session of `token`, from a socket of its own. */
async function guestJwt(emulator: Emulator, token: string): Promise<string> {
  const deploymentId = emulator.webMessagingDeploymentId;
  const uri = `${emulator.webMessagingUrl}?deploymentId=${encodeURIComponent(deploymentId)}&application=property-oracle`;
  const { socket } = openWebSocket({ uri, proxy: false, maxFrameBytes: 1 << 20, signal: new AbortController().signal });
  try {
    await new Promise<void>((resolve, reject) => {
      socket.on('open', resolve);
      socket.on('error', reject);
    });
    await ask(socket, { action: 'configureSession', token, deploymentId, tracingId: 'oracle-configure' });
    const answer = await ask(socket, { action: 'getJwt', token, tracingId: 'oracle-jwt' });
    return (answer.body as { jwt: string }).jwt;
  } finally {
    socket.close(1000, 'oracle done');
  }
}

/** The reader of what the emulator stored for the session of `token`. */
export async function storedMessages(emulator: Emulator, token: string): Promise<StoredHistory> {
  const jwt = await guestJwt(emulator, token);
  return {
    async read() {
      const newestFirst: StoredMessage[] = [];
      for (let pageNumber = 1; ; pageNumber++) {
        const response = await fetch(`${emulator.apiUrl}/api/v2/webmessaging/messages?pageSize=100&pageNumber=${pageNumber}`, {
          headers: { authorization: `Bearer ${jwt}` },
        });
        if (!response.ok) throw new Error(`the history answered ${response.status}`);
        const page = (await response.json()) as {
          entities: { id: string; direction: 'Inbound' | 'Outbound'; type: string; text?: string; channel: { time: string } }[];
          pageCount: number;
        };
        for (const { id, direction, type, text, channel } of page.entities)
          newestFirst.push({ id, direction, type, ...(text !== undefined ? { text } : {}), time: channel.time });
        if (pageNumber >= page.pageCount) return newestFirst.reverse();
      }
    },
  };
}
