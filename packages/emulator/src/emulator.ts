/** A running emulator's public face: what `startEmulator` resolves with. */
import type { FaultRule } from './faults.js';
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
  /** Messages stored in a conversation: the proof that a write was not duplicated (or lost). */
  messagesStored(conversationId: string): number;
  /** Every counter as plain data, as `/__emulator/stats` serves it. */
  snapshot(): Record<string, unknown>;
}
