/**
 * The fast path: undici's request API on a private keep-alive Agent. On Node 20 it does several
 * times the requests per second of fetch (and so of ky) at high concurrency, at a fraction of the CPU.
 */
import { EventEmitter } from 'node:events';
import type * as UndiciModule from 'undici';
import type { Readable } from 'node:stream';
import { hasNoBody, parseBody } from '../body.js';
import { headersFromNode } from '../headers.js';
import type { HttpRequest, HttpResponse, ResponseHeaders, Transport, TransportOptions } from '../http.js';
import { AttemptTimer } from './attempt-timer.js';
import { loadError, toTransportError } from './failure.js';
import { checkProxySetting, type ProxySetting } from '../proxy.js';
import { type Connections, createConnections } from './dispatcher.js';
import { loadOnce } from './load-once.js';
import { announcedOver, bufferFor, overflowed, readNodeBody, release, withAcceptEncoding } from './response-body.js';

/** What {@link createUndiciTransport} takes. */
export interface UndiciTransportOptions {
  /**
   * Connections per origin; unlimited by default.
   * @default unlimited
   */
  readonly connections?: number;
  /**
   * How long an idle connection is kept, in ms.
   * @default `4_000`
   */
  readonly keepAliveTimeout?: number;
  /**
   * The forward proxy: a URL (`http://user:pass@proxy.example:3128`), `false` for none, or
   * undefined to read `HTTPS_PROXY`, `HTTP_PROXY` and `NO_PROXY` (lower case too) from the environment.
   * @default the environment's proxy variables; a direct connection when they name none
   */
  readonly proxy?: ProxySetting;
}

const GLOBAL_DISPATCHER = Symbol.for('undici.globalDispatcher.1');

/**
 * Importing undici installs its Agent as the process-wide dispatcher (the one Node's own fetch
 * uses) when none is set yet. Node's fetch sets its own on first use, so we let it do that first,
 * with a request that never leaves the process: the import then finds a dispatcher and leaves
 * the process exactly as Node itself would have.
 */
export const loadUndici = loadOnce(async (): Promise<typeof UndiciModule> => {
  if ((globalThis as Record<symbol, unknown>)[GLOBAL_DISPATCHER] === undefined) {
    // A stubbed fetch (msw, a test double) may refuse data: URLs; undici still has to load.
    await fetch('data:,')
      .then((response) => response.arrayBuffer())
      .catch(() => undefined);
  }
  return import('undici').catch((error: unknown) => Promise.reject(loadError('undici', error)));
});

/**
 * The body's text within the call's limit: a success over it is a ResponseTooLargeError, an error
 * answer over its smaller limit comes without its body; either way the connection is closed.
 */
async function readBody(
  body: Readable,
  status: number,
  headers: ResponseHeaders,
  options: TransportOptions,
  onDecoding: (stream: Readable) => void,
): Promise<string> {
  const buffer = bufferFor(status, options);
  const encoding = headers.get('content-encoding');
  const fits =
    !announcedOver(headers.get('content-length'), encoding, buffer.limit) &&
    (await readNodeBody(body, encoding, buffer, onDecoding, options.operationId));
  if (fits) return buffer.text();
  release(body);
  return overflowed(status, options);
}

function splitUrl(url: string): { origin: string; path: string } {
  const slash = url.indexOf('/', url.indexOf('//') + 2);
  return slash === -1 ? { origin: url, path: '/' } : { origin: url.slice(0, slash), path: url.slice(slash) };
}

/**
 * The fast path: undici's request API on a private keep-alive Agent (never the process-wide
 * dispatcher), or the proxy agent of its proxy setting. undici is loaded on the first request.
 */
export function createUndiciTransport(options: UndiciTransportOptions = {}): Transport {
  checkProxySetting(options.proxy);
  let connections: Connections | undefined;
  const connect = loadOnce(async (): Promise<Connections> => {
    const settings = {
      keepAliveTimeout: options.keepAliveTimeout ?? 4_000,
      ...(options.connections !== undefined ? { connections: options.connections } : {}),
    };
    connections = createConnections(await loadUndici(), options.proxy, settings);
    return connections;
  });

  return {
    name: 'undici',
    async send(request, sendOptions): Promise<HttpResponse> {
      return sendOn(connections ?? (await connect()), request, sendOptions);
    },
    async close(): Promise<void> {
      await connections?.close();
    },
  };
}

/**
 * Sends one request with undici's request API on `connections`, and reads its whole response
 * within the attempt's bounds: the undici transport's send, and the ky transport's for a body of
 * bytes (fetch holds a streamed request body in memory whole, and copies a Uint8Array; this
 * streams it, a chunk at a time, as the socket takes it).
 */
export async function sendOn(connections: Connections, request: HttpRequest, sendOptions: TransportOptions): Promise<HttpResponse> {
  const { dispatcher, proxied } = connections;
  // undici takes an EventEmitter as its abort signal, at a fraction of an AbortSignal's cost.
  const abort = new EventEmitter();
  let expire: ((reason: Error) => void) | undefined;
  let decoding: Readable | undefined;
  const attempt = new AttemptTimer(sendOptions, () => {
    abort.emit('abort');
    expire?.(new Error('the attempt ended'));
    // A body whose bytes have all come is no longer undici's: its decoders are stopped here.
    if (decoding) release(decoding, new Error('the attempt ended'));
  });
  try {
    const { origin, path } = splitUrl(request.url);
    const pending = dispatcher.request({
      origin,
      path,
      method: request.method,
      // What the ky transport asks for too (fetch decodes it there; readNodeBody here), unless the caller chose.
      headers: withAcceptEncoding(request.headers),
      // undici also streams an async iterable (its types list a Readable only): a `bytes` body, read once.
      body: (request.body ?? null) as string | Uint8Array | Readable | null,
      signal: abort,
      // Our AttemptSignal bounds the whole attempt; undici's own 300 s timers would only
      // turn a long attempt into a different error.
      headersTimeout: 0,
      bodyTimeout: 0,
    });
    // undici does not act on an abort while a request waits for its proxy tunnel: the attempt's end settles it.
    const response = proxied ? await endedBy(pending, (reject) => (expire = reject)) : await pending;
    const headers = headersFromNode(response.headers);
    const status = response.statusCode;
    if (hasNoBody(request.method, status)) {
      await response.body.dump();
      return { status, headers, data: undefined };
    }
    const text = await readBody(response.body, status, headers, sendOptions, (stream) => (decoding = stream));
    return { status, headers, data: parseBody(status, headers.get('content-type'), text, sendOptions.operationId) };
  } catch (error) {
    throw toTransportError(error, sendOptions, { timedOut: attempt.timedOut, proxy: connections.proxyOf(request.url) });
  } finally {
    attempt.dispose();
  }
}

/**
 * `pending`, unless the callback `arm` is handed is called first: then a rejection, and a response
 * that still comes later has its body destroyed, which frees its connection.
 */
function endedBy(
  pending: Promise<UndiciModule.Dispatcher.ResponseData>,
  arm: (reject: (reason: Error) => void) => void,
): Promise<UndiciModule.Dispatcher.ResponseData> {
  return new Promise((resolve, reject) => {
    let ended = false;
    arm((reason) => {
      ended = true;
      reject(reason);
    });
    pending.then(
      (response) => (ended ? release(response.body) : resolve(response)),
      (error: unknown) => (ended ? undefined : reject(error instanceof Error ? error : new Error('request failed'))),
    );
  });
}
