/**
 * What the tests of Genesys' own SDKs against the emulator share: a transparent recording proxy
 * (what the SDKs put on the wire, recorded on its way to the emulator, the answers unchanged),
 * and the narrowing of what the SDKs hand back (their index.d.ts types the plain body, not the
 * extended response).
 */
import { createServer, type IncomingHttpHeaders, request } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface Sent {
  readonly method: string;
  readonly url: string;
  readonly headers: IncomingHttpHeaders;
  readonly body: string;
}

export interface Recorder {
  readonly url: string;
  readonly port: number;
  readonly sent: Sent[];
  close(): Promise<void>;
}

/** Starts a proxy on 127.0.0.1 that records each request and passes it on to `target`. */
export async function startRecorder(target: string): Promise<Recorder> {
  const sent: Sent[] = [];
  const server = createServer((incoming, outgoing) => {
    const chunks: Buffer[] = [];
    incoming.on('data', (chunk: Buffer) => chunks.push(chunk));
    incoming.on('end', () => {
      const body = Buffer.concat(chunks);
      sent.push({ method: incoming.method ?? '', url: incoming.url ?? '', headers: incoming.headers, body: body.toString('utf8') });
      const upstream = request(new URL(incoming.url ?? '/', target), { method: incoming.method, headers: incoming.headers }, (answer) => {
        outgoing.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(outgoing);
      });
      upstream.on('error', (error) => outgoing.destroy(error));
      upstream.end(body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    sent,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** What `setReturnExtendedResponses(true)` makes the SDKs resolve and reject with. */
export interface Extended {
  readonly status: number;
  readonly headers: Readonly<Record<string, unknown>>;
  /** The parsed body; `undefined` for an empty one. */
  readonly body: unknown;
}

export function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null;
}

export function describeValue(value: unknown): string {
  if (value instanceof Error) return `${value.name}: ${value.message}`;
  if (typeof value === 'string') return value;
  return JSON.stringify(value) ?? String(value);
}

/** Runs an SDK call and gives back its extended response, whether the SDK resolved or rejected. */
export async function settle(call: () => Promise<unknown>): Promise<Extended> {
  let value: unknown;
  try {
    value = await call();
  } catch (error) {
    value = error;
  }
  if (!isObject(value) || typeof value.status !== 'number' || !isObject(value.headers) || !('body' in value)) {
    throw new Error(`the SDK handed back no HTTP response: ${describeValue(value)}`);
  }
  return { status: value.status, headers: value.headers, body: value.body === '' ? undefined : value.body };
}
