export type { CallContext, Middleware, Next, Phase } from '@switchboard/core';
export { AuthError } from './errors.js';
export { authByScheme, type AuthBySchemeOptions, type AuthorizationProvider } from './auth-scheme.js';
