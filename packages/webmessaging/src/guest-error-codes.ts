/**
 * The error codes of the guest WebSocket protocol: what the server puts in a frame's `code` (an
 * error frame `{ "class": "string", "code": 4011, "body": "<text>" }`) or in a body's `errorCode`
 * (TooManyRequestsErrorMessage 4029, UploadFailureEvent, GenerateUrlError).
 *
 * Source: `spec/webmessaging-guest-protocol.notes.json`, `errorCodes.serverCodes` (Genesys' Kotlin
 * transport, `ErrorCode.mapFrom`, commit ea4509f7), with the meaning the notes' `facts` give where
 * they give one; 409 is the notes' `capturedServerFrames` (a live deployment) and `facts`
 * `readOnlyAfterDisconnect`. The names are the Kotlin transport's. Codes the notes list as the
 * transport's own (1001, 1002, -1009) or as client-side only (6000 and up) are not the server's,
 * and are not here.
 */

/** One server error code: the Kotlin transport's name for it and what it means. */
export interface GuestErrorCodeInfo<Name extends string = string> {
  /** The name Genesys' Kotlin transport gives the code (`MessageTooLong`). */
  readonly name: Name;
  /** What it means, as far as the notes establish it. */
  readonly meaning: string;
}

const info = <const Name extends string>(name: Name, meaning: string): GuestErrorCodeInfo<Name> => ({ name, meaning });

/** The guest protocol's server error codes, by code (notes: `errorCodes.serverCodes`, plus 409 from `capturedServerFrames`). */
export const GUEST_ERROR_CODES = {
  /** 409: ReadOnly. */
  409: info(
    'ReadOnly',
    'The session is read-only (the agent disconnected: Presence Disconnect with metadata readOnly "true"); onMessage is refused ("Session is read-only, no new messages allowed"). Not in the Kotlin list: the notes\' captured frame.',
  ),
  /** 4000: FeatureUnavailable. */
  4000: info('FeatureUnavailable', 'The feature is not enabled for this deployment.'),
  /** 4001: FileTypeInvalid. */
  4001: info('FileTypeInvalid', "The file's type is not one the deployment allows."),
  /** 4002: FileSizeInvalid. */
  4002: info('FileSizeInvalid', "The file is larger than the deployment's limit."),
  /** 4003: FileContentInvalid. */
  4003: info('FileContentInvalid', "The file's content was refused."),
  /** 4004: FileNameInvalid. */
  4004: info('FileNameInvalid', 'The file name is not valid.'),
  /** 4005: FileNameTooLong. */
  4005: info('FileNameTooLong', 'The file name is too long.'),
  /** 4006: SessionHasExpired. */
  4006: info(
    'SessionHasExpired',
    'The session has expired (SessionExpiredEvent maps to it too); the Kotlin transport moves to its error state.',
  ),
  /** 4007: SessionNotFound. */
  4007: info('SessionNotFound', 'No session for this token; the Kotlin transport moves to its error state.'),
  /** 4008: AttachmentHasExpired. */
  4008: info('AttachmentHasExpired', 'The attachment has expired.'),
  /** 4009: AttachmentNotFound. */
  4009: info('AttachmentNotFound', 'No attachment with this id.'),
  /** 4010: AttachmentNotSuccessfullyUploaded. */
  4010: info('AttachmentNotSuccessfullyUploaded', 'The attachment was not uploaded successfully.'),
  /** 4011: MessageTooLong. */
  4011: info('MessageTooLong', 'The message text is too long. The limit is not established (notes: notEstablished).'),
  /** 4013: CustomAttributeSizeTooLarge. */
  4013: info(
    'CustomAttributeSizeTooLarge',
    "The message's custom attributes are larger than the session's maxCustomDataBytes (SessionResponse).",
  ),
  /** 4017: CannotDowngradeToUnauthenticated. */
  4017: info('CannotDowngradeToUnauthenticated', 'An authenticated session cannot be configured again unauthenticated.'),
  /** 4020: MissingParameter. */
  4020: info('MissingParameter', 'The request lacks a parameter it needs.'),
  /** 4029: RequestRateTooHigh. */
  4029: info(
    'RequestRateTooHigh',
    'Over 2 onMessage per session per second: TooManyRequestsErrorMessage (code 429) with retryAfter in seconds; the message was not taken.',
  ),
  /** 5000: UnexpectedError. */
  5000: info('UnexpectedError', 'An unexpected server error (the Kotlin transport maps every code it does not list to UnexpectedError).'),
} as const satisfies Readonly<Record<number, GuestErrorCodeInfo>>;

/** A code of {@link GUEST_ERROR_CODES}. */
export type GuestErrorCode = keyof typeof GUEST_ERROR_CODES;

/** The name of a code of {@link GUEST_ERROR_CODES}: `MessageTooLong`, … */
export type GuestErrorName = (typeof GUEST_ERROR_CODES)[GuestErrorCode]['name'];

/** Whether a number is one of the codes of {@link GUEST_ERROR_CODES} (an own key: nothing inherited matches). */
export function isGuestErrorCode(code: number): code is GuestErrorCode {
  return Number.isInteger(code) && Object.hasOwn(GUEST_ERROR_CODES, code);
}
