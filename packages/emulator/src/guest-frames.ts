/**
 * The guest WebSocket's server frames: every one is `{ type, class, code, body }` (plus the
 * request's `tracingId` when it answers one), shaped like the real frames recorded in
 * `spec/webmessaging-guest-protocol.notes.json` (serverFrames, capturedServerFrames). Errors are
 * `class: "string"` with the error code as `code` and a text as `body`.
 */

/** A server frame, as Genesys' schema names it (BaseMessage). */
export interface ServerFrame {
  readonly type: 'message' | 'response';
  readonly class: string;
  readonly code: number;
  readonly body: unknown;
  readonly tracingId?: string;
}

/** An answer to a request (`type: "response"`), carrying its tracingId. */
export function response(cls: string, body: unknown, tracingId?: string, code = 200): ServerFrame {
  return { type: 'response', class: cls, code, body, ...(tracingId !== undefined ? { tracingId } : {}) };
}

/** Something that happened (`type: "message"`): messages, uploads, closed connections. */
export function event(cls: string, body: unknown, tracingId?: string): ServerFrame {
  return { type: 'message', class: cls, code: 200, body, ...(tracingId !== undefined ? { tracingId } : {}) };
}

/** A guest's request once its envelope is checked: an action of the schema, a token, and a tracingId that is a string if anything. */
export type GuestRequest = Record<string, unknown> & { readonly action: string; readonly token: string; readonly tracingId?: string };

/** A JSON object (not null, not an array). */
export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The error codes the emulator answers with (the notes' errorCodes.serverCodes, plus 400/409 seen from the platform). */
export const ERROR_CODES = {
  badRequest: 400,
  readOnly: 409,
  featureUnavailable: 4000,
  fileTypeInvalid: 4001,
  fileSizeInvalid: 4002,
  fileNameInvalid: 4004,
  fileContentInvalid: 4003,
  fileNameTooLong: 4005,
  sessionExpired: 4006,
  sessionNotFound: 4007,
  attachmentNotFound: 4009,
  attachmentNotUploaded: 4010,
  messageTooLong: 4011,
  customAttributesTooLarge: 4013,
  missingParameter: 4020,
  unexpected: 5000,
} as const;

/** An error answer: `{ type: "response", class: "string", code, body: text }`. The text never repeats what the guest sent. */
export function errorFrame(code: number, text: string, tracingId?: string): ServerFrame {
  return response('string', text, tracingId, code);
}

/** What a read-only (or closed) session answers to what would add to it: the frame the notes captured from a live deployment. */
export function readOnlyError(tracingId?: string): ServerFrame {
  return errorFrame(ERROR_CODES.readOnly, 'Session is read-only, no new messages allowed', tracingId);
}

/** The 2-per-second answer: TooManyRequestsErrorMessage, code 429, `errorCode` 4029 and `retryAfter` in seconds. */
export function tooManyRequests(retryAfter: number, tracingId?: string): ServerFrame {
  const text = 'Message rate too high for this session';
  // The Kotlin transport's fixture has retryAfter, errorCode and errorMessage; Genesys' schema
  // also requires name and message. Sources disagree, so the frame carries all five.
  return response(
    'TooManyRequestsErrorMessage',
    { retryAfter, errorCode: 4029, errorMessage: text, name: 'TooManyRequestsError', message: text },
    tracingId,
    429,
  );
}
