/** A running emulator's public face: what `startEmulator` resolves with. */
import type { FaultRule } from './faults.js';
import type { MessagingFault, MessagingFaultRule } from './messaging-fault.js';
import type { OAuthClient } from './oauth.js';
import type { StreamFaultRule } from './stream-fault.js';

/**
 * How a client reaches a running emulator, named as `WebChatAPI` takes it: what
 * `switchboard-emulator --json` prints, for scripts and for clients in other processes.
 */
export interface EmulatorSettings {
  /** The API host: `WebChatAPI`'s `baseUrl` (the emulator's `apiUrl`). */
  readonly baseUrl: string;
  /** The login host, to which `/oauth/token` is appended: `WebChatAPI`'s `loginUrl`. */
  readonly loginUrl: string;
  /** The organization's id, for `startGuestChat`. */
  readonly organizationId: string;
  /** The deployment it starts with, for `startGuestChat`. */
  readonly deploymentId: string;
  /** The OAuth client's id (client credentials). */
  readonly clientId: string;
  /** The OAuth client's secret (client credentials). */
  readonly clientSecret: string;
  /**
   * Web Messaging's guest WebSocket, without query: guests connect to
   * `${webMessagingUrl}?deploymentId=${webMessagingDeploymentId}&application=…`
   * (Genesys: `wss://webmessaging.{region domain}/v1`). Its REST API is at `baseUrl`.
   */
  readonly webMessagingUrl: string;
  /** The Web Messaging deployment it starts with (Active, attachments allowed). */
  readonly webMessagingDeploymentId: string;
}

/**
 * Web Messaging from a test (also under `/__emulator/messaging`). Sessions are named by the guest
 * token they were configured with; each fault returns how many of that token's sockets it touched
 * (0: no such session, or none open).
 */
export interface MessagingControls {
  /** Applies any fault (a TypeError for an invalid one). */
  fault(token: string, fault: MessagingFault): number;
  /** Destroys the sockets without a close frame, as a network drop does. */
  drop(token: string): number;
  /** The sockets send nothing for `ms` and stay open; what they would have sent is lost. */
  stall(token: string, ms: number): number;
  /** Closes the sockets with a close frame of `code` (and `reason`). */
  close(token: string, code: number, reason?: string): number;
  /** Sends `data` as one text frame, as it is: a frame the platform would never send. */
  frame(token: string, data: string): number;
  /** Each socket's next frame goes out twice. */
  duplicateNext(token: string): number;
  /** Each socket's next frame is held back and goes out right after the one that follows it. */
  reorderNext(token: string): number;
  /** The session's next `count` `onMessage` requests are answered 4029 (TooManyRequestsErrorMessage), whatever the rate. */
  rateLimit(token: string, count: number): number;
  /**
   * The session's next `count` guest messages (`onMessage` requests that pass the rate limit and
   * validation) are taken and lost: not stored, not echoed, not answered, no frame at all. The
   * rate limit counts them.
   */
  loseMessages(token: string, count: number): number;
  /**
   * The session's next `count` guest messages are stored and answered by the agent as usual, but
   * their echo (the StructuredMessage with the request's tracingId) goes to no socket.
   */
  withholdEchoes(token: string, count: number): number;
  /** The session expires now: SessionExpiredEvent, then 4006. */
  expire(token: string): number;
  /** The next `count` guest WebSocket upgrades are refused with `status` (503 by default). */
  refuseUpgrades(count: number, status?: number): void;
  /** Adds a fault that hits every guest socket opened from now on, `everyMs` after it opened and again every `everyMs`. */
  addRule(rule: MessagingFaultRule): void;
  /** Removes every rule (sockets opened under them keep their schedule until they close). */
  clearRules(): void;
  /** The agent ends the conversation (Presence Disconnect): the session becomes read-only. False when it was not active. */
  disconnectAgent(token: string): boolean;
  /** A one-time OAuth authorization code the code exchange and `configureAuthenticatedSession` accept. */
  issueAuthCode(): string;
  /** An agent's cobrowse offer in a deployment (the starting one by default), for the cobrowse operations. */
  offerCobrowse(deploymentId?: string): {
    /** The cobrowse session's id. */
    readonly id: string;
    /** Its join code, which the cobrowse operations also take in place of the id. */
    readonly joinCode: string;
  };
  /** Messages stored in a token's session (its history): the proof that a message was not duplicated, or not stored. */
  messagesStored(token: string): number;
}

