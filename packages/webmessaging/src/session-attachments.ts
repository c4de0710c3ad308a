/**
 * A guest session's attachments, over the guest protocol: an upload (onAttachment, the PUT of its
 * bytes to the presigned URL through the client's pipeline, then the server's verdict), a download
 * URL (getAttachment), and a delete (deleteAttachment). What can be checked is checked before
 * anything is sent: the input, and the deployment's rules (getConfiguration, asked once per
 * session). A request whose connection goes before its answer is asked again on the next one (each
 * is safe to repeat: the upload's attachment id is the client's own); an upload whose verdict a
 * drop may have taken, or that is overdue, asks the server how the attachment stands.
 *
 * File names, types, bytes and URLs are the guest's (a presigned URL is a credential): no error
 * message holds any of them.
 */
import { randomUUID } from 'node:crypto';
import {
  AbortError,
  type Client,
  ConfigurationError,
  untilAborted,
  ValidationError,
  type ValidationProblem,
  waitFor,
} from '@switchboard/core';
import { type AttachmentRules, rulesOf, uploadProblems } from './attachment-rules.js';
import { putUpload, sized, type UploadBody } from './attachment-upload.js';
import type { GuestFrame } from './guest-frame.js';
import { deleteAttachmentRequest, getAttachmentRequest, getConfigurationRequest, onAttachmentRequest } from './guest-request.js';
import { GuestSessionError } from './session-events.js';

/** A file to upload: its bytes (a Buffer), or a stream of them (a Node Readable, an async iterable of Uint8Array). */
export type AttachmentFile = Uint8Array | AsyncIterable<Uint8Array>;

/** What `session.uploadAttachment` takes besides the file. */
export interface UploadAttachmentOptions {
  /** The file's name (with its extension: the deployment may block some). Not empty. */
  readonly fileName: string;
  /** Its MIME type (`image/png`): the deployment allows some. */
  readonly fileType: string;
  /**
   * Its size in bytes. Required for a stream: the server is told it first, and the stream must
   * give exactly that many bytes (one more is refused before it is sent). For a Buffer, its length.
   * @default the Buffer's length
   */
  readonly fileSize?: number;
  /**
   * Its MD5 digest, passed on as onAttachment's `fileMd5` (the schema asks for it; Genesys' Kotlin
   * transport leaves it out).
   * @default left out
   */
  readonly fileMd5?: string;
  /**
   * How long the PUT of the bytes may take, in ms: a large file on a slow link needs longer than a
   * REST call.
   * @default the client's `timeout`
   */
  readonly timeout?: number;
  /**
   * Aborts the upload: the PUT stops, a stream is read no further, and the upload rejects with an
   * AbortError.
   * @default none
   */
  readonly signal?: AbortSignal;
}

/** An uploaded attachment: what the server's UploadSuccessEvent says of it. Send it with `sendMessage(text, { attachmentIds })`. */
export interface UploadedAttachment {
  /** Its id: for `sendMessage`'s `attachmentIds`, `attachmentUrl` and `deleteAttachment`. */
  readonly attachmentId: string;
  /** Where it can be downloaded from: a presigned URL (a credential for as long as it lives; `attachmentUrl` gives a new one). */
  readonly downloadUrl: string;
  /** The name it was uploaded under. */
  readonly fileName: string;
  /** Its MIME type. */
  readonly fileType: string;
  /** Its size in bytes. */
  readonly fileSize: number;
  /** When the server took it (ISO 8601), when its word came as UploadSuccessEvent (a session that asked after a drop has none). */
  readonly uploadedAt?: string;
}

/** What the attachments need of their session. */
export interface AttachmentsHost {
  /** The session's token. */
  readonly token: string;
  /** Its deployment. */
  readonly deploymentId: string;
  /** The client whose pipeline carries the PUT; none for a session made without one. */
  readonly client: Pick<Client, 'call'> | undefined;
  /** How long an upload waits for its verdict after the PUT before it asks how the attachment stands. */
  readonly verdictMs: number;
  /** Sends a frame on the open connection; false when none is open (its close follows: {@link SessionAttachments.connectionLost}). */
  send(frame: string): boolean;
  /** Waits until the session is ready, it ends (rejecting with its error), or `signal` aborts. */
  whenReady(signal: AbortSignal | undefined, operationId: string): Promise<void>;
  /** The session's end, once it has ended. */
  ended(): GuestSessionError | undefined;
  /** Whether the session is read-only (no upload is taken then: 409). */
  readOnly(): boolean;
}

