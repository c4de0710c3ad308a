/** The call options of the operations a guest makes with their own credential, the guest JWT. */
import type { CallOptions } from '@switchboard/core';

/**
 * CallOptions with the guest's JWT, for the two operations the contract authorises by it:
 * `getWebmessagingMessages` takes the JWT the guest WebSocket's `getJwt` action answers with, and
 * `deleteWebdeploymentsTokenRevoke` the JWT of an authenticated session (from the OAuth code
 * exchange, or a refresh). It is sent as `Authorization: Bearer <jwt>` on every attempt of that
 * call only, and never logged.
 */
export interface GuestCallOptions extends CallOptions {
  /** The guest's JWT, without `Bearer `. */
  readonly guestJwt: string;
}
