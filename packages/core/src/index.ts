export type { CallContext, RetryRefusedReport, RetryReport } from './context.js';
export {
  errorTypeOf,
  statusErrorType,
  type AttemptEndEvent,
  type AttemptStartEvent,
  type CallEndEvent,
  type CallEvent,
  type CallEventListener,
  type CallEventOf,
  type CallEventType,
  type CallObserver,
  type CallStartEvent,
  type RetryEvent,
  type RetryRefusalReason,
  type RetryRefusedEvent,
  type WaitEvent,
  type WaitReason,
} from './events.js';
export { defaultRedaction, Redaction, REDACTED, type RedactionOptions } from './redaction.js';
export {
  defineRoute,
  type BodySpec,
  type BytesBody,
  type HttpMethod,
  type InputOf,
  type InputValidator,
  type OutputOf,
  type ParamSpec,
  type HeaderParamSpec,
  type ParamType,
  type ParamValue,
  type RouteDescriptor,
  type ScalarType,
  type ValidationProblem,
} from './descriptor.js';
export {
  AbortError,
  ClientClosedError,
  ConfigurationError,
  HttpError,
  NetworkError,
  ResponseParseError,
  ResponseTooLargeError,
  SwitchboardError,
  TimeoutError,
  ValidationError,
  type HttpErrorOptions,
  type NetworkErrorOptions,
  type SwitchboardErrorOptions,
  type TimeoutKind,
} from './errors.js';
export type { HeaderRecord, HttpRequest, HttpResponse, RequestBody, ResponseHeaders, Transport, TransportOptions } from './http.js';
export { isReplayable } from './streamed-body.js';
export { presignedUploadRoute, type PresignedUploadInput } from './presigned-upload.js';
export { checkBaseUrl } from './base-url.js';
export { MAX_TIMER_MS } from './transports/attempt-timer.js';
export { isolated, ListenerSet } from './listener-set.js';
export { abortableSleep, untilAborted, waitFor } from './abortable.js';
export { checkProxySetting, isProxyConnectFailure, proxyEnvironment, proxyFor, type ProxyEnvironment, type ProxySetting } from './proxy.js';
export { headersFromRecord } from './headers.js';
export { PHASES, type Middleware, type Next, type Phase, type PipelineStep } from './middleware.js';
export { CallState, createStateKey, stateEntry, type StateEntry, type StateKey } from './state.js';
export { createClient, type CallOptions, type CallResult, type Client, type ClientOptions } from './client.js';
export { deadlineOf } from './client-options.js';
export { createKyTransport, type KyTransportOptions } from './transports/ky.js';
export { createUndiciTransport, type UndiciTransportOptions } from './transports/undici.js';
export { orderMiddleware } from './order.js';
export { validateInput } from './validate.js';
export { buildRequest } from './request.js';
