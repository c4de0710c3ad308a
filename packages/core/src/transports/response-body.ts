/**
 * How every transport reads a response body: what it asks for (`Accept-Encoding`), how it
 * decompresses, and the byte limit it counts while the body streams in, after decompression.
 * One place, so that the transports agree on every answer.
 */
import { pipeline, type Readable, Transform, type TransformCallback } from 'node:stream';
import * as zlib from 'node:zlib';
import { NetworkError, ResponseTooLargeError } from '../errors.js';
import type { HeaderRecord, TransportOptions } from '../http.js';

/**
 * The default `maxResponseBytes`: 8 MiB. The largest answer of the APIs Switchboard carries is a
 * page of WebChat messages (at most 100 messages of at most 4,000 characters: about 1.3 MB of
 * UTF-8 with the envelope even if every character took 3 bytes); Web Messaging's largest is a
 * deployment configuration, a few hundred KB. 8 MiB is several times either, and small enough that
 * a runaway answer costs a worker a few MiB, not its life.
 */
export const DEFAULT_MAX_RESPONSE_BYTES = 8 * 1024 * 1024;

/**
 * An error answer (status ≥ 300) is read up to this many bytes, or `maxResponseBytes` when it is
 * smaller: Genesys' ErrorBody is well under 1 KiB. A longer one is dropped, not an error of its own,
 * so that the call still fails (and is retried, or not) by its status.
 */
export const ERROR_BODY_LIMIT_BYTES = 64 * 1024;

const hasZstd = typeof (zlib as { createZstdDecompress?: unknown }).createZstdDecompress === 'function';

/**
 * What both transports ask for. gzip, deflate and br everywhere: Node's zlib decodes them for the
 * undici transport, and Node's fetch decodes them for the ky transport. zstd only where both can:
 * zlib has it from Node 22.15, but Node 22's fetch (undici 6) hands zstd bytes over undecoded
 * (seen on 22.23.5), while Node 24's decodes them (seen on 24.22.3). Asking for what we cannot
 * decode would make a server's honest answer unreadable.
 */
export const ACCEPT_ENCODING =
  hasZstd && Number(process.versions.node.split('.')[0]) >= 24 ? 'gzip, deflate, br, zstd' : 'gzip, deflate, br';

/** `headers` with {@link ACCEPT_ENCODING} added, unless the caller chose an `accept-encoding` (header names are lower case). */
export function withAcceptEncoding(headers: HeaderRecord): HeaderRecord {
  if (headers['accept-encoding'] !== undefined) return headers;
  // Not `{ ...headers, 'accept-encoding': … }`: on Node 20 (V8 11.3) a spread that adds a key costs about 0.65 µs, an assign 35 ns.
  const copy = Object.assign({}, headers);
  copy['accept-encoding'] = ACCEPT_ENCODING;
  return copy;
}

/** The most bytes a body of `status` may have, given the call's `maxResponseBytes`. */
export function bodyLimit(status: number, maxResponseBytes: number): number {
  return status >= 300 ? Math.min(maxResponseBytes, ERROR_BODY_LIMIT_BYTES) : maxResponseBytes;
}

/** The buffer an answer of `status` is read into, bounded by the call's `maxResponseBytes`. */
export function bufferFor(status: number, options: TransportOptions): BodyBuffer {
  return new BodyBuffer(bodyLimit(status, options.maxResponseBytes ?? DEFAULT_MAX_RESPONSE_BYTES));
}

/**
 * What an answer whose body went over its buffer's limit amounts to (its connection is closed by
 * then): for a success a ResponseTooLargeError with the call's limit; an error answer comes
 * without its body (the empty text), so that it fails by its status.
 */
export function overflowed(status: number, options: TransportOptions): string {
  if (status >= 300) return '';
  throw new ResponseTooLargeError(status, options.maxResponseBytes ?? DEFAULT_MAX_RESPONSE_BYTES, { operationId: options.operationId });
}

/** Whether a body with no content coding announces, by its Content-Length, more than `limit` bytes: refused before it is read. */
export function announcedOver(contentLength: string | undefined, contentEncoding: string | undefined, limit: number): boolean {
  if (contentLength === undefined || (contentEncoding !== undefined && !/^\s*identity\s*$/i.test(contentEncoding))) return false;
  const length = Number(contentLength);
  return Number.isFinite(length) && length > limit;
}

/** The chunks of a body, kept while their total stays within a limit. */
export class BodyBuffer {
  readonly #chunks: Uint8Array[] = [];
  #bytes = 0;
  readonly limit: number;

  constructor(limit: number) {
    this.limit = limit;
  }

  /** Keeps `chunk`; false, keeping nothing more, once the body would go over the limit. */
  add(chunk: Uint8Array): boolean {
    this.#bytes += chunk.byteLength;
    if (this.#bytes > this.limit) return false;
    this.#chunks.push(chunk);
    return true;
  }

  text(): string {
    return this.#chunks.length === 1 ? Buffer.from(this.#chunks[0]!).toString('utf8') : Buffer.concat(this.#chunks).toString('utf8');
  }
}

/**
 * "deflate" is meant to be zlib-wrapped (RFC 9110 §8.4.1.2), but some servers send raw deflate;
 * fetch tells them apart by the first byte, and so does this decoder.
 */
class DeflateDecoder extends Transform {
  #inner: Transform | undefined;

  override _transform(chunk: Buffer, _encoding: BufferEncoding, done: TransformCallback): void {
    if (!this.#inner) {
      const zlibWrapped = ((chunk[0] ?? 0x08) & 0x0f) === 0x08;
      this.#inner = zlibWrapped ? zlib.createInflate(LENIENT) : zlib.createInflateRaw(LENIENT);
      this.#inner.on('data', (data: Buffer) => this.push(data));
      this.#inner.on('error', (error) => this.destroy(error));
    }
    this.#inner.write(chunk, () => done());
  }

