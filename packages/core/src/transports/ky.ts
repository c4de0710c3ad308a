/** The default transport: ky on Node's fetch, with ky's own retries and HTTP errors turned off. */
import type * as KyModule from 'ky';
import { hasNoBody, parseBody } from '../body.js';
import { headersFromFetch } from '../headers.js';
import type { HttpRequest, HttpResponse, Transport, TransportOptions } from '../http.js';
import { AttemptTimer, hasTimer } from './attempt-timer.js';
import { loadError, toTransportError } from './failure.js';
import { checkProxySetting, type ProxySetting } from '../proxy.js';
import { type Connections, createConnections } from './dispatcher.js';
import { loadOnce } from './load-once.js';
import {
  announcedOver,
  type BodyBuffer,
  bufferFor,
  codingsToUndo,
  MAX_CODINGS,
  overflowed,
  tooManyCodings,
  withAcceptEncoding,
} from './response-body.js';
import { loadUndici, sendOn } from './undici.js';

/** What {@link createKyTransport} takes. */
export interface KyTransportOptions {
  /**
   * The fetch to use (a test double, an instrumented fetch); Node's global fetch by default.
   * A fetch given here gets no dispatcher from the transport, and `close()` closes nothing of it.
   * @default Node's global `fetch`, on a keep-alive undici Agent of the transport's own that `close()` closes
   */
  readonly fetch?: typeof globalThis.fetch;
  /**
   * The forward proxy: a URL (`http://user:pass@proxy.example:3128`), `false` for none, or
   * undefined to read `HTTPS_PROXY`, `HTTP_PROXY` and `NO_PROXY` (lower case too) from the
   * environment. A `fetch` given above takes no proxy from here: it is yours to set up.
   * @default the environment's proxy variables; a direct connection when they name none
   */
  readonly proxy?: ProxySetting;
}

type KyInstance = KyModule.KyInstance;

// ky builds a Request when it is first imported, which makes Node install its fetch dispatcher
// process-wide; importing @switchboard/core must not do that, so ky loads on the first call.
const loadKy = loadOnce(() => import('ky').catch((error: unknown) => Promise.reject(loadError('ky', error))));

/**
 * Reads the body (fetch has decompressed it) through a reader the attempt timer can cancel, which
 * also frees the connection, into `buffer`: whether it fitted. Over the limit, the read stops and
 * the body is cancelled, which closes its connection.
 */
async function readWithin(
  body: ReadableStream<Uint8Array> | null,
  buffer: BodyBuffer,
  onReader: (reader: ReadableStreamDefaultReader<Uint8Array>) => void,
): Promise<boolean> {
  if (body === null) return true;
  const reader = body.getReader();
  onReader(reader);
  for (;;) {
    const { done, value } = await reader.read();
    if (done) return true;
    if (!buffer.add(value)) {
      await reader.cancel().catch(() => undefined);
      return false;
    }
  }
}

/** The body's text within the call's limit; a success over it is a ResponseTooLargeError, an error answer over its limit comes without its body. */
async function readBody(
  response: Response,
  options: TransportOptions,
  onReader: (reader: ReadableStreamDefaultReader<Uint8Array>) => void,
): Promise<string> {
  const buffer = bufferFor(response.status, options);
  const { headers } = response;
  // fetch refuses more codings itself on newer Nodes; the same error on every Node and on both transports.
  if (codingsToUndo(headers.get('content-encoding') ?? undefined).length > MAX_CODINGS) {
    await response.body?.cancel().catch(() => undefined);
    throw tooManyCodings(options.operationId);
  }
  if (announcedOver(headers.get('content-length') ?? undefined, headers.get('content-encoding') ?? undefined, buffer.limit)) {
    await response.body?.cancel().catch(() => undefined);
  } else if (await readWithin(response.body, buffer, onReader)) {
    return buffer.text();
  }
  return overflowed(response.status, options);
}

