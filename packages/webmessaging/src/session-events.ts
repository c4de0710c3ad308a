/** What a guest session delivers (`session.events()`, `session.on()`), and how it fails. */
import { SwitchboardError } from '@switchboard/core';
import type { StreamConnectionEvent, StreamFailure } from '@switchboard/genesys';
import { GUEST_ERROR_CODES, type GuestErrorName, isGuestErrorCode } from './guest-error-codes.js';
import type { ReceivedMessageEvent } from './guest-frame.js';
import type { SessionMessage } from './session-message.js';

/** A message of the conversation, delivered once, in order: the guest's own (its echo) or an agent's or bot's. */
export interface SessionMessageEvent {
  /** Always `'message'`. */
  readonly type: 'message';
  /** The message. */
  readonly message: SessionMessage;
  /** True when it was read from the history after a reconnect rather than received live. */
  readonly recovered: boolean;
}

/** Events from the agent's side, as one frame brings them: typing, presence (`Join`, `Disconnect`), a co-browse offer, … */
export interface SessionAgentEvent {
  /** Always `'agent-event'`. */
  readonly type: 'agent-event';
  /** The events, as the protocol gives them (`eventType`: `Typing`, `Presence`, `CoBrowse`, …): at least one. */
  readonly events: readonly ReceivedMessageEvent[];
}

/** What happened to the session itself. */
export interface SessionStateEvent {
  /** Always `'session'`. */
  readonly type: 'session';
  /**
   * `read-only`: the agent disconnected, no more messages can be sent (start a new session with
   * `startNew`); `expired`: the session expired; `cleared`: the conversation was cleared;
   * `closed-elsewhere`: another connection of the same token closed the session; `logged-out`: the
   * authenticated guest logged out.
   */
  readonly state: 'read-only' | 'expired' | 'cleared' | 'closed-elsewhere' | 'logged-out';
}

/** Every event of a guest session, by `type`; `connection` changes carry a reason that never holds the token. */
export type SessionEvent = SessionMessageEvent | SessionAgentEvent | SessionStateEvent | StreamConnectionEvent;

/** Why a session operation failed: the protocol's code (`4011` message too long, `409` read-only, …), the stream's failure, or the session closed. */
export type GuestSessionFailure = 'refused' | 'outage' | 'closed' | 'rejected' | 'unanswered';

/**
 * A guest session's failure: a send the server refused (its protocol `code` and Genesys' name for
 * it), a session that could not be kept (refused, or down for too long), or one that was closed.
 * Its message never holds the token or what was sent.
 */
export class GuestSessionError extends SwitchboardError {
  readonly code = 'E_GUEST_SESSION';

  /**
   * @param failure - what failed: `rejected` (the server refused one request), `unanswered` (a
   *   message sent twice, neither time echoed nor stored: the cause of an OutcomeUnknownError),
   *   `refused` or `outage` (the session), `closed`.
   * @param detail - our own words.
   * @param protocolCode - the protocol's code for a rejected request (`4011`, `409`, …).
   */
  constructor(
    readonly failure: GuestSessionFailure,
    detail: string,
    readonly protocolCode?: number,
  ) {
    super(
      `guest session: ${detail}${protocolCode === undefined ? '' : ` (${protocolCode}${nameOf(protocolCode) ? ` ${nameOf(protocolCode)}` : ''})`}`,
    );
  }

  /** Genesys' name for the protocol code (the Kotlin transport's), when it is one the contract lists. */
  get errorName(): GuestErrorName | undefined {
    return this.protocolCode === undefined ? undefined : nameOf(this.protocolCode);
  }

  protected override details(): Record<string, unknown> {
    return { failure: this.failure, protocolCode: this.protocolCode };
  }
}

function nameOf(code: number): GuestErrorName | undefined {
  return isGuestErrorCode(code) ? GUEST_ERROR_CODES[code].name : undefined;
}

/** The session's failure for a stream that gave up. */
export function streamFailure(failure: StreamFailure, detail: string): GuestSessionError {
  return new GuestSessionError(failure, failure === 'outage' ? `down for too long (${detail})` : `refused (${detail})`);
}
