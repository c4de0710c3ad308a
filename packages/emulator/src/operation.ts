/** What an operation handler gets and gives back; handlers know nothing of HTTP. */
import type { ScriptedAgent } from './agent.js';
import type { EventStreams } from './event-stream.js';
import type { GuestClaims, GuestJwtIssuer } from './guest-jwt.js';
import type { MessagingAuth } from './messaging-auth.js';
import type { GuestSessions } from './messaging-sessions.js';
import type { Store } from './store.js';
import type { WebDeployments } from './web-deployments.js';

export interface World {
  readonly store: Store;
  readonly agent: ScriptedAgent;
  readonly streams: EventStreams;
  readonly jwt: GuestJwtIssuer;
  readonly organizationId: string;
  /** ws:// origin of the event streams. */
  readonly wsBase: string;
  /** Web Messaging: deployments, configurations, push devices, cobrowse. */
  readonly webDeployments: WebDeployments;
  /** Web Messaging: authorization codes, refresh tokens, authenticated-session JWTs. */
  readonly messagingAuth: MessagingAuth;
  /** Web Messaging: guest sessions and their history. */
  readonly guestSessions: GuestSessions;
}

/** A query value as the contract types it: array parameters are lists of strings. */
export type QueryValue = string | number | boolean | readonly string[] | undefined;

export interface OperationContext {
  readonly params: Readonly<Record<string, string>>;
  readonly query: Readonly<Record<string, QueryValue>>;
  /** The operation's header parameters, by their wire names, as sent (absent ones undefined). */
  readonly headers: Readonly<Record<string, string | undefined>>;
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