/** The guest requests of attachments, and the session's own getConfiguration. */
type Action = 'onAttachment' | 'getAttachment' | 'deleteAttachment' | 'getConfiguration';

/** The connection went before the answer came: the request goes again on the next one. */
const LOST: unique symbol = Symbol('lost');

/** Why an upload's PUT was stopped when the stream closed for good: the session's end, read once it is set. */
const SESSION_ENDED: unique symbol = Symbol('session ended');

/** A request on the socket, waiting for its answer. */
interface Asked {
  readonly action: Action;
  /** The attachment it is about: an answer without a tracingId (as the Kotlin fixtures show some) is matched by it. */
  readonly attachmentId: string | undefined;
  /** The kinds of frame that answer it (an error frame with its tracingId refuses it). */
  readonly answers: readonly GuestFrame['kind'][];
  readonly settle: (outcome: GuestFrame | typeof LOST) => void;
}

type UploadVerdict = Extract<GuestFrame, { kind: 'upload-success' | 'upload-failure' }>;

/** An upload between its PUT and the server's word on it, by attachment id. */
interface Pending {
  /** The server's word, once it came (the first one counts). */
  verdict: UploadVerdict | undefined;
  /** Wakes the upload's wait: a verdict came, or the connection went. */
  wake: ((why: 'verdict' | 'lost') => void) | undefined;
  /** The connection went since the upload last asked: its verdict may have gone with it (even while the PUT was still sending). */
  lost: boolean;
  /** Stops the PUT: a failure verdict came first, or the session ended. */
  readonly stop: AbortController;
}

/** A request the server refused, with its code. */
function refused(action: Action, code: number): GuestSessionError {
  return new GuestSessionError('rejected', `the server refused ${action}`, code);
}

/** One session's attachments: its requests in flight, its uploads awaiting a verdict, its deployment's rules. */
export class SessionAttachments {
  readonly #host: AttachmentsHost;
  readonly #asked = new Map<string, Asked>();
  readonly #pending = new Map<string, Pending>();
  /** The deployment's rules, asked once per session; undefined when the server would not say. */
  #rules: Promise<AttachmentRules | undefined> | undefined;

  constructor(host: AttachmentsHost) {
    this.#host = host;
  }

  /**
   * Uploads a file; resolves at the server's UploadSuccessEvent. Rejects with a ValidationError,
   * before anything is sent, for bad input or a file the deployment's rules refuse (or, as it is
   * read, a stream that breaks its fileSize); a GuestSessionError `rejected` with the protocol's
   * code when the server refuses it (GenerateUrlError, an error frame, UploadFailureEvent, the
   * storage's answer: 4001 type, 4002 size, 4003 content, …); the pipeline's errors for the PUT.
   */
  async upload(file: AttachmentFile, options: UploadAttachmentOptions): Promise<UploadedAttachment> {
    const upload = this.#checked(file, options);
    const client = this.#host.client;
    if (!client)
      throw new ConfigurationError('uploadAttachment needs the client the session was started by (WebMessagingAPI.startSession)', {
        operationId: 'onAttachment',
      });
    this.#assertOpen(true);
    const { signal } = options;
    if (signal?.aborted) throw new AbortError(signal.reason, { operationId: 'onAttachment' });
    const rules = await untilAborted(this.#rulesOnce(), signal, 'onAttachment');
    const problems = rules ? uploadProblems(rules, upload) : [];
    if (problems.length > 0) throw new ValidationError(problems, { operationId: 'onAttachment' });
    // The Kotlin transport's way: the client names the attachment, so a request asked again after a drop is the same upload.
    const wanted = randomUUID();
    const presigned = await this.#ask(
      'onAttachment',
      (tracingId) =>
        onAttachmentRequest({
          token: this.#host.token,
          tracingId,
          attachmentId: wanted,
          fileName: upload.fileName,
          fileType: upload.fileType,
          fileSize: upload.fileSize,
          ...(options.fileMd5 !== undefined ? { fileMd5: options.fileMd5 } : {}),
          // As the Kotlin transport asks: a refusal as GenerateUrlError, with its attachment id and code.
          errorsAsJson: true,
        }),
      ['presigned-url', 'generate-url-error'],
      wanted,
      signal,
    );
    if (presigned.kind === 'generate-url-error') throw refused('onAttachment', presigned.body.errorCode);
    if (presigned.kind !== 'presigned-url') throw new GuestSessionError('rejected', 'onAttachment was not answered with an upload URL');
    const { attachmentId, url, headers } = presigned.body;
    const outcome = await this.#uploaded(attachmentId, { url, headers }, upload, options);
    return { attachmentId, ...outcome, fileName: upload.fileName, fileType: upload.fileType, fileSize: upload.fileSize };
  }

