/** What an operation handler gets and gives back; handlers know nothing of HTTP. */
import type { ScriptedAgent } from './agent.js';
import type { EventStreams } from './event-stream.js';
import type { GuestClaims, GuestJwtIssuer } from './guest-jwt.js';
import type { Store } from './store.js';

export interface World {
  readonly store: Store;
  readonly agent: ScriptedAgent;
  readonly streams: EventStreams;
  readonly jwt: GuestJwtIssuer;
  readonly organizationId: string;
  /** ws:// origin of the event streams. */
  readonly wsBase: string;
}

export type QueryValue = string | number | boolean | undefined;

export interface OperationContext {
  readonly params: Readonly<Record<string, string>>;
  readonly query: Readonly<Record<string, QueryValue>>;
  readonly body: unknown;
  /** The guest JWT's claims, for guest operations. */
  readonly guest: GuestClaims | undefined;
  readonly world: World;
  /** Path and query of this request, for self and paging links. */
  readonly url: string;
}

export interface Answer {
  readonly status: number;
  readonly body?: unknown;
}

export type OperationHandler = (ctx: OperationContext) => Answer;
