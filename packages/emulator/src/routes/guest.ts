/** The 11 guest operations: create a chat (no auth), then members, messages, typing, media requests and leave (guest JWT). */
import { ApiError, badRequest, notFound } from '../api-error.js';
import type { OperationContext, OperationHandler } from '../operation.js';
import { type Conversation, conversationPath, type Member, mediaRequestJson, memberJson, messageJson, senderJson } from '../store.js';

/** Genesys' documented limit for a message body. */
export const MAX_MESSAGE_CHARACTERS = 4_000;

function conversationOf({ world, params }: OperationContext): Conversation {
  const conversation = world.store.conversations.get(params.conversationId as string);
  if (!conversation) throw notFound();
  return conversation;
}

/** The member the path names, who must be the JWT's own member and still connected. */
function actingMember(ctx: OperationContext, conversation: Conversation): Member {
  const member = ctx.world.store.member(conversation, ctx.params.memberId as string);
  if (!member) throw notFound();
  if (ctx.guest?.use !== 'webchat' || member.id !== ctx.guest.memberId) throw new ApiError(403, 'not.authorized');
  if (member.state !== 'CONNECTED') throw new ApiError(400, 'chat.error.member.state');
  return member;
}

function pageLink(ctx: OperationContext, changes: Record<string, string | number | undefined>): string {
  const url = new URL(ctx.url, 'http://emulator');
  for (const [key, value] of Object.entries(changes)) {
    if (value === undefined) url.searchParams.delete(key);
    else url.searchParams.set(key, String(value));
  }
  return `${url.pathname}${url.search}`;
}

function messagesPage(ctx: OperationContext): unknown {
  const conversation = conversationOf(ctx);
  const { messages, messageIndex } = conversation;
  const { after, before, sortOrder, maxResults } = ctx.query as { after?: string; before?: string; sortOrder: string; maxResults: number };
  const cursor = (name: string, id: string | undefined): number | undefined => {
    if (id === undefined) return undefined;
    const index = messageIndex.get(id);
    if (index === undefined)
      throw new ApiError(400, 'invalid.query.param.value', {
        value: id,
        parameter: name,
        allowed: 'the id of a message of this conversation',
      });
    return index;
  };
  // Chronological bounds, both exclusive.
  const low = cursor('after', after) ?? -1;
  const high = cursor('before', before) ?? messages.length;
  const descending = sortOrder === 'descending';
  // A page next to `before`, or a descending page with no cursor, is the newest slice in bounds.
  const fromNewest = before !== undefined || (descending && after === undefined);
  const start = fromNewest ? Math.max(low + 1, high - maxResults) : low + 1;
  const end = fromNewest ? high : Math.min(high, start + maxResults);
  const window = messages.slice(start, end);
  const entities = (descending ? [...window].reverse() : window).map((m) => messageJson(conversation, m));
  const olderLink = window.length > 0 && start > 0 ? pageLink(ctx, { before: messages[start]?.id, after: undefined }) : undefined;
  const newerLink =
    window.length > 0 && end < messages.length ? pageLink(ctx, { after: messages[end - 1]?.id, before: undefined }) : undefined;
  return {
    pageSize: entities.length,
    entities,
    ...(descending ? { next: olderLink, previousPage: newerLink } : { next: newerLink, previousPage: olderLink }),
    selfUri: ctx.url,
  };
}

function membersPage(ctx: OperationContext): unknown {
  const conversation = conversationOf(ctx);
  const { pageSize, pageNumber, excludeDisconnectedMembers } = ctx.query as {
    pageSize: number;
    pageNumber: number;
    excludeDisconnectedMembers: boolean;
  };
  const members = excludeDisconnectedMembers ? conversation.members.filter((m) => m.state !== 'DISCONNECTED') : conversation.members;
  const pageCount = Math.max(1, Math.ceil(members.length / pageSize));
  const entities = members.slice((pageNumber - 1) * pageSize, pageNumber * pageSize).map(memberJson);
  const link = (page: number) => pageLink(ctx, { pageNumber: page, pageSize });
  return {
    entities,
    pageSize,
    pageNumber,
    total: members.length,
    pageCount,
    firstUri: link(1),
    lastUri: link(pageCount),
    selfUri: link(pageNumber),
    ...(pageNumber > 1 ? { previousUri: link(Math.min(pageNumber - 1, pageCount)) } : {}),
    ...(pageNumber < pageCount ? { nextUri: link(pageNumber + 1) } : {}),
  };
}

