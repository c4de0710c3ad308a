/**
 * A real websocket server on 127.0.0.1 for tests of an event stream client: each connection is
 * handed to the test's script in turn, so that a test sends exactly the frames it means to (hostile
 * ones included) on the connection it means to, and counts the connections it got.
 */
import type { AddressInfo } from 'node:net';
import { type WebSocket, WebSocketServer } from 'ws';

/** What a test does with its `n`th connection (1 for the first). */
export type WsScript = (socket: WebSocket, n: number) => void;

export interface WsLoopback {
  /** Where to connect; its query stands in for a stream credential (`token=…`), which must appear nowhere. */
  readonly url: string;
  /** The sockets that connected, in order. */
  readonly sockets: readonly WebSocket[];
  /** Resolves with the `n`th socket once it has connected. */
  connection(n: number): Promise<WebSocket>;
  /** Closes every socket at once and stops listening. */
  close(): Promise<void>;
}

/** Starts a websocket server on 127.0.0.1 that runs `script` on each connection. */
export async function wsLoopback(script: WsScript = () => undefined): Promise<WsLoopback> {
  const server = new WebSocketServer({ host: '127.0.0.1', port: 0 });
  await new Promise<void>((resolve, reject) => server.once('listening', resolve).once('error', reject));
  const sockets: WebSocket[] = [];
  const waiters = new Map<number, (socket: WebSocket) => void>();
  server.on('connection', (socket) => {
    sockets.push(socket);
    socket.on('error', () => undefined); // a client that goes away is not the test's failure
    script(socket, sockets.length);
    waiters.get(sockets.length)?.(socket);
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `ws://127.0.0.1:${port}/streaming/conversations/c-1?token=secret-stream-token`,
    sockets,
    connection: (n) => {
      const socket = sockets[n - 1];
      return socket ? Promise.resolve(socket) : new Promise((resolve) => waiters.set(n, resolve));
    },
    close: async () => {
      for (const socket of server.clients) socket.terminate();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
