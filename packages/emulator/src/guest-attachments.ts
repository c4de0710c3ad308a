/**
 * The guest WebSocket's attachments: `onAttachment` (a presigned upload URL the emulator serves,
 * upload-routes.ts), the upload's verdict (UploadSuccessEvent or UploadFailureEvent),
 * `getAttachment`, `deleteAttachment`, and how an attachment shows in a message. The rest of the
 * protocol is guest-actions.ts's.
 */
import { ERROR_CODES, errorFrame, event, type GuestRequest, readOnlyError, response, type ServerFrame } from './guest-frames.js';
import type { GuestSockets } from './guest-socket.js';
import type { Attachment, GuestSession, GuestSessions } from './messaging-sessions.js';
import type { AttachmentRules, WebDeployments } from './web-deployments.js';

/** Longest file name accepted for an upload (the contract is silent; 4005 above; 255 is what file systems take). */
export const MAX_FILE_NAME_CHARACTERS = 255;

/**
 * An attachment id a guest may choose itself (Genesys' Kotlin transport sends its own UUID): it
 * goes into the upload and download URLs' path as it is, so anything else gets an id of the emulator's.
 */
const CLIENT_ATTACHMENT_ID = /^[\w-]{1,64}$/;

type Reply = (frame: ServerFrame) => void;

/** What the attachments need besides their own state. */
export interface GuestAttachmentsDeps {
  readonly sockets: GuestSockets;
  readonly sessions: GuestSessions;
  readonly deployments: WebDeployments;
  readonly now: () => number;
  /** The emulator's http:// origin, for upload and download URLs; known once it listens. */
  readonly origin: () => string;
}

export class GuestAttachments {
  constructor(private readonly deps: GuestAttachmentsDeps) {}

  /** The largest file a session's deployment takes, in bytes (0 when the deployment is gone). */
  maxBytes(session: GuestSession | undefined): number {
    const deployment = session ? this.deps.deployments.deployments.get(session.deploymentId) : undefined;
    return deployment ? this.deps.deployments.attachmentRules(deployment).maxFileSizeKB * 1024 : 0;
  }

  uploadUrl(attachment: Attachment): string {
    return `${this.deps.origin()}/uploads/${attachment.id}?signature=${attachment.signature}`;
  }

  downloadUrl(attachment: Attachment): string {
    return `${this.deps.origin()}/downloads/${attachment.id}?signature=${attachment.signature}`;
  }

  /** An attachment as a message's content shows it. */
  json(attachment: Attachment): Record<string, unknown> {
    return {
      id: attachment.id,
      filename: attachment.fileName,
      mediaType: attachment.fileType.startsWith('image/') ? 'Image' : attachment.fileType.startsWith('video/') ? 'Video' : 'File',
      fileSize: attachment.data?.length ?? 0,
      mime: attachment.fileType,
      url: this.downloadUrl(attachment),
    };
  }

  /** The uploaded attachment a request names, or the error frame that says why there is none (4009, 4010). */
  uploadedOne(session: GuestSession, id: unknown, tracingId?: string): { attachment: Attachment } | { refusal: ServerFrame } {
    const attachment = typeof id === 'string' ? session.attachments.get(id) : undefined;
    if (!attachment || attachment.state === 'deleted')
      return { refusal: errorFrame(ERROR_CODES.attachmentNotFound, 'Attachment not found', tracingId) };
    if (attachment.state !== 'uploaded')
      return { refusal: errorFrame(ERROR_CODES.attachmentNotUploaded, 'Attachment was not successfully uploaded', tracingId) };
    return { attachment };
  }

  /**
   * onAttachment: checks the file against the deployment's rules and answers PresignedUrlResponse
   * with an upload URL the emulator serves (PUT the file there). A file the rules refuse gets
   * GenerateUrlError with the notes' code (4000 attachments off, 4001 type or blocked extension,
   * 4002 size, 4004 no name, 4005 name too long).
   */
  onAttachment(session: GuestSession, request: GuestRequest, reply: Reply): void {
    const { tracingId } = request;
    if (session.state !== 'active') return reply(readOnlyError(tracingId));
    const deployment = this.deps.deployments.deployment(session.deploymentId);
    const rules = this.deps.deployments.attachmentRules(deployment);
    // The field types are checked before (guest-actions.ts): these are strings, and a number if there.
    const fileName = request.fileName as string;
    const fileType = request.fileType as string;
    const fileSize = request.fileSize as number | undefined;
    const wanted = request.attachmentId as string | undefined;
    const refusal = attachmentRefusal(rules, fileName, fileType, fileSize);
    if (refusal) {
      const timestamp = new Date(this.deps.now()).toISOString();
      return reply(
        response(
          'GenerateUrlError',
          {
            attachmentId: wanted,
            errorCode: refusal.code,
            errorMessage: refusal.text,
            name: 'GenerateUrlError',
            message: refusal.text,
            timestamp,
          },
          tracingId,
          ERROR_CODES.badRequest,
        ),
      );
    }
    const id = wanted !== undefined && CLIENT_ATTACHMENT_ID.test(wanted) ? wanted : undefined;
    const attachment = this.deps.sessions.addAttachment(session, { id, fileName, fileType, declaredSize: fileSize });
    reply(
      response(
        'PresignedUrlResponse',
        {
          attachmentId: attachment.id,
          headers: {},
          url: this.uploadUrl(attachment),
          fileName,
          ...(fileSize !== undefined ? { fileSize } : {}),
          fileType,
        },
        tracingId,
      ),
    );
  }