export const guestHandlers: Readonly<Record<string, OperationHandler>> = {
  postWebchatGuestConversations: ({ world, body }) => {
    const request = body as { organizationId: string; deploymentId: string; memberInfo: Record<string, unknown>; memberAuthToken?: string };
    const deployment = world.store.deployments.get(request.deploymentId);
    if (request.organizationId !== world.organizationId || !deployment) throw notFound();
    if (deployment.disabled === true) throw new ApiError(400, 'chat.deployment.disabled');
    const conversation = world.store.createConversation(
      world.organizationId,
      deployment.id,
      request.memberInfo,
      request.memberAuthToken !== undefined,
    );
    const customer = conversation.members[0] as Member;
    return {
      status: 200,
      body: {
        id: conversation.id,
        jwt: world.jwt.issue({ use: 'webchat', conversationId: conversation.id, memberId: customer.id }),
        eventStreamUri: world.streams.uriFor(world.wsBase, conversation),
        member: memberJson(customer),
      },
    };
  },

  getWebchatGuestConversationMembers: (ctx) => ({ status: 200, body: membersPage(ctx) }),

  getWebchatGuestConversationMember: (ctx) => {
    const member = ctx.world.store.member(conversationOf(ctx), ctx.params.memberId as string);
    if (!member) throw notFound();
    return { status: 200, body: memberJson(member) };
  },

  deleteWebchatGuestConversationMember: (ctx) => {
    const conversation = conversationOf(ctx);
    const member = actingMember(ctx, conversation);
    ctx.world.store.leave(conversation, member);
    ctx.world.agent.guestLeft(conversation);
    return { status: 204 };
  },

  postWebchatGuestConversationMemberMessages: (ctx) => {
    const conversation = conversationOf(ctx);
    const member = actingMember(ctx, conversation);
    const { body, bodyType } = ctx.body as { body: string; bodyType?: string };
    if ([...body].length > MAX_MESSAGE_CHARACTERS)
      throw badRequest(`body: the message body may be at most ${MAX_MESSAGE_CHARACTERS} characters`);
    const message = ctx.world.store.addMessage(conversation, member, body, bodyType ?? 'standard');
    ctx.world.agent.guestMessage(conversation, message);
    return { status: 200, body: messageJson(conversation, message) };
  },

  postWebchatGuestConversationMemberTyping: (ctx) => {
    const conversation = conversationOf(ctx);
    const member = actingMember(ctx, conversation);
    const event = ctx.world.store.typing(conversation, member);
    return {
      status: 200,
      body: {
        id: event.id,
        conversation: { id: conversation.id, selfUri: conversationPath(conversation.id) },
        sender: senderJson(conversation, member.id),
        timestamp: event.timestamp,
      },
    };
  },

  getWebchatGuestConversationMessages: (ctx) => ({ status: 200, body: messagesPage(ctx) }),

  getWebchatGuestConversationMessage: (ctx) => {
    const conversation = conversationOf(ctx);
    const index = conversation.messageIndex.get(ctx.params.messageId as string);
    if (index === undefined) throw notFound();
    return { status: 200, body: messageJson(conversation, conversation.messages[index] as never) };
  },

  getWebchatGuestConversationMediarequests: (ctx) => {
    const conversation = conversationOf(ctx);
    return { status: 200, body: { entities: conversation.mediaRequests.map((r) => mediaRequestJson(conversation, r)) } };
  },

  getWebchatGuestConversationMediarequest: (ctx) => {
    const conversation = conversationOf(ctx);
    const request = conversation.mediaRequests.find((r) => r.id === ctx.params.mediaRequestId);
    if (!request) throw notFound();
    return { status: 200, body: mediaRequestJson(conversation, request) };
  },

  patchWebchatGuestConversationMediarequest: (ctx) => {
    const conversation = conversationOf(ctx);
    const request = conversation.mediaRequests.find((r) => r.id === ctx.params.mediaRequestId);
    if (!request) throw notFound();
    if (request.state !== 'PENDING') throw new ApiError(400, 'chat.error.conversation.state');
    request.state = (ctx.body as { state: string }).state;
    return { status: 200, body: mediaRequestJson(conversation, request) };
  },
};
