/**
 * The PUT of an attachment's bytes to the presigned URL of its PresignedUrlResponse, through the
 * client's pipeline (its proxy, tracing, logging, retry policy), with exactly the headers the
 * response gave. A Buffer goes as it is; a stream is passed through as it is read, never held,
 * and checked against the size declared to the server: the PUT fails rather than send a byte more,
 * or end with fewer. The URL is a credential: it goes to the call alone, never into an error
 * (the client's redaction hides its signature in events and spans).
 */
import { type BytesBody, type CallOptions, type Client, HttpError, presignedUploadRoute, ValidationError } from '@switchboard/core';
import { GuestSessionError } from './session-events.js';

/** The upload, as a route: `PUT` of the bytes to the presigned URL (core's presigned-upload route: idempotent, replayed only while unread). */
export const putPresignedUpload = presignedUploadRoute('putWebmessagingAttachmentUpload');

/** The operation the errors of an upload name. */
const OPERATION = 'onAttachment';

/**
 * A stream's chunks as they come, counted against `fileSize`: a chunk that would go past it is
 * refused before it is passed on (nothing beyond the declared size is sent), and a stream that
 * ends short of it is refused at its end (the request fails instead of storing less). Stopping it
 * (an abort, the attempt's end) or a refusal stops the source at once, even while it is waited on
 * for a chunk (a Readable is destroyed): an iterator of its own for that, since an async
 * generator's return waits for the chunk it awaits, which a stalled source never gives.
 */
export function sized(source: AsyncIterable<unknown>, fileSize: number): AsyncIterable<Uint8Array> {
  return {
    [Symbol.asyncIterator](): AsyncIterator<Uint8Array> {
      const chunks = source[Symbol.asyncIterator]();
      let bytes = 0;
      let stopped = false;
      const stop = async (): Promise<IteratorReturnResult<undefined>> => {
        if (!stopped) {
          stopped = true;
          // A Readable's own iterator is a generator too (its return waits for the chunk it awaits): destroyed, it stops at once.
          const readable = source as { destroy?: unknown };
          if (typeof readable.destroy === 'function') (readable as { destroy: () => void }).destroy();
          await chunks.return?.();
        }
        return { done: true, value: undefined };
      };
      const refuse = async (message: string): Promise<never> => {
        await stop().catch(() => undefined);
        throw new ValidationError([{ pointer: '/file', message }], { operationId: OPERATION });
      };
      return {
        next: async (): Promise<IteratorResult<Uint8Array>> => {
          if (stopped) return { done: true, value: undefined };
          const step = await chunks.next();
          if (step.done === true) {
            stopped = true;
            return bytes < fileSize ? refuse(`has fewer bytes than its fileSize (${fileSize})`) : { done: true, value: undefined };
          }
          const chunk = step.value;
          if (!(chunk instanceof Uint8Array)) return refuse('must give its bytes as Uint8Array chunks (Buffers)');
          bytes += chunk.byteLength;
          if (bytes > fileSize) return refuse(`has more bytes than its fileSize (${fileSize})`);
          return { done: false, value: chunk };
        },
        return: stop,
      };
    },
  };
}

/** Where and how to PUT one upload. */
export interface UploadTarget {
  /** The presigned URL. */
  readonly url: string;
  /** The headers the PresignedUrlResponse gave: sent exactly as they are. */
  readonly headers: Readonly<Record<string, string>>;
}

/** What goes up: the bytes (a stream already {@link sized}) and what the server was told of them. */
export interface UploadBody {
  readonly body: BytesBody;
  readonly fileType: string;
  readonly fileSize: number;
}

/**
 * The headers of the PUT: the presigned response's, exactly; a content type (the file's, as
 * Genesys' Kotlin transport sets it) and, for a stream, its length, where they give none. A
 * presigned URL signs the headers it was made with: a header of its own is never replaced.
 */
function headersOf(target: UploadTarget, upload: UploadBody): Record<string, string> {
  const given = new Set(Object.keys(target.headers).map((name) => name.toLowerCase()));
  const headers: Record<string, string> = {};
  if (!given.has('content-type')) headers['content-type'] = upload.fileType;
  // A Uint8Array's length the transport sets itself; a stream's is what was declared (S3 takes no chunked PUT).
  if (!(upload.body instanceof Uint8Array) && !given.has('content-length')) headers['content-length'] = String(upload.fileSize);
  return { ...headers, ...target.headers };
}

/**
 * PUTs `upload` to `target` through `client`; resolves once the storage took it (2xx). A refusal
 * (its status) is a GuestSessionError `rejected`: 413 is the protocol's 4002 (FileSizeInvalid),
 * others have no protocol code. Network failures, timeouts, an abort and a stream that breaks
 * its size are the pipeline's own typed errors, as they come.
 */
export async function putUpload(
  client: Pick<Client, 'call'>,
  target: UploadTarget,
  upload: UploadBody,
  options: Pick<CallOptions, 'signal' | 'timeout'>,
): Promise<void> {
  try {
    await client.call(putPresignedUpload, { url: target.url, body: upload.body }, { ...options, headers: headersOf(target, upload) });
  } catch (error) {
    // The storage's answer is an XML document that may restate the request: neither it nor the URL goes on.
    if (error instanceof HttpError)
      throw new GuestSessionError(
        'rejected',
        `the storage refused the upload (HTTP ${error.status})`,
        error.status === 413 ? FILE_SIZE_INVALID : undefined,
      );
    throw error;
  }
}

/** The protocol's code for a file over the deployment's limit (4002 FileSizeInvalid): what the storage's 413 means. */
const FILE_SIZE_INVALID = 4002;
