/**
 * The send-path bench's server (bench/send-path.ts), in its own process so that none of its CPU is
 * the client's: the least of the Web Messaging guest protocol a session needs, on 127.0.0.1. The
 * WebSocket answers configureSession with a SessionResponse, getJwt with a JwtResponse, echo with
 * its answer, closeSession with a SessionResponse `connected: false`, and echoes each onMessage as
 * the platform does: a StructuredMessage `Inbound` with the message's text (and its channel
 * metadata, when it has some), a new id, the time, and the request's tracingId, shaped as the notes'
 * real frames (serverFrames: "StructuredMessage (echo of the guest's inbound text)"). The answers
 * carry the request's tracingId, as the emulator's do (the Kotlin fixtures' SessionResponse has
 * none). HTTP answers the history a session reads as it connects (`GET
 * /api/v2/webmessaging/messages`) with an empty page. Nothing is checked, stored or rate-limited:
 * every frame costs the server the same whoever sent it.
 *
 * ws is a dependency of the emulator (bench has none of its own): it is loaded from there.
 */
import { createServer } from 'node:http';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';

/** The part of ws's server this uses. */
interface Peer {
  on(event: 'message', listener: (data: Buffer) => void): void;
  send(text: string): void;
}
interface WsServer {
  on(event: 'connection', listener: (socket: Peer) => void): void;
}
const { WebSocketServer } = createRequire(new URL('../packages/emulator/package.json', import.meta.url))('ws') as {
  WebSocketServer: new (options: { server: ReturnType<typeof createServer>; maxPayload: number }) => WsServer;
};

type Json = Record<string, unknown>;

const EMPTY_PAGE = JSON.stringify({ entities: [], pageSize: 100, pageNumber: 1, total: 0, pageCount: 1 });
let sequence = 0;

const http = createServer((req, res) => {
  req.resume();
  const found = req.method === 'GET' && req.url?.startsWith('/api/v2/webmessaging/messages');
  res.writeHead(found ? 200 : 404, { 'content-type': 'application/json' });
  res.end(found ? EMPTY_PAGE : '{"message":"not found"}');
});

function sessionResponse(connected: boolean, tracingId: unknown): string {
  return JSON.stringify({
    type: 'response',
    class: 'SessionResponse',
    code: 200,
    body: { connected, newSession: true, readOnly: !connected, maxCustomDataBytes: 2_048, clearedExistingSession: false },
    tracingId,
  });
}

/** The answer to one request, or nothing. */
function answer(request: Json): string | undefined {
  const { action, tracingId } = request;
  switch (action) {
    case 'configureSession':
    case 'configureAuthenticatedSession':
      return sessionResponse(true, tracingId);
    case 'closeSession':
      return sessionResponse(false, tracingId);
    case 'getJwt':
      return JSON.stringify({
        type: 'response',
        class: 'JwtResponse',
        code: 200,
        body: { jwt: 'bench.guest.jwt', exp: Math.floor(Date.now() / 1_000) + 3_600 },
        tracingId,
      });
    case 'echo':
      return JSON.stringify({
        type: 'response',
        class: 'StructuredMessage',
        code: 200,
        body: { text: 'ping', type: 'Text', direction: 'Inbound', id: `echo-${++sequence}` },
        tracingId,
      });
    case 'onMessage': {
      const message = (request.message ?? {}) as Json;
      const metadata = ((message.channel ?? {}) as Json).metadata;
      const id = `message-${++sequence}`;
      return JSON.stringify({
        type: 'message',
        class: 'StructuredMessage',
        code: 200,
        body: {
          text: message.text,
          direction: 'Inbound',
          id,
          channel: { time: new Date().toISOString(), messageId: id, ...(metadata ? { metadata } : {}) },
          type: message.type,
        },
        tracingId,
      });
    }
    default:
      return undefined;
  }
}

const sockets = new WebSocketServer({ server: http, maxPayload: 256 * 1024 });
sockets.on('connection', (socket) => {
  socket.on('message', (data) => {
    const reply = answer(JSON.parse(data.toString('utf8')) as Json);
    if (reply !== undefined) socket.send(reply);
  });
});

http.listen(0, '127.0.0.1', () => process.stdout.write(`${(http.address() as AddressInfo).port}\n`));
process.on('SIGTERM', () => process.exit(0));
process.on('disconnect', () => process.exit(0));
