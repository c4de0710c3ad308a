/**
 * A guest's side of one chat: bound to its conversation, member and JWT, so that nobody threads
 * ids and tokens by hand. Messages go out in the order they were sent: each waits for the one
 * before it to settle, so a message that has to be retried is never overtaken by a later one.
 */
import { inspect } from 'node:util';
import { AbortError, type CallOptions, type CallResult, deadlineOf, ListenerSet, type ProxySetting, untilAborted } from '@switchboard/core';
import type {
  CreateWebChatMessageRequest,
  WebChatGuestMediaRequest,
  WebChatMemberInfo,
  WebChatMessage,
  WebChatTyping,
} from './generated/models.js';
import type { WebChatOperations } from './generated/operations.js';
import type { GetWebchatGuestConversationMessagesInput } from './generated/routes.js';
import { type ChatEvent, type EventStreamError, type EventStreamOptions } from './chat-events.js';
import { ChatStream } from './chat-stream.js';
import { EventFanOut } from '@switchboard/genesys';
import type { StreamObserver } from '@switchboard/genesys';
import { paginateMembers, paginateMessages } from './pagination.js';

/** A listener of {@link GuestChat.on}, by event type; `error` gets the EventStreamError when the stream gives up. */
export type ChatListener<T extends ChatEvent['type'] | 'error'> = (
  event: [T] extends ['error'] ? EventStreamError : Extract<ChatEvent, { type: T }>,
) => void;

/** What a {@link GuestChat} is bound to; what `toJSON()` gives, with the stream URI's credential hidden. */
export interface GuestChatInfo {
  /** The chat's conversation id. */
  readonly conversationId: string;
  /** The guest's member id in the conversation. */
  readonly memberId: string;
  /** Where to attach the conversation's event stream (a websocket); the chat is routed once it is attached. */
  readonly eventStreamUri: string;
  /** The guest as the server created it. */
  readonly member: WebChatMemberInfo;
  /**
   * How the event stream connects: the client's `proxy` setting (a URL, or `false` for none), so that
   * the stream goes where API calls go.
   * @default the environment's proxy variables, as API calls read them
   */
  readonly proxy?: ProxySetting;
}

/** The stream URI with its query (a credential) hidden, for logs and inspection. */
function redactedUri(uri: string): string {
  const query = uri.indexOf('?');
  return query < 0 ? uri : `${uri.slice(0, query)}?REDACTED`;
}

/**
 * A guest's side of one chat, from `WebChatAPI.startGuestChat`: bound to its conversation, member
 * and JWT. Messages go out in the order they were sent: each waits for the one before it to
 * settle, so a message that has to be retried is never overtaken by a later one.
 */
export class GuestChat implements GuestChatInfo {
  /** The chat's conversation id. */
  readonly conversationId: string;
  /** The guest's member id in the conversation. */
  readonly memberId: string;
  /** Where to attach the conversation's event stream (a websocket); the chat is routed once it is attached. Its query is a credential. */
  readonly eventStreamUri: string;
  /** The guest as the server created it. */
  readonly member: WebChatMemberInfo;
  readonly #api: WebChatOperations;
  readonly #forgetJwt: () => void;
  /** Settles when the last message queued so far has had its turn; never rejects. */
  #turn: Promise<void> = Promise.resolve();
  readonly #streamOptions: EventStreamOptions;
  readonly #observe: ((conversationId: string) => StreamObserver) | undefined;
  /** The one event stream under every `events()` iterator and `on()` listener, opened by the first of them. */
  #stream: ChatStream | undefined;
  /** Its iterators and listeners; the first of them attaches the stream. */
  readonly #events = new EventFanOut<ChatEvent>({ consumer: () => this.#attach() });
  /** The listeners of `error`: they hear why the stream gave up. */
  readonly #errorListeners = new ListenerSet<EventStreamError>();
  /** Set once the stream has ended: undefined while it runs, `null` for a plain end, the error when it gave up. */
  #streamEnd: EventStreamError | null | undefined;
  /** How the event stream connects (the client's proxy setting). */
  readonly #proxy: ProxySetting;