  /**
   * The file arrived at its upload URL: UploadSuccessEvent, or UploadFailureEvent when it breaks
   * the rules (4002 larger than the limit, whether read to the end or cut off there; 4003 empty).
   */
  uploaded(attachment: Attachment, upload: { readonly data: Buffer | undefined; readonly tooLarge: boolean }): void {
    const session = this.deps.sessions.byId(attachment.sessionId);
    if (!session) return;
    const max = this.maxBytes(session);
    const timestamp = new Date(this.deps.now()).toISOString();
    const failure = upload.tooLarge
      ? { code: ERROR_CODES.fileSizeInvalid, text: `The file is larger than ${max / 1024} KB` }
      : !upload.data || upload.data.length === 0
        ? { code: ERROR_CODES.fileContentInvalid, text: 'The file is empty' }
        : undefined;
    if (failure || !upload.data) {
      this.deps.sessions.dropFile(attachment);
      attachment.state = 'failed';
      return this.deps.sockets.publish(
        session.token,
        event('UploadFailureEvent', { attachmentId: attachment.id, errorCode: failure?.code, errorMessage: failure?.text, timestamp }),
      );
    }
    this.deps.sessions.storeFile(attachment, upload.data);
    this.deps.sockets.publish(
      session.token,
      event('UploadSuccessEvent', { attachmentId: attachment.id, downloadUrl: this.downloadUrl(attachment), timestamp }),
    );
  }

  getAttachment(session: GuestSession, request: GuestRequest, reply: Reply): void {
    const found = this.uploadedOne(session, request.attachmentId, request.tracingId);
    if ('refusal' in found) return reply(found.refusal);
    const { attachment } = found;
    reply(
      response('PresignedUrlResponse', { attachmentId: attachment.id, headers: {}, url: this.downloadUrl(attachment) }, request.tracingId),
    );
  }

  deleteAttachment(session: GuestSession, request: GuestRequest, reply: Reply): void {
    const attachment = session.attachments.get(request.attachmentId as string);
    if (!attachment || attachment.state === 'deleted')
      return reply(errorFrame(ERROR_CODES.attachmentNotFound, 'Attachment not found', request.tracingId));
    this.deps.sessions.dropFile(attachment);
    attachment.state = 'deleted';
    // The Kotlin fixture has this answer as type "message".
    reply(event('AttachmentDeletedResponse', { attachmentId: attachment.id }, request.tracingId));
  }
}

/** The deployment's inbound media as SessionResponse and GetConfigurationResponse carry it. */
export function allowedMedia(rules: AttachmentRules): Record<string, unknown> {
  return { inbound: { fileTypes: rules.fileTypes.map((type) => ({ type })), maxFileSizeKB: rules.maxFileSizeKB } };
}

/** Why a file may not be uploaded under these rules, if it may not. */
function attachmentRefusal(
  rules: AttachmentRules,
  fileName: string,
  fileType: string,
  fileSize: number | undefined,
): { code: number; text: string } | undefined {
  if (!rules.enabled) return { code: ERROR_CODES.featureUnavailable, text: 'Attachments are not enabled for this deployment' };
  if (fileName.trim() === '') return { code: ERROR_CODES.fileNameInvalid, text: 'The file name is empty' };
  if ([...fileName].length > MAX_FILE_NAME_CHARACTERS)
    return { code: ERROR_CODES.fileNameTooLong, text: `The file name is longer than ${MAX_FILE_NAME_CHARACTERS} characters` };
  const extension = /\.[^.]+$/.exec(fileName)?.[0]?.toLowerCase();
  if (extension && rules.blockedExtensions.includes(extension))
    return { code: ERROR_CODES.fileTypeInvalid, text: 'This file extension is blocked' };
  const allowed = rules.fileTypes.some(
    (type) => type === fileType || type === '*/*' || (type.endsWith('/*') && fileType.startsWith(type.slice(0, -1))),
  );
  if (!allowed) return { code: ERROR_CODES.fileTypeInvalid, text: 'This file type is not allowed' };
  if (fileSize !== undefined && fileSize < 0) return { code: ERROR_CODES.fileSizeInvalid, text: 'The file size is negative' };
  if (fileSize !== undefined && fileSize > rules.maxFileSizeKB * 1024)
    return { code: ERROR_CODES.fileSizeInvalid, text: `The file is larger than ${rules.maxFileSizeKB} KB` };
  return undefined;
}
