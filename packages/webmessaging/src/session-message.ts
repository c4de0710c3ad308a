/**
 * A guest session's messages in one shape, whether they came over the socket (a StructuredMessage
 * frame) or from the history (`GET /api/v2/webmessaging/messages`): the session delivers both, once
 * each by id, in the conversation's order by `time`.
 */
import type { ReceivedContent, ReceivedMessageEvent, ReceivedStructuredMessage } from './guest-frame.js';
import type { WebMessagingMessage } from './generated/models.js';

/** One message of a guest session: the guest's own (`Inbound`), or an agent's or bot's (`Outbound`). */
export interface SessionMessage {
  /** Its id, the same over the socket and in the history. */
  readonly id: string;
  /** `Inbound`: sent by the guest (from this process or another device of the same token); `Outbound`: by an agent or a bot. */
  readonly direction: 'Inbound' | 'Outbound';
  /** `Text`, `Structured` (quick replies, cards, buttons, attachments), `Event`, or another type Genesys adds. */
  readonly type: string;
  /** Its text, when it has one. */
  readonly text?: string;
  /** Its content elements: attachments, quick replies, cards, button responses, … */
  readonly content: readonly ReceivedContent[];
  /** Its events (for `Event` messages). */
  readonly events: readonly ReceivedMessageEvent[];
  /** When Genesys processed it (ISO 8601), when the server said. */
  readonly time?: string;
  /** `Human` or `Bot`, for outbound messages, when the server said. */
  readonly originatingEntity?: string;
  /** Who sent it, as far as the server says (nickname, first and last name, image): contact details. */
  readonly from?: {
    /** The name shown for the sender. */
    readonly nickname?: string;
    /** The sender's first name. */
    readonly firstName?: string;
    /** The sender's last name. */
    readonly lastName?: string;
    /** The sender's avatar URL. */
    readonly image?: string;
  };
}

/** A message as a frame brings it. */
export function fromFrame(body: ReceivedStructuredMessage & { readonly direction: 'Inbound' | 'Outbound' }): SessionMessage | undefined {
  if (typeof body.id !== 'string' || body.id === '') return undefined;
  const channel = body.channel as { time?: unknown; from?: SessionMessage['from'] } | undefined;
  return {
    id: body.id,
    direction: body.direction,
    type: body.type,
    ...(typeof body.text === 'string' ? { text: body.text } : {}),
    content: body.content ?? [],
    events: body.events ?? [],
    ...(typeof channel?.time === 'string' ? { time: channel.time } : {}),
    ...(body.originatingEntity ? { originatingEntity: body.originatingEntity } : {}),
    ...(channel?.from ? { from: channel.from } : {}),
  };
}

/** A message as the history answers it; undefined for one without an id or a direction (nothing to deliver it by). */
export function fromHistory(message: WebMessagingMessage): SessionMessage | undefined {
  if (typeof message.id !== 'string' || message.id === '') return undefined;
  if (message.direction !== 'Inbound' && message.direction !== 'Outbound') return undefined;
  return {
    id: message.id,
    direction: message.direction,
    type: message.type ?? 'Text',
    ...(typeof message.text === 'string' ? { text: message.text } : {}),
    content: (message.content ?? []) as readonly ReceivedContent[],
    events: message.events ?? [],
    ...(typeof message.channel?.time === 'string' ? { time: message.channel.time } : {}),
    ...(message.originatingEntity ? { originatingEntity: message.originatingEntity } : {}),
    ...(message.channel?.from ? { from: message.channel.from } : {}),
  };
}

/** A message's time in epoch ms; NaN when it has none that parses. */
export function timeOf(message: SessionMessage): number {
  return message.time === undefined ? Number.NaN : Date.parse(message.time);
}
