/**
 * What the emulator's two WebSocket servers (WebChat's event streams, Web Messaging's guest
 * sockets) share: reading an upgrade's target, refusing an upgrade, and closing every socket with
 * its timers when the emulator stops.
 */
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import type { WebSocketServer } from 'ws';

/**
 * An upgrade request's target as a URL, or undefined when it is none: a request line such as
 * `GET //[ HTTP/1.1` reaches the `upgrade` listener as it is, and `new URL` throws on it.
 */
export function upgradeTarget(request: IncomingMessage): URL | undefined {
  return URL.canParse(request.url ?? '/', 'http://emulator') ? new URL(request.url ?? '/', 'http://emulator') : undefined;
}

/** Answers an upgrade with a bare HTTP status (`'404 Not Found'`) and closes the connection. */
export function refuseUpgrade(socket: Duplex, status: string): void {
  socket.end(`HTTP/1.1 ${status}\r\nconnection: close\r\ncontent-length: 0\r\n\r\n`);
}

/**
 * Stops every timer, closes every socket the server tracks (1001, going away; those still
 * finishing their handshake too), cuts off any that do not close within half a second, and closes
 * the server.
 */
export async function closeSocketServer(server: WebSocketServer, timers: Set<ReturnType<typeof setInterval>>): Promise<void> {
  for (const timer of timers) clearInterval(timer);
  timers.clear();
  const closing: Promise<unknown>[] = [];
  for (const ws of server.clients) {
    closing.push(new Promise((resolve) => ws.once('close', resolve)));
    ws.close(1001, 'emulator stopping');
    setTimeout(() => ws.terminate(), 500).unref();
  }
  await Promise.all(closing);
  await new Promise<void>((resolve) => server.close(() => resolve()));
}
