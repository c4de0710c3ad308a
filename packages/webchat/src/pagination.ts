/** Async iterators over messages (cursor paging) and members (page numbers). */
import type { CallOptions } from '@switchboard/core';
import { byPageNumber, checkSignal } from '@switchboard/genesys';
import type { WebChatMemberInfo, WebChatMessage } from './generated/models.js';
import type { WebChatOperations } from './generated/operations.js';
import type { GetWebchatGuestConversationMembersInput, GetWebchatGuestConversationMessagesInput } from './generated/routes.js';

/**
 * Every message in the range, page by page, in `sortOrder`. A page is asked for next to the
 * near end only (`after` the last message when ascending, `before` it when descending), because
 * the server answers with the messages next to the cursor; the far end of the range (`before`
 * when ascending, `after` when descending) is where the walk stops. It also stops after a short
 * page, and if the server does not move the cursor on.
 */
export async function* paginateMessages(
  api: WebChatOperations,
  params: GetWebchatGuestConversationMessagesInput,
  options?: CallOptions,
): AsyncGenerator<WebChatMessage, void, undefined> {
  const { after, before, ...rest } = params;
  const pageSize = params.maxResults ?? 100;
  const descending = params.sortOrder === 'descending';
  const farEnd = descending ? after : before;
  let cursor = descending ? before : after;
  for (;;) {
    checkSignal(options, 'getWebchatGuestConversationMessages');
    const page = { ...rest, maxResults: pageSize, ...(cursor === undefined ? {} : descending ? { before: cursor } : { after: cursor }) };
    const { data } = await api.getWebchatGuestConversationMessages(page, options);
    const entities = data.entities ?? [];
    for (const message of entities) {
      if (farEnd !== undefined && message.id === farEnd) return;
      yield message;
    }
    const last = entities.at(-1)?.id;
    if (entities.length < pageSize || last === undefined || last === cursor) return;
    cursor = last;
  }
}

/** Every member, page by page, from `pageNumber` (default 1) to the last page. */
export function paginateMembers(
  api: WebChatOperations,
  params: GetWebchatGuestConversationMembersInput,
  options?: CallOptions,
): AsyncGenerator<WebChatMemberInfo, void, undefined> {
  return byPageNumber(
    'getWebchatGuestConversationMembers',
    async (pageNumber) => (await api.getWebchatGuestConversationMembers({ ...params, pageNumber }, options)).data,
    { first: params.pageNumber, pageSize: params.pageSize, defaultPageSize: 25 },
    options,
  );
}
