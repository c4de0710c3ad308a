/**
 * A guest's side of one chat: bound to its conversation, member and JWT, so that nobody threads
 * ids and tokens by hand. Messages go out in the order they were sent: each waits for the one
 * before it to settle, so a message that has to be retried is never overtaken by a later one.
 */
import type { CallOptions, CallResult } from '@switchboard/core';
import type { CreateWebChatMessageRequest, WebChatGuestMediaRequest, WebChatMemberInfo, WebChatMessage, WebChatTyping } from './generated/models.js';
import type { WebChatOperations } from './generated/operations.js';
import type { GetWebchatGuestConversationMessagesInput } from './generated/routes.js';
import { paginateMembers, paginateMessages } from './pagination.js';

export interface GuestChatInfo {
  readonly conversationId: string;
  readonly memberId: string;
  /** Where to attach the conversation's event stream (a websocket); the chat is routed once it is attached. */
  readonly eventStreamUri: string;
  /** The guest as the server created it. */
  readonly member: WebChatMemberInfo;
}

const settled = (): void => undefined;

export class GuestChat implements GuestChatInfo {
  readonly conversationId: string;
  readonly memberId: string;
  readonly eventStreamUri: string;
  readonly member: WebChatMemberInfo;
  readonly #api: WebChatOperations;
  #lastMessage: Promise<void> = Promise.resolve();

  constructor(api: WebChatOperations, info: GuestChatInfo) {
    this.#api = api;
    this.conversationId = info.conversationId;
    this.memberId = info.memberId;
    this.eventStreamUri = info.eventStreamUri;
    this.member = info.member;
  }

  #ids(): { conversationId: string; memberId: string } {
    return { conversationId: this.conversationId, memberId: this.memberId };
  }

  /** Sends a message after every message sent before it has settled (delivered or failed for good). */
  sendMessage(body: string, options?: CallOptions & { readonly bodyType?: CreateWebChatMessageRequest['bodyType'] }): Promise<CallResult<WebChatMessage>> {
    const { bodyType, ...callOptions } = options ?? {};
    const message: CreateWebChatMessageRequest = bodyType ? { body, bodyType } : { body };
    const send = () => this.#api.postWebchatGuestConversationMemberMessages({ ...this.#ids(), body: message }, callOptions);
    const sent = this.#lastMessage.then(send, send);
    this.#lastMessage = sent.then(settled, settled);
    return sent;
  }

  /** Shows the agent that the guest is typing. */
  sendTyping(options?: CallOptions): Promise<CallResult<WebChatTyping>> {
    return this.#api.postWebchatGuestConversationMemberTyping(this.#ids(), options);
  }

  /** The conversation's messages, oldest first unless `sortOrder: 'descending'`, fetched page by page. */
  messages(params: Omit<GetWebchatGuestConversationMessagesInput, 'conversationId'> = {}, options?: CallOptions): AsyncGenerator<WebChatMessage, void, undefined> {
    return paginateMessages(this.#api, { ...params, conversationId: this.conversationId }, options);
  }

  /** The conversation's members, fetched page by page. */
  members(params: { pageSize?: number; excludeDisconnectedMembers?: boolean } = {}, options?: CallOptions): AsyncGenerator<WebChatMemberInfo, void, undefined> {
    return paginateMembers(this.#api, { ...params, conversationId: this.conversationId }, options);
  }

  /** The media requests (co-browse, screen share) the agent has made. */
  async mediaRequests(options?: CallOptions): Promise<WebChatGuestMediaRequest[]> {
    const { data } = await this.#api.getWebchatGuestConversationMediarequests({ conversationId: this.conversationId }, options);
    return data.entities ?? [];
  }

  /** Accepts or declines a media request. */
  answerMediaRequest(request: WebChatGuestMediaRequest, state: 'ACCEPTED' | 'DECLINED', options?: CallOptions): Promise<CallResult<WebChatGuestMediaRequest>> {
    if (!request.id) throw new TypeError('the media request has no id');
    return this.#api.patchWebchatGuestConversationMediarequest({ conversationId: this.conversationId, mediaRequestId: request.id, body: { types: request.types, state } }, options);
  }

  /** Leaves the chat: the guest becomes DISCONNECTED. Waits for messages already sent. */
  async leave(options?: CallOptions): Promise<CallResult<undefined>> {
    await this.#lastMessage;
    return this.#api.deleteWebchatGuestConversationMember(this.#ids(), options);
  }
}
