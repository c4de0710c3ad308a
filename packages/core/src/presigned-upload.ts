/** A route for the upload an API hands out as a presigned URL (S3's, say): its bytes PUT to that URL. */
import { type BytesBody, defineRoute, type RouteDescriptor } from './descriptor.js';

/** What a {@link presignedUploadRoute} call takes: the presigned URL, and the bytes. */
export interface PresignedUploadInput {
  /** The presigned URL, as the API gave it (its query is its credential). */
  readonly url: string;
  /** The bytes: a Uint8Array (a Buffer), or a stream of them (read once, never held). */
  readonly body: BytesBody;
}

/**
 * A route that PUTs bytes to a presigned URL: the input's `url` as it is (`absoluteUrl`), a body
 * of bytes whose content type (and, for a stream, length) the call's headers give, and no auth of
 * the client's (the URL carries its own, and the API's credentials must not go to another host).
 * It goes through the client's pipeline like any call: its proxy, tracing, logging, retry policy.
 * Events and spans report it as `PUT /{presignedUrl}`, its full URL through the redaction rule.
 *
 * Idempotent: a PUT of the same bytes to the same presigned URL stores the same object again (S3
 * replaces it), so sending it twice is sending it once, and a retry policy may replay it. A
 * Uint8Array is replayed whole; a stream only while none of it has been read ({@link isReplayable}):
 * once its bytes went out they are gone, and the attempt's outcome stands, unless the transport
 * shows none went (a refused connection reads nothing).
 *
 * @param operationId - the name events, spans, logs and errors give the upload.
 */
export function presignedUploadRoute(operationId: string): RouteDescriptor<PresignedUploadInput, unknown> {
  return defineRoute<PresignedUploadInput, unknown>({
    operationId,
    method: 'PUT',
    path: '/{presignedUrl}',
    absoluteUrl: true,
    pathParams: [],
    queryParams: [],
    body: { required: true, encoding: 'bytes' },
    auth: 'none',
    idempotent: true,
    deprecated: false,
    successStatus: 200,
  });
}
