/** The emulator's in-memory world: deployments, settings, and guest conversations with their members, messages and media requests. */
import type { Random } from './random.js';

export type Role = 'CUSTOMER' | 'AGENT' | 'ACD' | 'WORKFLOW';
export type MemberState = 'CONNECTED' | 'DISCONNECTED' | 'ALERTING';

export interface Member {
  readonly id: string;
  readonly role: Role;
  state: MemberState;
  readonly joinDate: string;
  leaveDate?: string;
  readonly displayName?: string;
  readonly firstName?: string;
  readonly lastName?: string;
  readonly email?: string;
  readonly phoneNumber?: string;
  readonly avatarImageUrl?: string;
  readonly customFields?: Readonly<Record<string, string>>;
  readonly authenticatedGuest: boolean;
}

export interface Message {
  readonly id: string;
  readonly senderId: string;
  readonly body: string;
  readonly bodyType: string;
  readonly timestamp: string;
}

export interface MediaRequest {
  readonly id: string;
  readonly types: readonly string[];
  state: string;
  readonly name?: string;
}

export interface Conversation {
  readonly id: string;
  readonly organizationId: string;
  readonly deploymentId: string;
  readonly customerId: string;
  readonly members: Member[];
  readonly messages: Message[];
  readonly messageIndex: Map<string, number>;
  readonly mediaRequests: MediaRequest[];
  routed: boolean;
}

export type Deployment = Record<string, unknown> & { readonly id: string };

export interface StoreEvents {
  memberChanged(conversation: Conversation, member: Member): void;
  message(conversation: Conversation, message: Message): void;
  typing(conversation: Conversation, member: Member, eventId: string, timestamp: string): void;
  mediaRequest(conversation: Conversation, request: MediaRequest): void;
}

const DEFAULT_SETTINGS = { requireDeployment: false };
const GUEST_INFO_FIELDS = ['displayName', 'firstName', 'lastName', 'email', 'phoneNumber', 'avatarImageUrl', 'customFields'] as const;

export class Store {
  readonly deployments = new Map<string, Deployment>();
  readonly conversations = new Map<string, Conversation>();
  settings: Record<string, unknown> = { ...DEFAULT_SETTINGS };
  listeners: StoreEvents | undefined;

  constructor(private readonly random: Random) {}

  now(): string {
    return new Date().toISOString();
  }

  // Deployments -----------------------------------------------------------------------------

  saveDeployment(body: Record<string, unknown>, id: string = this.random.uuid()): Deployment {
    // id and selfUri are read-only: whatever the caller sent for them is replaced.
    const { id: _id, selfUri: _selfUri, ...fields } = body;
    const deployment: Deployment = { ...fields, id, selfUri: `/api/v2/webchat/deployments/${id}` };
    this.deployments.set(id, deployment);
    return deployment;
  }

  resetSettings(): void {
    this.settings = { ...DEFAULT_SETTINGS };
  }

  // Conversations ---------------------------------------------------------------------------

  createConversation(
    organizationId: string,
    deploymentId: string,
    memberInfo: Record<string, unknown>,
    authenticated: boolean,
  ): Conversation {
    // GuestMemberInfo's fields only: a caller cannot set state, role or dates.
    const info = Object.fromEntries(GUEST_INFO_FIELDS.filter((k) => memberInfo[k] !== undefined).map((k) => [k, memberInfo[k]]));
    const customer: Member = {
      ...(info as Partial<Member>),
      id: this.random.uuid(),
      role: 'CUSTOMER',
      state: 'CONNECTED',
      joinDate: this.now(),
      authenticatedGuest: authenticated,
    };
    const conversation: Conversation = {
      id: this.random.uuid(),
      organizationId,
      deploymentId,
      customerId: customer.id,
      members: [customer],
      messages: [],
      messageIndex: new Map(),
      mediaRequests: [],
      routed: false,
    };
    this.conversations.set(conversation.id, conversation);
    return conversation;
  }

  member(conversation: Conversation, memberId: string): Member | undefined {
    return conversation.members.find((m) => m.id === memberId);
  }

  addMember(conversation: Conversation, fields: Omit<Member, 'id' | 'state' | 'joinDate' | 'authenticatedGuest'>): Member {
    const member: Member = { ...fields, id: this.random.uuid(), state: 'CONNECTED', joinDate: this.now(), authenticatedGuest: false };
    conversation.members.push(member);
    this.listeners?.memberChanged(conversation, member);
    return member;
  }

  leave(conversation: Conversation, member: Member): void {
    member.state = 'DISCONNECTED';
    member.leaveDate = this.now();
    this.listeners?.memberChanged(conversation, member);
  }

  addMessage(conversation: Conversation, sender: Member, body: string, bodyType: string): Message {
    const message: Message = { id: this.random.uuid(), senderId: sender.id, body, bodyType, timestamp: this.now() };
    conversation.messageIndex.set(message.id, conversation.messages.length);
    conversation.messages.push(message);
    this.listeners?.message(conversation, message);
    return message;
  }

  typing(conversation: Conversation, member: Member): { id: string; timestamp: string } {
    const event = { id: this.random.uuid(), timestamp: this.now() };
    this.listeners?.typing(conversation, member, event.id, event.timestamp);
    return event;
  }

  addMediaRequest(conversation: Conversation, types: readonly string[]): MediaRequest {
    const request: MediaRequest = { id: this.random.uuid(), types, state: 'PENDING' };
    conversation.mediaRequests.push(request);
    this.listeners?.mediaRequest(conversation, request);
    return request;
  }
}

// Wire shapes -------------------------------------------------------------------------------

export function conversationPath(conversationId: string): string {
  return `/api/v2/webchat/guest/conversations/${conversationId}`;
}

export function memberJson(member: Member): Record<string, unknown> {
  return { ...member };
}

/** The sender as WebChatMemberInfo, which requires `role`. */
export function senderJson(conversation: Conversation, memberId: string): Record<string, unknown> {
  const member = conversation.members.find((m) => m.id === memberId);
  return member
    ? { id: member.id, role: member.role, ...(member.displayName ? { displayName: member.displayName } : {}) }
    : { id: memberId, role: 'CUSTOMER' };
}

export function messageJson(conversation: Conversation, message: Message): Record<string, unknown> {
  return {
    id: message.id,
    conversation: { id: conversation.id, selfUri: conversationPath(conversation.id) },
    sender: senderJson(conversation, message.senderId),
    body: message.body,
    bodyType: message.bodyType,
    timestamp: message.timestamp,
    selfUri: `${conversationPath(conversation.id)}/messages/${message.id}`,
  };
}

export function mediaRequestJson(conversation: Conversation, request: MediaRequest): Record<string, unknown> {
  return { ...request, selfUri: `${conversationPath(conversation.id)}/mediarequests/${request.id}` };
}
