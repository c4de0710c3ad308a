/**
 * The main entry, `@switchboard/webmessaging`: {@link WebMessagingAPI} (Genesys Cloud Web Messaging,
 * WebChat's successor), paging, and the 25 generated route descriptors with their input and model
 * types.
 *
 * It also re-exports everything of {@link @switchboard/core! | @switchboard/core}, {@link @switchboard/middleware!index | @switchboard/middleware}
 * and {@link @switchboard/genesys! | @switchboard/genesys}, so that an integrator needs this one
 * package; those are documented in their own packages.
 * @module
 */
export { WebMessagingAPI, type StartSessionOptions, type WebMessagingAPIOptions } from './webmessaging-api.js';
export { GuestSession, type GuestSessionInfo, type SessionStats } from './guest-session.js';
export type { SessionOptions } from './session-options.js';
export type { SessionAttachment, SessionMessage } from './session-message.js';
export type { AttachmentFile, UploadAttachmentOptions, UploadedAttachment } from './session-attachments.js';
export type { SessionCursor, SessionRecord } from './session-record.js';
export type { SessionSignIn, SignInOptions } from './session-sign-in.js';
export type { SendObserver, SendOutcome, SessionObserver, SessionStreamEvent } from './session-telemetry.js';
export {
  GuestSessionError,
  type GuestSessionFailure,
  type SessionAgentEvent,
  type SessionEvent,
  type SessionMessageEvent,
  type SessionStateEvent,
} from './session-events.js';
export { GUEST_ERROR_CODES, type GuestErrorCode, type GuestErrorCodeInfo, type GuestErrorName } from './guest-error-codes.js';
export type { ReceivedContent, ReceivedMessageEvent } from './guest-frame.js';
/** The guest protocol's models, generated from Genesys' schema (spec/webmessaging-guest-protocol.json). */
export type * as GuestProtocol from './generated/guest-protocol.js';
export type { GuestCallOptions } from './guest-call-options.js';
export { WebMessagingOperations } from './generated/operations.js';
export * from './generated/routes.js';
export type * from './generated/models.js';
export * from '@switchboard/core';
export * from '@switchboard/middleware';
export * from '@switchboard/genesys';
