/**
 * The scripted agent: once a conversation is routed it joins, greets, and answers each guest
 * message after showing that it is typing; when the guest leaves, it leaves too.
 */
import { Scheduler } from './scheduler.js';
import type { Conversation, Member, Message, Store } from './store.js';

/** The scripted agent's timing and words (each optional in {@link EmulatorOptions.agent}). */
export interface AgentScript {
  /**
   * The agent's display name.
   * @default `'Ada (scripted agent)'`
   */
  readonly name: string;
  /**
   * Milliseconds from the conversation being routed (its event stream attached) to the agent joining and greeting.
   * @default `50`
   */
  readonly joinDelayMs: number;
  /**
   * Milliseconds from a guest message to the agent's typing indicator (and from the guest leaving to the agent leaving).
   * @default `20`
   */
  readonly typingDelayMs: number;
  /**
   * Milliseconds from a guest message to the agent's answer.
   * @default `120`
   */
  readonly replyDelayMs: number;
  /**
   * The agent's first message.
   * @default `'Hello, this is Ada. How can I help you today?'`
   */
  readonly greeting: string;
}

export const DEFAULT_AGENT: AgentScript = {
  name: 'Ada (scripted agent)',
  joinDelayMs: 50,
  typingDelayMs: 20,
  replyDelayMs: 120,
  greeting: 'Hello, this is Ada. How can I help you today?',
};

export class ScriptedAgent {
  readonly #scheduler = new Scheduler();
  readonly #agents = new Map<string, Member>();

  constructor(
    private readonly store: Store,
    private readonly script: AgentScript,
  ) {}

  #later(ms: number, action: () => void): void {
    this.#scheduler.later(ms, action);
  }

  #active(conversation: Conversation): Member | undefined {
    const agent = this.#agents.get(conversation.id);
    return agent?.state === 'CONNECTED' ? agent : undefined;
  }

  routed(conversation: Conversation): void {
    this.#later(this.script.joinDelayMs, () => {
      const customer = this.store.member(conversation, conversation.customerId);
      if (customer?.state !== 'CONNECTED') return;
      const agent = this.store.addMember(conversation, { role: 'AGENT', displayName: this.script.name });
      this.#agents.set(conversation.id, agent);
      this.store.addMessage(conversation, agent, this.script.greeting, 'standard');
    });
  }

  guestMessage(conversation: Conversation, message: Message): void {
    if (message.senderId !== conversation.customerId) return;
    this.#later(this.script.typingDelayMs, () => {
      const agent = this.#active(conversation);
      if (agent) this.store.typing(conversation, agent);
    });
    this.#later(this.script.replyDelayMs, () => {
      const agent = this.#active(conversation);
      // The reply says what arrived without repeating it: message text is customer data.
      if (agent)
        this.store.addMessage(conversation, agent, `Thanks, I have your message (${[...message.body].length} characters).`, 'standard');
    });
  }

  guestLeft(conversation: Conversation): void {
    this.#later(this.script.typingDelayMs, () => {
      const agent = this.#active(conversation);
      if (agent) this.store.leave(conversation, agent);
    });
  }

  stop(): void {
    this.#scheduler.stop();
  }
}
