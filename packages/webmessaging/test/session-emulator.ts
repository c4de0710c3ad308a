/**
 * What the guest-session tests against the emulator share: an emulator whose agent answers at
 * once, and a client of it whose sessions reconnect within a fifth of a second.
 */
import { type Emulator, startEmulator } from '@switchboard/emulator';
import { type SessionOptions, WebMessagingAPI, type WebMessagingAPIOptions } from '@switchboard/webmessaging';

/** An emulator whose agent joins, types and answers within milliseconds. */
export function startSessionEmulator(): Promise<Emulator> {
  return startEmulator({ port: 0, agent: { joinDelayMs: 5, typingDelayMs: 5, replyDelayMs: 20 } });
}

/** A client of `emulator`'s Web Messaging, its sessions reconnecting after 20 to 200 ms; `extra` and `session` add to that. */
export function sessionClient(
  emulator: Emulator,
  extra: Partial<WebMessagingAPIOptions> = {},
  session: SessionOptions = {},
): WebMessagingAPI {
  return new WebMessagingAPI({
    baseUrl: emulator.apiUrl,
    webMessagingUrl: emulator.webMessagingUrl,
    deploymentId: emulator.webMessagingDeploymentId,
    session: { reconnect: { baseMs: 20, capMs: 200 }, ...session },
    ...extra,
  });
}
