/**
 * The presigned URLs of Web Messaging attachments, served by the emulator itself (Genesys hands
 * out S3 URLs): `PUT /uploads/:attachmentId?signature=…` takes the file, whatever its content
 * type, and `GET /downloads/:attachmentId?signature=…` gives it back. The signature is the only
 * credential, as with a presigned URL. The upload's verdict goes to the guest's sockets
 * (UploadSuccessEvent or UploadFailureEvent), as Genesys' does; the PUT itself answers 200, or
 * 413 for a file over the deployment's limit (read no further than that).
 */
import type { FastifyInstance, FastifyReply } from 'fastify';
import type { Readable } from 'node:stream';
import type { Attachment } from './messaging-sessions.js';
import type { EmulatorParts } from './parts.js';

interface UploadRequest {
  Params: { attachmentId: string };
  Querystring: { signature?: string };
}

/**
 * How much more of a body that is already over its limit the emulator reads (and discards) before
 * it cuts the connection: enough for the client to read the 413 before a reset could discard it,
 * not so much that an endless body keeps the emulator reading.
 */
const LINGER_BYTES = 4 * 1_048_576;

/** Reads and drops what is left of a body, up to {@link LINGER_BYTES}; past that the connection is cut. */
function linger(stream: Readable): void {
  let drained = 0;
  stream.on('data', (chunk: Buffer) => {
    drained += chunk.length;
    if (drained > LINGER_BYTES) stream.destroy();
  });
  stream.on('error', () => {});
  stream.resume();
}

/**
 * Reads a body up to `limit` bytes. One byte more and it stops keeping what it reads, answers
 * `tooLarge`, and lingers (above): no guest can make the emulator hold more than the deployment's
 * limit, nor read without end.
 */
function readBounded(stream: Readable, limit: number): Promise<{ data: Buffer | undefined; tooLarge: boolean }> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size <= limit) return void chunks.push(chunk);
      stream.off('data', onData);
      stream.off('end', onEnd);
      stream.off('error', reject);
      linger(stream);
      resolve({ data: undefined, tooLarge: true });
    };
    const onEnd = () => resolve({ data: size > 0 ? Buffer.concat(chunks) : undefined, tooLarge: false });
    stream.on('data', onData);
    stream.once('end', onEnd);
    stream.once('error', reject);
  });
}

function denied(reply: FastifyReply): FastifyReply {
  // S3's answer to a wrong or expired signature.
  return reply.code(403).header('content-type', 'application/xml').send('<Error><Code>AccessDenied</Code></Error>');
}

function tooLarge(reply: FastifyReply): FastifyReply {
  return reply.code(413).header('content-type', 'application/xml').send('<Error><Code>EntityTooLarge</Code></Error>');
}

/** Adds the upload and download URLs to `app` (in their own context: any content type is a file). */
export function addUploadRoutes(app: FastifyInstance, parts: EmulatorParts): void {
  const attachmentFor = (id: string, signature: string | undefined): Attachment | undefined => {
    const attachment = parts.guestSessions.attachment(id);
    return attachment && attachment.signature === signature ? attachment : undefined;
  };

  void app.register((files, _options, registered) => {
    files.removeAllContentTypeParsers();
    // The raw stream: the handler reads it with its own bound (the deployment's size limit).
    files.addContentTypeParser('*', (_request, payload, done) => done(null, payload));

    files.put<UploadRequest>('/uploads/:attachmentId', async (request, reply) => {
      const attachment = attachmentFor(request.params.attachmentId, request.query.signature);
      if (!attachment || attachment.state === 'deleted') return denied(reply);
      const limit = parts.guestAttachments.maxBytes(parts.guestSessions.byId(attachment.sessionId));
      const body = request.body as Readable | undefined;
      // A declared length over the limit is answered before the body is read.
      const declared = Number(request.headers['content-length'] ?? 0);
      if (declared > limit && body) linger(body);
      const upload =
        declared > limit
          ? { data: undefined, tooLarge: true }
          : body
            ? await readBounded(body, limit)
            : { data: undefined, tooLarge: false };
      parts.guestAttachments.uploaded(attachment, upload);
      // The guest hears of the verdict on its sockets (UploadFailureEvent); the PUT's answer is S3's.
      return upload.tooLarge ? tooLarge(reply) : reply.code(200).send();
    });

    files.get<UploadRequest>('/downloads/:attachmentId', async (request, reply) => {
      const attachment = attachmentFor(request.params.attachmentId, request.query.signature);
      if (attachment?.state !== 'uploaded' || !attachment.data) return denied(reply);
      return reply
        .code(200)
        .header('content-type', attachment.fileType)
        .header('content-disposition', `attachment; filename="${encodeURIComponent(attachment.fileName)}"`)
        .send(attachment.data);
    });
    registered();
  });
}
