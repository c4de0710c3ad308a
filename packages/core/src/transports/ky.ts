/** The default transport: ky on Node's fetch, with ky's own retries and HTTP errors turned off. */
import type * as KyModule from 'ky';
import { hasNoBody, parseBody } from '../body.js';
import type { HeaderRecord, HttpResponse, Transport } from '../http.js';
import { AttemptSignal, toTransportError } from './failure.js';

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
      // ky's timeout stops at the response headers; ours also bounds the body read.
      const attempt = new AttemptSignal(sendOptions);
      try {
        const response = await ky(request.url, {
          method: request.method,
          headers: request.headers,
          body: request.body,
          signal: attempt.signal,
          timeout: Number.isFinite(sendOptions.timeout) ? Math.min(Math.max(1, sendOptions.timeout), MAX_TIMER_MS) : false,
        });
        const text = hasNoBody(request.method, response.status) ? '' : await response.text();
        const headers: HeaderRecord = {};
        response.headers.forEach((value, name) => {
          headers[name] = value;
        });
        return { status: response.status, headers, data: parseBody(response.status, headers['content-type'], text, sendOptions.operationId) };
      } catch (error) {
        throw toTransportError(error, sendOptions, { timedOut: attempt.timedOut, isLibraryTimeout: isKyTimeout });
      } finally {
        attempt.dispose();
      }
    },
    close: () => Promise.resolve(),
  };
}
