/**
 * Where a RedisLimiter's calls go, and what its user has been told: one state, changed only here.
 * The health check says when Redis answers or stops answering; the limiter says when it closes.
 */

/** How long a limiter that has never reached Redis serves calls locally before it says so: a Redis that answers within it is no outage. */
const GRACE_MS = 1_000;

/**
 * - `connecting`: Redis has not answered since the limiter was made. Calls go to the local
 *   fallback, and nobody has been told: Redis may just be slow to answer the first time.
 * - `shared`: Redis answers. Calls use the budget shared by every process of the id.
 * - `fallback`: Redis stopped answering, or never answered within the grace period. Calls go to
 *   the local fallback, and the user has been told, once for this outage.
 * - `disconnecting`: the shared limiter has closed and the limiter is closing its own connections:
 *   nothing Redis does changes anything any more.
 */
export type RedisLimiterState = 'connecting' | 'shared' | 'fallback' | 'disconnecting';

/** What a change of state does outside this file. */
export interface StateEffects {
  /** Tells the user that calls fall back to the local budget (true) or return to the shared one (false). */
  readonly onFallback: (active: boolean) => void;
  /** Moves the calls queued for the shared budget to the local fallback. */
  readonly moveQueued: () => void;
}

/**
 * The state of a RedisLimiter and its transitions. From each state, on each event (a dash: the
 * state stays and nothing happens):
 *
 * | from          | Redis answers | Redis lost | grace period over | disconnecting |
 * | ------------- | ------------- | ---------- | ----------------- | ------------- |
 * | connecting    | shared        | -          | fallback          | disconnecting |
 * | shared        | -             | fallback   | -                 | disconnecting |
 * | fallback      | shared        | -          | -                 | disconnecting |
 * | disconnecting | -             | -          | -                 | -             |
 *
 * Entering `fallback` tells the user (true) and moves the calls queued for the shared budget;
 * going from `fallback` to `shared` tells the user (false). The grace period starts with the
 * limiter and ends early when it begins to close.
 */
export class RedisLimiterStatus {
  #state: RedisLimiterState = 'connecting';
  readonly #effects: StateEffects;
  readonly #graceTimer: ReturnType<typeof setTimeout>;

  /** Starts in `connecting`, with the grace period running. */
  constructor(effects: StateEffects) {
    this.#effects = effects;
    this.#graceTimer = setTimeout(() => this.#graceOver(), GRACE_MS);
    this.#graceTimer.unref();
  }

  /** The state now. */
  get state(): RedisLimiterState {
    return this.#state;
  }

  /** Whether calls use the shared budget: only while Redis answers. */
  get shared(): boolean {
    return this.#state === 'shared';
  }

  /** Redis answered: the health connection became ready, or it read the id's key in time. */
  redisAnswered(): void {
    // From `connecting`, the first answer: nobody was told of an outage, so nothing is taken back.
    // From `fallback`, the outage is over. (Already `shared`: nothing new. `disconnecting`: the
    // shared limiter has closed, so there is no shared budget to go back to.)
    if (this.#state === 'connecting' || this.#state === 'fallback') this.#enter('shared');
  }

  /** Redis stopped answering: the health connection closed, or a read of the id's key failed or came late. */
  redisLost(): void {
    // Only an outage of a Redis that answered: while `connecting` the grace period decides, in
    // `fallback` the user has been told already, and while `disconnecting` a connection that
    // closes is one the limiter closes itself. While close() waits for queued calls (still
    // `shared`), an outage still moves them: the local limiter closes after them.
    if (this.#state === 'shared') this.#enter('fallback');
  }

  /** close() began: a limiter closed before Redis first answered does not announce an outage. */
  closing(): void {
    clearTimeout(this.#graceTimer);
  }

  /** The shared limiter has closed and the limiter closes its own connections: what they do now is no outage, and no return. */
  disconnecting(): void {
    this.#enter('disconnecting');
  }

  /** Redis never answered within the grace period: an outage from the start, told like any other. */
  #graceOver(): void {
    if (this.#state === 'connecting') this.#enter('fallback');
  }

  /** The one place the state changes, with what each change does. */
  #enter(next: RedisLimiterState): void {
    const previous = this.#state;
    this.#state = next;
    if (next === 'fallback') {
      // Once per outage: `fallback` is entered only from `shared` or `connecting`.
      this.#effects.onFallback(true);
      // Calls queued for the shared budget would wait for Redis. (From `connecting` there are
      // none: every call has gone to the local fallback.)
      this.#effects.moveQueued();
    } else if (next === 'shared' && previous === 'fallback') {
      this.#effects.onFallback(false);
    }
  }
}
