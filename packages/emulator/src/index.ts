export { startEmulator, type Emulator, type EmulatorSettings, type EmulatorStats } from './server.js';
export type { EmulatorOptions } from './options.js';
export type { Fault, FaultMatch, FaultRule } from './faults.js';
export type { StreamFault, StreamFaultRule } from './stream-fault.js';
export type { OAuthClient } from './oauth.js';
export type { RateLimit } from './rate-limit.js';
export type { AgentScript } from './agent.js';
export type { ErrorBody } from './error-body.js';
export { MAX_MESSAGE_CHARACTERS } from './routes/guest.js';
