/**
 * A `bytes` body given as an async iterable, as the transport gets it: read once, as it is sent,
 * and no longer than its attempt lasts. Nothing of it is kept (an upload of any size costs the
 * memory of the chunk on the way), so once any of it has been read it cannot be sent again: a
 * retry then lets the attempt's outcome stand ({@link isReplayable}).
 */
import type { HttpRequest, RequestBody } from './http.js';

/** An iterator whose first step fails with `error`: what a transport meets reading a body it may not read. */
function failing(error: unknown): AsyncIterator<Uint8Array> {
  // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors
  return { next: () => Promise.reject(error) };
}

/** A streamed request body: the source's chunks, passed through, once. */
export class StreamedBody implements AsyncIterable<Uint8Array> {
  readonly #source: AsyncIterable<Uint8Array>;
  #iterator: AsyncIterator<Uint8Array> | undefined;
  /** `unread`, `reading`, `done` (read to its end), or `ended` (its attempt ended while it was read). */
  #state: 'unread' | 'reading' | 'done' | 'ended' = 'unread';

  constructor(source: AsyncIterable<Uint8Array>) {
    this.#source = source;
  }

  /** Whether its attempt ended while it was read (a getter: the state changes across an await). */
  get #ended(): boolean {
    return this.#state === 'ended';
  }

  /** Whether any of it has been asked for: from then on it cannot be sent again. */
  get read(): boolean {
    return this.#state !== 'unread';
  }

  [Symbol.asyncIterator](): AsyncIterator<Uint8Array> {
    // A second reader would get what the first left: a body cut short, sent as if whole.
    if (this.#state !== 'unread') return failing(new Error('a streamed body can be read once'));
    this.#state = 'reading';
    let iterator: AsyncIterator<Uint8Array>;
    try {
      iterator = this.#source[Symbol.asyncIterator]();
    } catch (error) {
      return failing(error);
    }
    this.#iterator = iterator;
    return {
      next: async () => {
        if (this.#ended) throw new Error('the attempt ended');
        const step = await iterator.next();
        // A chunk that comes after the attempt ended goes nowhere: the request is failing already.
        if (this.#ended) throw new Error('the attempt ended');
        if (step.done === true) this.#state = 'done';
        return step;
      },
      return: () => {
        this.end();
        return Promise.resolve({ done: true, value: undefined });
      },
    };
  }

  /**
   * Its attempt is over: nothing more is read, and a source still being read is told to stop (a
   * Readable is destroyed). Some transports go on pulling a body after its request was aborted
   * (Node 20's fetch does): this is what stops them. A body never read is left as it is, for a retry.
   */
  end(): void {
    if (this.#state !== 'reading') return;
    this.#state = 'ended';
    const iterator = this.#iterator;
    this.#iterator = undefined;
    try {
      // An async generator's return() (a Readable's iterator is one) waits for the chunk it is
      // awaiting, which a stalled source never gives: a source that can be destroyed is, at once.
      const source = this.#source as { destroy?: unknown };
      if (typeof source.destroy === 'function') (source as { destroy: () => void }).destroy();
      // Its own failure to stop is not the call's: the attempt has its outcome.
      void iterator?.return?.()?.catch(() => undefined);
    } catch {
      // As above: a source whose return() throws is stopped as far as it can be.
    }
  }
}

/** Ends a streamed body's reading once its attempt is over (see {@link StreamedBody.end}); other bodies need nothing. */
export function endBody(body: RequestBody | undefined): void {
  if (body instanceof StreamedBody) body.end();
}

/**
 * Whether a request can be sent again as it is: true unless its body is streamed and has been
 * read (what a retry would send is whatever the first attempt left of it). Retry middleware ask
 * before replaying; an async iterable that is not the client's own streamed body (a middleware
 * put it there) cannot be told, and counts as read.
 */
export function isReplayable(request: Pick<HttpRequest, 'body'>): boolean {
  const { body } = request;
  if (body === undefined || typeof body === 'string' || body instanceof Uint8Array) return true;
  return body instanceof StreamedBody && !body.read;
}
