/**
 * The scripted agent of Web Messaging: it answers each guest text (or button response) after
 * showing that it is typing, greets a guest whose client sends the Presence `Join` event
 * (Messenger's autostart), and disconnects when told (`emulator.messaging.disconnectAgent()`),
 * which leaves the session read-only. It shares WebChat's agent script (its name, greeting and
 * delays: agent.ts) and timers (scheduler.ts).
 *
 * Which reply a guest message gets is drawn from the emulator's seed, the session and the
 * message's place in it: mostly text, sometimes text with quick replies, sometimes a card; the
 * same seed and conversation give the same replies.
 */
import type { AgentScript } from './agent.js';
import type { GuestSession, GuestSessions, StoredMessage } from './messaging-sessions.js';
import { createRandom, deriveSeed } from './random.js';
import { Scheduler } from './scheduler.js';

/** Where the agent's messages go: the session's sockets (and, for stored ones, its history). */
export interface MessagingAgentOutput {
  deliver(session: GuestSession, message: StoredMessage): void;
}

/** How long the typing indicator says the agent types, in ms (the Kotlin fixture's `On` duration). */
const TYPING_DURATION_MS = 5_000;

export class MessagingAgent {
  readonly #scheduler = new Scheduler();

  constructor(
    private readonly sessions: GuestSessions,
    private readonly script: AgentScript,
    private readonly seed: number,
    private readonly output: MessagingAgentOutput,
  ) {}

  #from(): Pick<StoredMessage, 'direction' | 'originatingEntity' | 'from'> {
    return { direction: 'Outbound', originatingEntity: 'Human', from: this.script.name };
  }

  /** Sends a stored message from the agent, if the session still takes them. */
  #say(session: GuestSession, fields: Omit<StoredMessage, 'id' | 'time' | 'direction' | 'originatingEntity' | 'from'>): void {
    if (session.state !== 'active' || this.sessions.byId(session.id) !== session) return;
    this.output.deliver(session, this.sessions.addMessage(session, { ...fields, ...this.#from() }));
  }

  /** The guest's client started the conversation (Presence Join): the agent greets. */
  guestJoined(session: GuestSession): void {
    this.#scheduler.later(this.script.joinDelayMs, () => this.#say(session, { type: 'Text', text: this.script.greeting }));
  }

  /** A guest message to answer: typing, then the reply. */
  guestMessage(session: GuestSession, message: StoredMessage): void {
    const turn = session.answered++;
    this.#scheduler.later(this.script.typingDelayMs, () => {
      if (session.state !== 'active' || this.sessions.byId(session.id) !== session) return;
      const typing = this.sessions.transient({
        ...this.#from(),
        type: 'Event',
        events: [{ eventType: 'Typing', typing: { type: 'On', duration: TYPING_DURATION_MS } }],
      });
      this.output.deliver(session, typing);
    });
    this.#scheduler.later(this.script.replyDelayMs, () => this.#say(session, this.#reply(session, message, turn)));
  }

  #reply(session: GuestSession, message: StoredMessage, turn: number): Omit<StoredMessage, 'id' | 'time' | 'direction'> {
    // The reply says what arrived without repeating it: message text is customer data.
    if (message.content?.some((c) => c.contentType === 'ButtonResponse')) return { type: 'Text', text: 'Thanks, I have your choice.' };
    const characters = [...(message.text ?? '')].length;
    const attachments = message.content?.filter((c) => c.contentType === 'Attachment').length ?? 0;
    const text = `Thanks, I have your message (${characters} characters${attachments > 0 ? `, ${attachments} attachment${attachments > 1 ? 's' : ''}` : ''}).`;
    const draw = createRandom(deriveSeed(this.seed, Number.parseInt(session.id.slice(0, 8), 16) + turn)).next();
    if (draw < 0.6) return { type: 'Text', text };
    if (draw < 0.8)
      return {
        type: 'Structured',
        text: `${text} Did that answer your question?`,
        content: [
          { contentType: 'QuickReply', quickReply: { text: 'Yes', payload: 'yes', action: 'Message' } },
          { contentType: 'QuickReply', quickReply: { text: 'No', payload: 'no', action: 'Message' } },
        ],
      };
    return {
      type: 'Structured',
      text,
      content: [
        {
          contentType: 'Card',
          card: {
            title: 'Track your order',
            description: 'See where your parcel is.',
            actions: [
              { type: 'Postback', text: 'Track it', payload: 'track' },
              { type: 'Link', text: 'Help centre', url: 'https://help.example.com/orders' },
            ],
          },
        },
      ],
    };
  }

  /**
   * The agent ends the conversation: the Presence `Disconnect` event with `readOnly` metadata, as
   * the platform sends it, and the session takes no more messages (409). False when it was not active.
   */
  disconnect(session: GuestSession): boolean {
    if (session.state !== 'active') return false;
    this.#say(session, {
      type: 'Event',
      events: [{ eventType: 'Presence', presence: { type: 'Disconnect' } }],
      metadata: { readOnly: 'true' },
    });
    session.state = 'read-only';
    return true;
  }

  stop(): void {
    this.#scheduler.stop();
  }
}