  /** A download URL for an attachment (getAttachment); rejects with the server's code (4009 not found, 4010 not uploaded). */
  async downloadUrl(attachmentId: string, signal: AbortSignal | undefined): Promise<string> {
    getAttachmentRequest({ token: this.#host.token, tracingId: 'check', attachmentId });
    this.#assertOpen(false);
    const frame = await this.#ask(
      'getAttachment',
      (tracingId) => getAttachmentRequest({ token: this.#host.token, tracingId, attachmentId }),
      ['presigned-url', 'generate-url-error'],
      attachmentId,
      signal,
    );
    if (frame.kind === 'generate-url-error') throw refused('getAttachment', frame.body.errorCode);
    if (frame.kind !== 'presigned-url') throw new GuestSessionError('rejected', 'getAttachment was not answered with a URL');
    return frame.body.url;
  }

  /** Deletes an attachment the guest uploaded; resolves at AttachmentDeletedResponse, rejects with the server's code (4009 not found). */
  async delete(attachmentId: string, signal: AbortSignal | undefined): Promise<void> {
    deleteAttachmentRequest({ token: this.#host.token, tracingId: 'check', attachmentId });
    this.#assertOpen(false);
    await this.#ask(
      'deleteAttachment',
      (tracingId) => deleteAttachmentRequest({ token: this.#host.token, tracingId, attachmentId }),
      ['attachment-deleted'],
      attachmentId,
      signal,
    );
  }

  /**
   * A frame for the attachments: an answer to one of their requests (by tracingId, else by
   * attachment id), or an upload's verdict (by attachment id). Whether it was theirs; a frame
   * that is not (an upload of another device of the token, say) is left to the session.
   */
  read(frame: GuestFrame): boolean {
    if (frame.kind === 'upload-success' || frame.kind === 'upload-failure') {
      const pending = this.#pending.get(frame.body.attachmentId);
      if (!pending) return false;
      if (pending.verdict) return true;
      pending.verdict = frame;
      // The server has said no: the rest of the PUT would go for nothing.
      if (frame.kind === 'upload-failure') pending.stop.abort(refused('onAttachment', frame.body.errorCode));
      pending.wake?.('verdict');
      return true;
    }
    const found = this.#answered(frame);
    if (!found) return false;
    this.#asked.delete(found.tracingId);
    found.asked.settle(frame);
    return true;
  }

  /**
   * The connection went: requests waiting for an answer go again on the next connection (or
   * reject with the session's end), and uploads waiting for a verdict ask how they stand. When the
   * stream `closed` for good, uploads still sending stop too: with the session's end as their
   * error, which may be set only after this (a close ends the stream first).
   */
  connectionLost(closed: boolean): void {
    for (const [tracingId, asked] of [...this.#asked]) {
      this.#asked.delete(tracingId);
      asked.settle(LOST);
    }
    for (const pending of this.#pending.values()) {
      if (closed) pending.stop.abort(SESSION_ENDED);
      pending.lost = true;
      pending.wake?.('lost');
    }
  }

  /**
   * The request `frame` answers: by its tracingId, or, without one (as some Kotlin fixtures show
   * answers), the request waiting for its kind about the attachment it names (or about none: the
   * session's one getConfiguration).
   */
  #answered(frame: GuestFrame): { tracingId: string; asked: Asked } | undefined {
    if (frame.kind === 'ignored') return undefined;
    const answers = (asked: Asked) => asked.answers.includes(frame.kind) || frame.kind === 'error';
    if (frame.tracingId !== undefined) {
      const asked = this.#asked.get(frame.tracingId);
      return asked && answers(asked) ? { tracingId: frame.tracingId, asked } : undefined;
    }
    // An error frame without a tracingId says nothing of whose request it refuses.
    if (frame.kind === 'error') return undefined;
    const attachmentId = 'attachmentId' in frame.body ? frame.body.attachmentId : undefined;
    for (const [tracingId, asked] of this.#asked)
      if (asked.answers.includes(frame.kind) && asked.attachmentId === attachmentId) return { tracingId, asked };
    return undefined;
  }

  /**
   * Sends a request once the session is ready and waits for its answer; asks again on the next
   * connection when this one goes first. An error frame rejects it with its code.
   */
  async #ask(
    action: Action,
    frameFor: (tracingId: string) => string,
    answers: readonly GuestFrame['kind'][],
    attachmentId: string | undefined,
    signal: AbortSignal | undefined,
  ): Promise<GuestFrame> {
    for (;;) {
      await this.#host.whenReady(signal, action);
      // Ready, and then closed at once (by the caller, say): nothing would answer.
      this.#assertOpen(false);
      const tracingId = randomUUID();
      const frame = frameFor(tracingId);
      const answer = await waitFor<GuestFrame | typeof LOST>(
        (settle) => {
          this.#asked.set(tracingId, { action, attachmentId, answers, settle });
          // False: the connection is going, and its close settles this as LOST (connectionLost).
          this.#host.send(frame);
          return () => this.#asked.delete(tracingId);
        },
        signal,
        action,
      );
      if (answer === LOST) continue;
      if (answer.kind === 'error') throw refused(action, answer.code);
      return answer;
    }
  }

  /** The deployment's rules, asked once per session (shared by the uploads that wait for them); undefined when the server would not say. */
  #rulesOnce(): Promise<AttachmentRules | undefined> {
    this.#rules ??= this.#ask(
      'getConfiguration',
      (tracingId) => getConfigurationRequest({ token: this.#host.token, tracingId, deploymentId: this.#host.deploymentId }),
      ['configuration'],
      undefined,
      undefined,
    ).then(
      (frame) => (frame.kind === 'configuration' ? rulesOf(frame.body) : undefined),
      (error: unknown) => {
        // A refusal is the server's answer (it is then the only judge); the session's end is no answer, and is asked again.
        if (!(error instanceof GuestSessionError && error.failure === 'rejected')) this.#rules = undefined;
        if (this.#host.ended()) throw error;
        return undefined;
      },
    );
    return this.#rules;
  }

  /**
   * The upload of a file the server gave a URL for: its PUT, then the server's verdict, waited for
   * from before the PUT (it may come before the PUT's own answer). A failure verdict stops a PUT
   * still sending. Once the PUT is through, a drop or `verdictMs` without a word has the session
   * ask how the attachment stands (getAttachment).
   */
  async #uploaded(
    attachmentId: string,
    target: { readonly url: string; readonly headers: Readonly<Record<string, string>> },
    upload: UploadBody & { readonly fileName: string },
    options: UploadAttachmentOptions,
  ): Promise<{ downloadUrl: string; uploadedAt?: string }> {
    const pending: Pending = { verdict: undefined, wake: undefined, lost: false, stop: new AbortController() };
    this.#pending.set(attachmentId, pending);
    const { signal } = options;
    const stopped = signal ? AbortSignal.any([signal, pending.stop.signal]) : pending.stop.signal;
    try {
      try {
        await putUpload(this.#host.client as Pick<Client, 'call'>, target, upload, {
          signal: stopped,
          ...(options.timeout !== undefined ? { timeout: options.timeout } : {}),
        });
      } catch (error) {
        // Stopped by the server's refusal or the session's end: that is why, not the abort.
        if (pending.stop.signal.aborted && !signal?.aborted) throw this.#stopReason(pending.stop.signal.reason);
        throw error;
      }
      return await this.#verdict(attachmentId, pending, signal);
    } finally {
      this.#pending.delete(attachmentId);
    }
  }

  /** Why an upload was stopped: the server's refusal, or the session's end. */
  #stopReason(reason: unknown): unknown {
    return reason === SESSION_ENDED ? (this.#host.ended() ?? new GuestSessionError('closed', 'the session was closed')) : reason;
  }

  /** The server's word on an upload whose PUT went through: its verdict, or what getAttachment says after a drop or `verdictMs`. */
  async #verdict(
    attachmentId: string,
    pending: Pending,
    signal: AbortSignal | undefined,
  ): Promise<{ downloadUrl: string; uploadedAt?: string }> {
    const overdueAt = Date.now() + this.#host.verdictMs;
    for (;;) {
      if (!pending.verdict) {
        // Ended after the PUT went through (a close stops a PUT still sending; this one was not): no word will come.
        const ended = this.#host.ended();
        if (ended) throw ended;
        if (pending.stop.signal.aborted) throw this.#stopReason(pending.stop.signal.reason);
      }
      const why = pending.verdict
        ? 'verdict'
        : pending.lost
          ? 'lost'
          : await waitFor<'verdict' | 'lost' | 'overdue'>(
              (settle) => {
                pending.wake = settle;
                const timer = setTimeout(() => settle('overdue'), Math.max(0, overdueAt - Date.now()));
                return () => {
                  pending.wake = undefined;
                  clearTimeout(timer);
                };
              },
              signal,
              'onAttachment',
            );
      pending.lost = false;
      const { verdict } = pending;
      if (verdict?.kind === 'upload-success') return { downloadUrl: verdict.body.downloadUrl, uploadedAt: verdict.body.timestamp };
      if (verdict?.kind === 'upload-failure') throw refused('onAttachment', verdict.body.errorCode);
      const end = this.#host.ended();
      if (end) throw end;
      // No word yet: the server says whether the attachment is there (4010: not uploaded, so far).
      try {
        return { downloadUrl: await this.downloadUrl(attachmentId, signal) };
      } catch (error) {
        // A verdict that came meanwhile decides. Not uploaded (4010) after a drop may be an upload
        // still being processed: its verdict can still come, until it is overdue; then 4010 stands.
        const notYet = error instanceof GuestSessionError && error.protocolCode === NOT_UPLOADED;
        if (pending.verdict || (notYet && why === 'lost')) continue;
        throw error;
      }
    }
  }

  /** Checks the input (a ValidationError lists every problem, naming no value) and gives the body to send. */
  #checked(file: AttachmentFile, options: UploadAttachmentOptions): UploadBody & { readonly fileName: string } {
    const problems: ValidationProblem[] = [];
    const stream = !(file instanceof Uint8Array);
    if (stream && !(typeof file === 'object' && file !== null && Symbol.asyncIterator in file))
      problems.push({ pointer: '/file', message: 'must be a Uint8Array (a Buffer) or an AsyncIterable of Uint8Array (a Readable)' });
    const { fileName, fileType, fileSize, timeout } = options;
    if (typeof fileName !== 'string' || fileName.trim() === '')
      problems.push({ pointer: '/fileName', message: 'must be a non-empty string' });
    if (typeof fileType !== 'string' || !/^[^\s/;]+\/[^\s/;]+/.test(fileType))
      problems.push({ pointer: '/fileType', message: 'must be a MIME type (type/subtype)' });
    const size = stream ? fileSize : file.byteLength;
    if (stream && fileSize === undefined) problems.push({ pointer: '/fileSize', message: 'is required for a stream' });
    else if (!Number.isSafeInteger(fileSize ?? size) || (fileSize ?? 0) < 0)
      problems.push({ pointer: '/fileSize', message: 'must be a whole number of bytes' });
    else if (!stream && fileSize !== undefined && fileSize !== size)
      problems.push({ pointer: '/fileSize', message: "must be the Buffer's length, when given" });
    if (timeout !== undefined && !(timeout >= 0))
      problems.push({ pointer: '/timeout', message: 'must be a non-negative number of milliseconds' });
    if (problems.length > 0) throw new ValidationError(problems, { operationId: 'onAttachment' });
    const bytes = fileSize ?? size ?? 0;
    // The frame's own checks too (the same fields, and fileMd5), before anything is sent.
    onAttachmentRequest({ token: this.#host.token, tracingId: 'check', fileName, fileType, fileSize: bytes, fileMd5: options.fileMd5 });
    return {
      body: stream ? sized(file, bytes) : file,
      fileName,
      fileType,
      fileSize: bytes,
    };
  }

  /** Refuses a request of a session that has ended, and an upload to a read-only one (409, as the server would). */
  #assertOpen(upload: boolean): void {
    const end = this.#host.ended();
    if (end) throw end;
    if (upload && this.#host.readOnly()) throw new GuestSessionError('rejected', 'the session is read-only', 409);
  }
}

/** The protocol's code for an attachment not (yet) uploaded successfully: 4010 AttachmentNotSuccessfullyUploaded. */
const NOT_UPLOADED = 4010;