/** A running emulator, from {@link startEmulator}. */
export interface Emulator {
  /** How a client reaches it, named as `WebChatAPI` takes it (what `switchboard-emulator --json` prints). */
  readonly settings: EmulatorSettings;
  /** Base URL of the API host (append `/api/v2/...`). */
  readonly apiUrl: string;
  /** Base URL of the login host (append `/oauth/token`). */
  readonly loginUrl: string;
  /** The organization's id. */
  readonly organizationId: string;
  /** The deployment it starts with. */
  readonly deploymentId: string;
  /** The OAuth client it starts with. */
  readonly client: OAuthClient;
  /** What the emulator saw and did, for tests and benchmarks. */
  readonly stats: EmulatorStats;
  /** Fault injection while it runs (also at `/__emulator/faults`). */
  readonly faults: {
    /** Adds a rule; returns its id. Throws a TypeError for an invalid rule. */
    add(rule: FaultRule): number;
    /** Removes a rule by id; whether there was one. */
    remove(id: number): boolean;
    /** Removes every rule. */
    clear(): void;
  };
  /**
   * Faults on a conversation's event stream sockets (also at `/__emulator/streams`). Each returns
   * how many sockets it touched. The scripted agent keeps answering meanwhile: what a guest misses
   * is in the messages API.
   */
  readonly streams: {
    /** Destroys the sockets without a close frame, as a network drop does. */
    drop(conversationId: string): number;
    /** The open sockets send nothing, heartbeats included, for `ms`, and stay open; the frames they would have sent are lost. */
    stall(conversationId: string, ms: number): number;
    /** Closes the sockets with a close frame of `code` (and `reason`). */
    close(conversationId: string, code: number, reason?: string): number;
    /**
     * Sends `data` as one text frame, as it is, on the open sockets: a frame the API would never
     * send (`'null'`, the wrong shape, more than a client takes), for a client's frame parser. A
     * stalled socket sends nothing.
     */
    frame(conversationId: string, data: string): number;
    /** Adds a fault that hits every socket attached from now on, `everyMs` after it attached and again every `everyMs`. Throws a TypeError for an invalid rule. */
    addRule(rule: StreamFaultRule): void;
    /** Removes every rule (sockets attached under them keep their schedule until they close). */
    clearRules(): void;
  };
  /** The guest WebSocket's base URL (`settings.webMessagingUrl`). */
  readonly webMessagingUrl: string;
  /** The Web Messaging deployment it starts with. */
  readonly webMessagingDeploymentId: string;
  /** Web Messaging: faults, the agent's disconnect, auth codes, cobrowse offers (also at `/__emulator/messaging`). */
  readonly messaging: MessagingControls;
  /** Has the scripted agent offer a media request (co-browse, screen share) in a conversation; returns its id. `types` is `['COBROWSE']` by default. */
  offerMediaRequest(conversationId: string, types?: readonly ('COBROWSE' | 'SCREENSHARE')[]): string;
  /** Closes every connection and socket, stops every timer. */
  stop(): Promise<void>;
}

/** Counters of what the emulator saw and did (`emulator.stats`, also at `/__emulator/stats`). */
export interface EmulatorStats {
  /** Requests received for an operation (`oauthToken` for the login host), optionally only those answered with a status or reset. */
  requests(operationId: string, outcome?: number | 'reset'): number;
  /** Requests received, all operations together. */
  readonly totalRequests: number;
  /** Requests answered with 429. */
  readonly tooManyRequests: number;
  /** Requests a fault rule picked. */
  readonly faultsInjected: number;
  /** OAuth tokens issued. */
  readonly tokensIssued: number;
  /** Event stream websockets open now. */
  readonly openEventStreams: number;
  /** Web Messaging guest websockets open now. */
  readonly openGuestSockets: number;
  /** Messages stored in a conversation: the proof that a write was not duplicated (or lost). */
  messagesStored(conversationId: string): number;
  /** Every counter as plain data, as `/__emulator/stats` serves it. */
  snapshot(): Record<string, unknown>;
}