  override _flush(done: TransformCallback): void {
    if (!this.#inner) return done();
    this.#inner.once('end', () => done());
    this.#inner.end();
  }

  override _destroy(error: Error | null, done: (error?: Error | null) => void): void {
    this.#inner?.destroy();
    done(error);
  }
}

/** Lenient like fetch: a body cut short at the end of a compressed stream is not an error. */
const LENIENT = { flush: zlib.constants.Z_SYNC_FLUSH, finishFlush: zlib.constants.Z_SYNC_FLUSH };

/** A decoder for one content coding, as fetch has them; undefined for codings we do not know. */
function decoderFor(coding: string): Transform | undefined {
  switch (coding) {
    case 'gzip':
    case 'x-gzip':
      return zlib.createGunzip(LENIENT);
    case 'deflate':
      return new DeflateDecoder();
    case 'br':
      return zlib.createBrotliDecompress({
        flush: zlib.constants.BROTLI_OPERATION_FLUSH,
        finishFlush: zlib.constants.BROTLI_OPERATION_FLUSH,
      });
    case 'zstd':
      // Only where it is asked for (Node 24): on Node 22 fetch hands zstd over as it came, and so does this, so that both agree.
      return ACCEPT_ENCODING.endsWith('zstd')
        ? (zlib as unknown as { createZstdDecompress(): Transform }).createZstdDecompress()
        : undefined;
    default:
      return undefined;
  }
}

/** The codings of a Content-Encoding header in the order they must be undone (the last applied first), without `identity`. */
export function codingsToUndo(contentEncoding: string | undefined): string[] {
  if (contentEncoding === undefined) return [];
  return contentEncoding
    .split(',')
    .map((coding) => coding.trim().toLowerCase())
    .filter((coding) => coding !== '' && coding !== 'identity')
    .reverse();
}

/**
 * At most this many content codings are undone, as fetch allows: every coding is a decoder a
 * server can make the client run, and thousands of stacked gzips cost minutes of CPU.
 */
export const MAX_CODINGS = 5;

/** A NetworkError for a body with more codings than {@link MAX_CODINGS}: the same on both transports. */
export function tooManyCodings(operationId: string): NetworkError {
  return new NetworkError('ERR_TOO_MANY_CODINGS', { operationId });
}

/** The decoders for `contentEncoding`, in order; none when it has a coding we do not know (fetch then hands the bytes over as they came). */
function decodersFor(codings: readonly string[]): Transform[] {
  const decoders: Transform[] = [];
  for (const coding of codings) {
    const decoder = decoderFor(coding);
    if (!decoder) {
      for (const made of decoders) made.destroy();
      return [];
    }
    decoders.push(decoder);
  }
  return decoders;
}

/**
 * Reads a Node stream body (undici's) into `buffer`, undoing its content codings the way fetch
 * does for the ky transport: whether it fitted. Going over the limit stops reading at once and
 * destroys the body, which closes its connection; a decompression bomb therefore costs at most the
 * limit plus what a decoder makes of one chunk before it sees that it was destroyed. `onDecoding`
 * gets the stream read from, for the attempt's timer to destroy.
 */
export async function readNodeBody(
  body: Readable,
  contentEncoding: string | undefined,
  buffer: BodyBuffer,
  onDecoding: (stream: Readable) => void,
  operationId = '',
): Promise<boolean> {
  const codings = codingsToUndo(contentEncoding);
  if (codings.length > MAX_CODINGS) {
    release(body);
    throw tooManyCodings(operationId);
  }
  const decoders = decodersFor(codings);
  // pipeline() destroys every stage when one fails or the last is destroyed early.
  const source: Readable = decoders.length === 0 ? body : (pipeline([body, ...decoders], () => undefined) as unknown as Readable);
  onDecoding(source);
  try {
    return await collect(source, buffer);
  } finally {
    // Stopped early (over the limit, or an error): nothing more is read, and the connection goes.
    if (!source.readableEnded) release(source);
    if (!body.readableEnded) release(body);
  }
}

/**
 * Reads `source` into `buffer` by its events: whether it fitted (false as soon as a chunk goes
 * over, leaving the rest unread). Not `for await`: its async iterator and end-of-stream watcher
 * cost an answer of one chunk several µs more (the undici transport's profile, Node 20). Fails
 * with the stream's error, or with Node's premature-close error when it closes before its end.
 */
function collect(source: Readable, buffer: BodyBuffer): Promise<boolean> {
  return new Promise((resolve, reject) => {
    const settle = (outcome: boolean | Error): void => {
      source.off('data', onData);
      source.off('end', onEnd);
      source.off('error', settle);
      source.off('close', onClose);
      if (outcome instanceof Error) reject(outcome);
      else resolve(outcome);
    };
    const onData = (chunk: Uint8Array): void => {
      if (!buffer.add(chunk)) {
        source.pause();
        settle(false);
      }
    };
    const onEnd = (): void => settle(true);
    const onClose = (): void => settle(Object.assign(new Error('premature close'), { code: 'ERR_STREAM_PREMATURE_CLOSE' }));
    source.on('data', onData);
    source.on('end', onEnd);
    source.on('error', settle);
    source.on('close', onClose);
  });
}

/**
 * Destroys a body that will not be read on, which closes its connection. undici's body emits an
 * error when destroyed before its end: with nobody listening that would be an uncaught exception,
 * so a listener takes it (it says only that the read was cut short, which the caller knows).
 */
export function release(stream: Readable, reason?: Error): void {
  if (stream.destroyed) return;
  stream.on('error', () => undefined);
  stream.destroy(reason);
}
