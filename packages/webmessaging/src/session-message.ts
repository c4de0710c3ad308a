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
  /** Its attachments (the `Attachment` elements of `content`), in one shape: the guest's uploads, an agent's files. */
  readonly attachments: readonly SessionAttachment[];
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

/**
 * An attachment of a message, in one shape whichever way the message came: over the socket (the
 * guest schema's ContentAttachment, whose size is `contentSizeBytes`, while real frames, as the
 * notes capture them, say `fileSize`) or from the history (WebMessagingAttachment, `fileSize`).
 * Its name and URL are customer data; the URL is a presigned link, a credential while it lives.
 */
export interface SessionAttachment {
  /** Its id, for `session.attachmentUrl` (a fresh download URL) and `session.deleteAttachment`; when the server gave one. */
  readonly id?: string;
  /** `Image`, `Video`, `Audio`, `File` or `Link`, when the server said. */
  readonly mediaType?: string;
  /** Its MIME type (`image/png`), when the server said. */
  readonly mime?: string;
  /** The file's name, when the server said. */
  readonly filename?: string;
  /** Its size in bytes, when the server said. */
  readonly fileSize?: number;
  /** Where to download it from, when the server said: a presigned URL, which expires (`session.attachmentUrl` gives a new one). */
  readonly url?: string;
  /** Its caption, when it has one. */
  readonly text?: string;
}

const stringOf = (value: unknown): string | undefined => (typeof value === 'string' ? value : undefined);

/** The attachments of a message's content, each field taken only when it has its type (the content comes from the network). */
function attachmentsOf(content: readonly ReceivedContent[]): SessionAttachment[] {
  const attachments: SessionAttachment[] = [];
  for (const element of content) {
    if (element.contentType !== 'Attachment' || typeof element.attachment !== 'object' || element.attachment === null) continue;
    // Read as the network gave it: the fields the two shapes name, each checked.
    const found = element.attachment as unknown as Record<string, unknown>;
    const size = typeof found.fileSize === 'number' ? found.fileSize : found.contentSizeBytes;
    const fields: Record<string, string | number | undefined> = {
      id: stringOf(found.id),
      mediaType: stringOf(found.mediaType),
      mime: stringOf(found.mime),
      filename: stringOf(found.filename),
      fileSize: typeof size === 'number' && Number.isFinite(size) ? size : undefined,
      url: stringOf(found.url),
      text: stringOf(found.text),
    };
    attachments.push(Object.fromEntries(Object.entries(fields).filter(([, value]) => value !== undefined)));
  }
  return attachments;
}

/**
 * Whether `message` is the one a send of `text` with `attachmentIds` made: what a send in doubt
 * after a drop is looked up by in the history. The text as the server keeps it (a message of
 * attachments alone may come back without one), and the same attachments, in any order.
 */
export function matchesSend(message: SessionMessage, text: string, attachmentIds: readonly string[]): boolean {
  if ((message.text ?? '') !== text) return false;
  const ids = message.attachments.flatMap((attachment) => (attachment.id === undefined ? [] : [attachment.id]));
  return ids.length === attachmentIds.length && [...ids].sort().join('\n') === [...attachmentIds].sort().join('\n');
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
    attachments: attachmentsOf(body.content ?? []),
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
    attachments: attachmentsOf((message.content ?? []) as readonly ReceivedContent[]),
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
