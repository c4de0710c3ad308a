/**
 * `@switchboard/genesys`: what every Genesys Cloud API client shares — regions and their hosts,
 * OAuth (client credentials, token providers), Genesys' ErrorBody and correlation id, the
 * middleware set-up of a Genesys client ({@link GenesysClient}), paging, the request-body
 * validators generated code uses, and the resilient stream ({@link ResilientStream}) that WebChat's
 * event stream and Web Messaging's guest session run on. `@switchboard/webchat` and `@switchboard/webmessaging` build on it, and
 * re-export it: an integrator installs one of those.
 * @module
 */
export { REGION_DOMAINS, regionUrls, type RegionName, type RegionUrls } from './regions.js';
export { type Detail, type ErrorBody, type Limit, describeGenesysError, errorBodyOf, errorMessage } from './error-body.js';
export {
  type AccessTokenProvider,
  type ClientCredentialsConfig,
  type OAuthSetting,
  oauthCredentials,
  type TokenSource,
  tokenSource,
} from './oauth-credentials.js';
export type { GenesysClientBaseOptions, GenesysClientOptions } from './client-options.js';
export { GenesysClient, type GenesysAPISetup, type SensitiveKeys } from './genesys-client.js';
export { type BodyLimits, bodyValidators } from './body-validators.js';
export { afterCursor, byCursor, byPageNumber, checkSignal, type CursorPage, type NumberedPage } from './pagination.js';
export { type Clock, systemClock, type TimerHandle } from './clock.js';
export { ReorderWindow } from './reorder-window.js';
export { EventQueue } from './event-queue.js';
export { EventFanOut, type EventFanOutOptions, type TypedEvent } from './event-fan-out.js';
export {
  bufferOf,
  type FrameData,
  type OpenedSocket,
  openWebSocket,
  SOCKET_CLOSED,
  SOCKET_OPEN,
  type SocketOpener,
  type SocketRequest,
  type SocketFailure,
  socketFailure,
  type StreamSocket,
} from './web-socket.js';
export {
  ResilientStream,
  type StreamConnectionEvent,
  type StreamFailure,
  type StreamFrame,
  type StreamHandlers,
  type StreamSeams,
  type StreamSettings,
  type StreamSource,
} from './resilient-stream.js';
export {
  meterOf,
  type StreamObserver,
  streamTelemetry,
  type StreamTelemetry,
  type StreamTelemetryEvent,
  type StreamTelemetryOptions,
  type TelemetryProviders,
  telemetryProviders,
} from './stream-telemetry.js';
