/** Errors raised by Switchboard's middleware. */
import { SwitchboardError } from '@switchboard/core';

/** No usable credentials for a call: none configured for its auth scheme, or getting a token failed. Nothing was sent. */
export class AuthError extends SwitchboardError {
  readonly code = 'E_AUTH';
}