  /**
   * Binds a chat started elsewhere; `WebChatAPI.startGuestChat` makes one for a chat it starts.
   * @param api - the operations to call: a {@link WebChatAPI} that holds the chat's guest JWT.
   * @param info - the conversation, member and event stream the chat is bound to.
   * @param forgetJwt - called once the guest has left, to forget its JWT; nothing by default.
   * @param streamOptions - how the event stream reconnects and when it gives up.
   * @param observe - makes what observes the event stream once it attaches (WebChatAPI's: client events, a span, metrics); none by default.
   */
  constructor(
    api: WebChatOperations,
    info: GuestChatInfo,
    forgetJwt: () => void = () => undefined,
    streamOptions: EventStreamOptions = {},
    observe?: (conversationId: string) => StreamObserver,
  ) {
    this.#api = api;
    this.#streamOptions = streamOptions;
    this.#observe = observe;
    this.#forgetJwt = forgetJwt;
    this.conversationId = info.conversationId;
    this.memberId = info.memberId;
    this.eventStreamUri = info.eventStreamUri;
    this.member = info.member;
    this.#proxy = info.proxy;
  }

  #ids(): { conversationId: string; memberId: string } {
    return { conversationId: this.conversationId, memberId: this.memberId };
  }

  /**
   * Sends a message once every message sent before it has settled (delivered or failed for good).
   * Aborting its signal while it waits for its turn rejects it at once, and it is never sent; a
   * `totalTimeout` counts from this call, not from its turn.
   */
  sendMessage(
    body: string,
    options?: CallOptions & {
      /**
       * The message's purpose, such as a standard text entry versus a notice.
       * @default left out: the server's default applies
       */
      readonly bodyType?: CreateWebChatMessageRequest['bodyType'];
    },
  ): Promise<CallResult<WebChatMessage>> {
    const { bodyType, totalTimeout, ...rest } = options ?? {};
    let callOptions: CallOptions;
    try {
      // The budget is counted from now, not from the message's turn: core's own arithmetic, checked before it waits.
      callOptions =
        totalTimeout === undefined ? rest : { ...rest, deadline: deadlineOf({ totalTimeout, deadline: rest.deadline }, Date.now()) };
    } catch (error) {
      // A ConfigurationError, passed on as thrown.
      // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors
      return Promise.reject(error);
    }
    const message: CreateWebChatMessageRequest = bodyType ? { body, bodyType } : { body };
    const { signal } = callOptions;
    const previous = this.#turn;
    let release = (): void => undefined;
    this.#turn = new Promise<void>((resolve) => (release = resolve));
    const sent = (async () => {
      try {
        await previous;
        if (signal?.aborted) throw new AbortError(signal.reason, { operationId: 'postWebchatGuestConversationMemberMessages' });
        return await this.#api.postWebchatGuestConversationMemberMessages({ ...this.#ids(), body: message }, callOptions);
      } finally {
        release();
      }
    })();
    // The caller hears of an abort at once; the queue still moves on only in order.
    return untilAborted(sent, signal, 'postWebchatGuestConversationMemberMessages');
  }

  /** Shows the agent that the guest is typing. */
  sendTyping(options?: CallOptions): Promise<CallResult<WebChatTyping>> {
    return this.#api.postWebchatGuestConversationMemberTyping(this.#ids(), options);
  }

  /** The conversation's messages, oldest first unless `sortOrder: 'descending'`, fetched page by page. */
  messages(
    params: Omit<GetWebchatGuestConversationMessagesInput, 'conversationId'> = {},
    options?: CallOptions,
  ): AsyncGenerator<WebChatMessage, void, undefined> {
    return paginateMessages(this.#api, { ...params, conversationId: this.conversationId }, options);
  }

  /** The conversation's members, fetched page by page. */
  members(
    params: {
      /**
       * Members per page.
       * @default the server's (25)
       */
      pageSize?: number;
      /**
       * Leave out members who have left (DISCONNECTED).
       * @default `false`, the server's default
       */
      excludeDisconnectedMembers?: boolean;
    } = {},
    options?: CallOptions,
  ): AsyncGenerator<WebChatMemberInfo, void, undefined> {
    return paginateMembers(this.#api, { ...params, conversationId: this.conversationId }, options);
  }

  /** The media requests (co-browse, screen share) the agent has made. */
  async mediaRequests(options?: CallOptions): Promise<WebChatGuestMediaRequest[]> {
    const { data } = await this.#api.getWebchatGuestConversationMediarequests({ conversationId: this.conversationId }, options);
    return data.entities ?? [];
  }

  /** Accepts or declines a media request. */
  answerMediaRequest(
    request: WebChatGuestMediaRequest,
    state: 'ACCEPTED' | 'DECLINED',
    options?: CallOptions,
  ): Promise<CallResult<WebChatGuestMediaRequest>> {
    if (!request.id) throw new TypeError('the media request has no id');
    return this.#api.patchWebchatGuestConversationMediarequest(
      { conversationId: this.conversationId, mediaRequestId: request.id, body: { types: request.types, state } },
      options,
    );
  }

  /**
   * The chat's events as they happen: messages (each once, in order, also across drops of the
   * stream: what was missed is read from the messages API), typing, member changes, and the
   * connection's state. The first call (or {@link GuestChat.on}) attaches the event stream, which
   * routes the conversation; every iterator and listener shares it. The iterator ends when the
   * chat is left or closed or `signal` aborts, and throws an EventStreamError when the stream gives up.
   */
  events(options: { readonly signal?: AbortSignal } = {}): AsyncGenerator<ChatEvent, void, undefined> {
    // An iterator aborted before it began attaches nothing.
    return this.#events.events(options.signal);
  }

  /** Calls `listener` with each event of `type` (`error`: the EventStreamError when the stream gives up); attaches the stream like {@link GuestChat.events}. Returns the function that removes it. */
  on<T extends ChatEvent['type'] | 'error'>(type: T, listener: ChatListener<T>): () => void {
    if (type !== 'error') return this.#events.on(type, listener as (event: ChatEvent) => void);
    const remove = this.#errorListeners.add(listener as (error: EventStreamError) => void);
    this.#attach();
    return remove;
  }

  #attach(): void {
    if (this.#stream || this.#streamEnd !== undefined) return;
    const source = {
      conversationId: this.conversationId,
      uri: this.eventStreamUri,
      proxy: this.#proxy,
      missed: (afterId: string | undefined, signal: AbortSignal) =>
        paginateMessages(this.#api, { conversationId: this.conversationId, ...(afterId ? { after: afterId } : {}) }, { signal }),
    };
    this.#stream = new ChatStream(
      source,
      this.#streamOptions,
      {
        event: (event) => this.#events.emit(event),
        failed: (error) => this.#endStream(error),
      },
      this.#observe?.(this.conversationId),
    );
    this.#stream.start();
  }

  /** The event stream is over (`error` null for a close or a leave): iterators end, listeners of 'error' hear why. */
  #endStream(error: EventStreamError | null): void {
    if (this.#streamEnd !== undefined) return;
    this.#streamEnd = error;
    if (error) this.#errorListeners.emit(error);
    this.#events.end(error ?? undefined);
  }

  /** Closes the event stream (iterators end, listeners hear no more) without leaving the chat; resolves once its socket is gone. */
  async close(): Promise<void> {
    // The stream says it closed before the iterators end, so that they see it.
    const closing = this.#stream?.close('closed');
    this.#endStream(null);
    await closing;
  }

  /** Leaves the chat once messages already sent have had their turn: the guest becomes DISCONNECTED, the client forgets its JWT, and the event stream closes. */
  async leave(options?: CallOptions): Promise<CallResult<undefined>> {
    await this.#turn;
    const result = await this.#api.deleteWebchatGuestConversationMember(this.#ids(), options);
    this.#forgetJwt();
    const closing = this.#stream?.close('left');
    this.#endStream(null);
    await closing;
    return result;
  }

  /** The chat as plain data for logs and `JSON.stringify`, the event stream URI's query hidden. */
  toJSON(): GuestChatInfo {
    return {
      conversationId: this.conversationId,
      memberId: this.memberId,
      eventStreamUri: redactedUri(this.eventStreamUri),
      member: this.member,
    };
  }

  /** What `util.inspect` and `console.log` show: {@link GuestChat.toJSON}'s fields, never the stream URI's credential. */
  [inspect.custom](): string {
    return `GuestChat ${inspect(this.toJSON())}`;
  }
}
