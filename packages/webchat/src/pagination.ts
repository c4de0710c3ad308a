/** Async iterators over messages (cursor paging) and members (page numbers). */
import { AbortError, type CallOptions } from '@switchboard/core';
import type { WebChatMemberInfo, WebChatMessage } from './generated/models.js';
import type { GetWebchatGuestConversationMembersInput, GetWebchatGuestConversationMessagesInput } from './generated/routes.js';
import type { WebChatOperations } from './generated/operations.js';

function checkSignal(options: CallOptions | undefined, operationId: string): void {
  const signal = options?.signal;
  if (signal?.aborted) throw new AbortError(signal.reason, { operationId });
}

/**
 * Every message in the range, page by page, in `sortOrder`. Each page continues from the last
 * message of the one before (`after` it when ascending, `before` it when descending); the range's
 * own `after`/`before` bound the other side. Stops after a short page.
 */
export async function* paginateMessages(
  api: WebChatOperations,
  params: GetWebchatGuestConversationMessagesInput,
  options?: CallOptions,
): AsyncGenerator<WebChatMessage, void, undefined> {
  const pageSize = params.maxResults ?? 100;
  const descending = params.sortOrder === 'descending';
  let cursor = { ...params, maxResults: pageSize };
  for (;;) {
    checkSignal(options, 'getWebchatGuestConversationMessages');
    const { data } = await api.getWebchatGuestConversationMessages(cursor, options);
    const entities = data.entities ?? [];
    yield* entities;
    const last = entities.at(-1)?.id;
    if (entities.length < pageSize || last === undefined) return;
    cursor = descending ? { ...cursor, before: last } : { ...cursor, after: last };
  }
}

/** Every member, page by page, from `pageNumber` (default 1) to the last page. */
export async function* paginateMembers(
  api: WebChatOperations,
  params: GetWebchatGuestConversationMembersInput,
  options?: CallOptions,
): AsyncGenerator<WebChatMemberInfo, void, undefined> {
  let pageNumber = params.pageNumber ?? 1;
  for (;;) {
    checkSignal(options, 'getWebchatGuestConversationMembers');
    const { data } = await api.getWebchatGuestConversationMembers({ ...params, pageNumber }, options);
    const entities = data.entities ?? [];
    yield* entities;
    if (entities.length === 0 || pageNumber >= (data.pageCount ?? pageNumber)) return;
    pageNumber++;
  }
}
