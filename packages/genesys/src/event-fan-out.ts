/**
 * One stream's events handed to every consumer: each `events()` iterator gets every event (in its
 * own queue, at its own pace), each `on(type)` listener those of its type (a listener that throws
 * does not stop the others). WebChat's `chat.events()` and a Web Messaging session's `events()` are
 * both this. Optionally, events that come before the first consumer wait for it (a backlog, bounded:
 * the oldest go first), since a session starts delivering (its history) before its caller can listen.
 */
import { EventQueue } from './event-queue.js';
import { ListenerSet } from '@switchboard/core';

/** An event with a type, by which listeners are chosen. */
export interface TypedEvent {
  /** The event's type: `on(type)` listeners get the events of theirs. */
  readonly type: string;
}

/** How an {@link EventFanOut} behaves. */
export interface EventFanOutOptions<E> {
  /**
   * Events kept for the first consumer, when none has come yet; 0 for none (they are dropped).
   * @default `0`
   */
  readonly backlog?: number;
  /** Called when a consumer comes (an iterator or a listener): the owner opens its stream then, if it has not. */
  readonly consumer?: () => void;
  /** Called with each event once a consumer has it (an iterator's queue or the listeners). */
  readonly handedOver?: (event: E) => void;
}

/** The events of one stream, fanned out to its iterators and listeners. */
export class EventFanOut<E extends TypedEvent> {
  readonly #queues = new Set<EventQueue<E>>();
  readonly #listeners = new Map<string, ListenerSet<E>>();
  readonly #options: EventFanOutOptions<E>;
  /** Events waiting for the first consumer; undefined once one came (or when there is no backlog). */
  #backlog: E[] | undefined;
  #ended = false;
  #error: Error | undefined;

  constructor(options: EventFanOutOptions<E> = {}) {
    this.#options = options;
    this.#backlog = (options.backlog ?? 0) > 0 ? [] : undefined;
  }

  /** Whether the stream has ended (no event follows). */
  get ended(): boolean {
    return this.#ended;
  }

  /**
   * The events as they come; the iterator ends when the stream ends (throwing its error, if it
   * failed) or `signal` aborts. One that starts after the end ends at once (throwing the same error).
   */
  async *events(signal?: AbortSignal): AsyncGenerator<E, void, undefined> {
    // An iterator aborted before it began takes nothing, and opens nothing.
    if (signal?.aborted) return;
    const queue = new EventQueue<E>();
    this.#drainBacklog(queue);
    if (this.#ended) queue.end(this.#error);
    this.#queues.add(queue);
    this.#options.consumer?.();
    try {
      for (let event = await queue.next(signal); event; event = await queue.next(signal)) yield event;
    } finally {
      this.#queues.delete(queue);
    }
  }

  /** Calls `listener` with each event of `type`; returns the function that removes it. */
  on(type: E['type'], listener: (event: E) => void): () => void {
    let listeners = this.#listeners.get(type);
    if (!listeners) this.#listeners.set(type, (listeners = new ListenerSet()));
    const remove = listeners.add(listener);
    this.#drainBacklog();
    this.#options.consumer?.();
    return remove;
  }

  /** Hands an event to every consumer (or to the backlog, before the first); ignored once ended. */
  emit(event: E): void {
    if (this.#ended) return;
    if (this.#backlog) {
      if (this.#backlog.push(event) > (this.#options.backlog ?? 0)) this.#backlog.shift();
      return;
    }
    for (const queue of this.#queues) queue.push(event);
    this.#listeners.get(event.type)?.emit(event);
    this.#options.handedOver?.(event);
  }

  /** The stream ended: iterators end after the events they hold, throwing `error` when it failed. */
  end(error?: Error): void {
    if (this.#ended) return;
    this.#ended = true;
    this.#error = error;
    for (const queue of this.#queues) queue.end(error);
  }

  /** The first consumer takes what waited for it: an iterator every event, a listener those of its type. */
  #drainBacklog(queue?: EventQueue<E>): void {
    const backlog = this.#backlog;
    if (!backlog) return;
    this.#backlog = undefined;
    for (const event of backlog) {
      if (queue) queue.push(event);
      else this.#listeners.get(event.type)?.emit(event);
      this.#options.handedOver?.(event);
    }
  }
}
