/**
 * The presigned URLs of Web Messaging attachments, served by the emulator itself (Genesys hands
 * out S3 URLs): `PUT /uploads/:attachmentId?signature=…` takes the file, whatever its content
 * type, and `GET /downloads/:attachmentId?signature=…` gives it back. The signature is the only
 * credential, as with a presigned URL. The upload's verdict goes to the guest's sockets
 * (UploadSuccessEvent or UploadFailureEvent), as Genesys' does; the PUT itself answers 200.
 */
import type { FastifyInstance, FastifyReply } from 'fastify';
import type { Readable } from 'node:stream';
import type { Attachment } from './messaging-sessions.js';
import type { EmulatorParts } from './parts.js';

interface UploadRequest {
  Params: { attachmentId: string };
  Querystring: { signature?: string };
}

/** Reads a body up to `limit` bytes, draining (not keeping) the rest: no guest can make the emulator hold more. */
async function readBounded(stream: Readable, limit: number): Promise<{ data: Buffer | undefined; size: number }> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of stream) {
    const buffer = chunk as Buffer;
    size += buffer.length;
    if (size <= limit) chunks.push(buffer);
  }
  return { data: size <= limit && size > 0 ? Buffer.concat(chunks) : undefined, size };
}

function denied(reply: FastifyReply): FastifyReply {
  // S3's answer to a wrong or expired signature.
  return reply.code(403).header('content-type', 'application/xml').send('<Error><Code>AccessDenied</Code></Error>');
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
      const session = parts.guestSessions.byId(attachment.sessionId);
      const deployment = session ? parts.webDeployments.deployments.get(session.deploymentId) : undefined;
      const limit = deployment ? parts.webDeployments.attachmentRules(deployment).maxFileSizeKB * 1024 : 0;
      const body = request.body as Readable | undefined;
      const { data, size } = body ? await readBounded(body, limit) : { data: undefined, size: 0 };
      parts.guestActions.uploaded(attachment, data, size);
      return reply.code(200).send();
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
