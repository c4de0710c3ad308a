/** The default transport: ky on Node's fetch, with ky's own retries and HTTP errors turned off. */
import type * as KyModule from 'ky';
import { hasNoBody, parseBody } from '../body.js';
import { headersFromFetch } from '../headers.js';
import type { HttpResponse, Transport } from '../http.js';
import { AttemptTimer, toTransportError } from './failure.js';

// setTimeout's ceiling: ky rejects anything larger.
const MAX_TIMER_MS = 2_147_483_647;

export interface KyTransportOptions {
  /** The fetch to use (a test double, an instrumented fetch); Node's global fetch by default. */
  readonly fetch?: typeof globalThis.fetch;
}

type KyInstance = KyModule.KyInstance;

// ky builds a Request when it is first imported, which makes Node install its fetch dispatcher
// process-wide; importing @switchboard/core must not do that, so ky loads on the first call.
let kyModule: Promise<typeof KyModule> | undefined;
const loadKy = (): Promise<typeof KyModule> => (kyModule ??= import('ky'));

/** Rejects when the timer fires first; the read itself is left to finish or fail on its own. */
function within<T>(read: Promise<T>, timer: (onFire: () => void) => AttemptTimer): Promise<T> {
  let attempt: AttemptTimer | undefined;
  const timedOut = new Promise<never>((_resolve, reject) => {
    attempt = timer(() => reject(new Error('body read timed out')));
  });
  return Promise.race([read, timedOut]).finally(() => attempt?.dispose());
}

export function createKyTransport(options: KyTransportOptions = {}): Transport {
  let client: KyInstance | undefined;
  let isKyTimeout: (error: unknown) => boolean = () => false;
  let loading: Promise<KyInstance> | undefined;
  const getClient = (): Promise<KyInstance> =>
    (loading ??= loadKy().then((module) => {
      isKyTimeout = (error) => error instanceof module.TimeoutError;
      // Retries and status handling belong to the pipeline: ky's own would retry behind its back.
      client = module.default.create({ retry: 0, throwHttpErrors: false, ...(options.fetch ? { fetch: options.fetch } : {}) });
      return client;
    }));

  return {
    name: 'ky',
    async send(request, sendOptions): Promise<HttpResponse> {
      const ky = client ?? (await getClient());
      const started = performance.now();
      let bodyTimer: AttemptTimer | undefined;
      try {
        // ky's timeout covers the wait for the response headers; the caller's signal, when
        // there is one, also aborts the body read.
        const response = await ky(request.url, {
          method: request.method,
          headers: request.headers,
          body: request.body,
          signal: sendOptions.signal,
          timeout: Number.isFinite(sendOptions.timeout) ? Math.min(Math.max(1, sendOptions.timeout), MAX_TIMER_MS) : false,
        });
        let text = '';
        if (!hasNoBody(request.method, response.status)) {
          // The rest of the attempt's time bounds the body. A timed-out read is abandoned, not
          // cancelled (only an AbortSignal could), so its connection frees up when the server
          // finishes or fetch's own body timeout ends it.
          const left = { ...sendOptions, timeout: sendOptions.timeout - (performance.now() - started) };
          text = await within(response.text(), (onFire) => (bodyTimer = new AttemptTimer(left, onFire, false)));
        }
        const headers = headersFromFetch(response.headers);
        return { status: response.status, headers, data: parseBody(response.status, headers.get('content-type'), text, sendOptions.operationId) };
      } catch (error) {
        throw toTransportError(error, sendOptions, { timedOut: bodyTimer?.timedOut ?? false, isLibraryTimeout: isKyTimeout });
      }
    },
    close: () => Promise.resolve(),
  };
}
