/**
 * The main entry, `@switchboard/webchat`: {@link WebChatAPI}, {@link GuestChat}, pagination, regions,
 * and the 19 generated route descriptors with their input and model types.
 *
 * It also re-exports everything of {@link @switchboard/core! | @switchboard/core}, {@link @switchboard/middleware!index | @switchboard/middleware}
 * and {@link @switchboard/genesys! | @switchboard/genesys},
 * so that an integrator needs this one package; those are documented in their own packages.
 * @module
 */
export { WebChatAPI, type WebChatAPIOptions } from './webchat-api.js';
export { GuestChat, type ChatListener, type GuestChatInfo } from './guest-chat.js';
export {
  EventStreamError,
  type ChatConnectionEvent,
  type ChatEvent,
  type ChatMemberChangeEvent,
  type ChatMessageEvent,
  type ChatTypingEvent,
  type EventStreamFailure,
  type EventStreamOptions,
} from './chat-events.js';
export type { StreamEvent } from './stream-telemetry.js';
export type { IgnoredFrameReason } from './chat-frame.js';
export { paginateMembers, paginateMessages } from './pagination.js';
export { WebChatOperations } from './generated/operations.js';
export * from './generated/routes.js';
export type * from './generated/models.js';
// Everything a WebChat integrator needs comes from this one package: the pipeline's types and
// errors, every middleware with its options, and what the Genesys APIs share (regions, OAuth
// token providers, ErrorBody and its helpers). The Redis limiter is `@switchboard/webchat/redis`.
export * from '@switchboard/core';
export * from '@switchboard/middleware';
export * from '@switchboard/genesys';