/** One request's own options for ky: only the keys it needs (see the instance's defaults). */
function kyOptions(request: HttpRequest, sendOptions: TransportOptions): KyModule.Options {
  const options: KyModule.Options = {
    method: request.method,
    // What the undici transport asks for too; fetch decodes it. A caller's own header wins.
    headers: withAcceptEncoding(request.headers),
    timeout: hasTimer(sendOptions.timeout) ? Math.max(1, sendOptions.timeout) : false,
  };
  // A body of bytes comes here only with a fetch of your own (see below), which takes what Node's fetch takes.
  if (request.body !== undefined) options.body = request.body as BodyInit;
  if (sendOptions.signal) options.signal = sendOptions.signal;
  return options;
}

/**
 * The default transport: ky on Node's fetch, with ky's retries and HTTP errors off (the pipeline
 * owns both) and redirects not followed. ky is loaded on the first request. A body of bytes (a
 * route's `bytes` body) goes by undici's request API on the same connections instead: fetch holds
 * a streamed request body in memory whole and copies a Uint8Array, and ky clones the request on
 * top (Node 20, 200 MB streamed: about 236 MB held through fetch, 430 MB through ky, 1 MB this
 * way). With a `fetch` of your own, such a body goes to it through ky, as any other.
 */
export function createKyTransport(options: KyTransportOptions = {}): Transport {
  let client: KyInstance | undefined;
  // Node's fetch keeps its idle sockets in the process-wide pool, which nothing of ours may close:
  // on an Agent of our own, close() closes them. It comes from npm undici 7, loaded the way the
  // undici transport loads it (never installing itself process-wide), and goes to Node's own fetch
  // as its `dispatcher`, so that fetch stubs (nock, msw) still see every call. undici 7's Agent
  // takes both the handler shape of Node 20's and 22's built-in fetch (undici 6) and that of
  // Node 24's (undici 7); the transport tests check it (test/close-sockets.test.ts: no socket left).
  checkProxySetting(options.proxy);
  let connections: Connections | undefined;
  let isKyTimeout: (error: unknown) => boolean = () => false;
  const getClient = loadOnce(async (): Promise<KyInstance> => {
    const module = await loadKy();
    isKyTimeout = (error) => error instanceof module.TimeoutError;
    if (!options.fetch) connections ??= createConnections(await loadUndici(), options.proxy, { keepAliveTimeout: 4_000 });
    // Retries and status handling belong to the pipeline: ky's own would retry behind its back.
    // ky passes `dispatcher`, an option fetch knows and Request does not, on to fetch. What is the
    // same on every request lives here: ky merges these defaults into each call's options key by
    // key, copying the options once per key, so every key a call passes costs it (see kyOptions).
    client = module.default.create({
      retry: 0,
      throwHttpErrors: false,
      // A redirect would resend our headers (an API key, say) to wherever it points.
      redirect: 'manual',
      ...(options.fetch ? { fetch: options.fetch } : { dispatcher: connections?.dispatcher }),
    });
    return client;
  });

  return {
    name: 'ky',
    async send(request, sendOptions): Promise<HttpResponse> {
      const ky = client ?? (await getClient());
      if (connections && request.body !== undefined && typeof request.body !== 'string') return sendOn(connections, request, sendOptions);
      // ky's own timeout covers the wait for the headers; this timer cancels a slow body. The
      // caller's signal goes to ky, which aborts both; we add no AbortSignal of our own.
      let reader: ReadableStreamDefaultReader<Uint8Array> | undefined;
      const timer = new AttemptTimer(sendOptions, () => void reader?.cancel().catch(() => undefined), false);
      try {
        const response = await ky(request.url, kyOptions(request, sendOptions));
        const text = hasNoBody(request.method, response.status) ? '' : await readBody(response, sendOptions, (r) => (reader = r));
        // A cancelled read ends like a finished one: only the timer knows the body is cut short.
        if (timer.timedOut) throw new Error('body read timed out');
        const headers = headersFromFetch(response.headers);
        return {
          status: response.status,
          headers,
          data: parseBody(response.status, headers.get('content-type'), text, sendOptions.operationId),
        };
      } catch (error) {
        throw toTransportError(error, sendOptions, {
          timedOut: timer.timedOut,
          isLibraryTimeout: isKyTimeout,
          proxy: connections?.proxyOf(request.url),
        });
      } finally {
        timer.dispose();
      }
    },
    async close(): Promise<void> {
      await connections?.close();
    },
  };
}
