/** A real HTTP server on 127.0.0.1 for tests: scripted answers, every request recorded. */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { type AddressInfo, createServer as createTcpServer, type Socket } from 'node:net';

export interface RecordedRequest {
  readonly method: string;
  readonly url: string;
  readonly headers: IncomingMessage['headers'];
  readonly body: string;
}

export type Handler = (request: RecordedRequest, res: ServerResponse) => void | Promise<void>;

export interface Loopback {
  readonly url: string;
  readonly port: number;
  readonly requests: RecordedRequest[];
  /** Answers the next requests with these handlers in turn, then with the default. */
  answer(...handlers: Handler[]): void;
  close(): Promise<void>;
}

export function json(
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): (request: RecordedRequest, res: ServerResponse) => void {
  return (_req, res) => {
    res.writeHead(status, { 'content-type': 'application/json', ...headers });
    res.end(JSON.stringify(body));
  };
}

/** A request the server holds: it answers only when the test releases it. */
export interface Held {
  /** The handler to pass to `answer()`. */
  readonly handler: Handler;
  /** Resolves once the request has reached the server. */
  readonly arrived: Promise<void>;
  /** Lets the server answer (idempotent): call it when the test no longer needs the request held. */
  release(): void;
}

/**
 * A server that is slow for exactly as long as the test needs, with no clock: `start` runs on
 * arrival (to send the head and part of a body, say), `finish` once released.
 */
export function held(finish: Handler = json(200, {}), start?: (res: ServerResponse) => void): Held {
  let release!: () => void;
  const released = new Promise<void>((resolve) => (release = resolve));
  let arrive!: () => void;
  const arrived = new Promise<void>((resolve) => (arrive = resolve));
  return {
    arrived,
    release,
    handler: async (request, res) => {
      start?.(res);
      arrive();
      await released;
      if (!res.destroyed) await finish(request, res);
    },
  };
}

export const echo: Handler = (req, res) => {
  res.writeHead(200, { 'content-type': 'application/json' });
  res.end(JSON.stringify(req));
};

export async function startLoopback(fallback: Handler = echo): Promise<Loopback> {
  const requests: RecordedRequest[] = [];
  const queue: Handler[] = [];
  const sockets = new Set<Socket>();
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const recorded = { method: req.method ?? '', url: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks).toString('utf8') };
      requests.push(recorded);
      void Promise.resolve((queue.shift() ?? fallback)(recorded, res)).catch(() => res.destroy());
    });
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    requests,
    answer: (...handlers) => queue.push(...handlers),
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

/** A loopback port with nothing listening on it: connecting is refused. */
export async function closedPort(): Promise<number> {
  const server = createTcpServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}
