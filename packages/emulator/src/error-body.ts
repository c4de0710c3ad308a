/**
 * Genesys' ErrorBody: `message` for people, `code` for programs, and `messageWithParams` with
 * `{name}` placeholders whose values are in `messageParams`, plus the request's correlation id
 * as `contextId`.
 */

export interface ErrorBody {
  /** A human-readable description: `messageWithParams` filled in. */
  readonly message: string;
  /** A stable code for programs, such as `bad.request` or `too.many.requests.retry.after`. */
  readonly code: string;
  /** The HTTP status of the response. */
  readonly status: number;
  /** The message with `{name}` placeholders. */
  readonly messageWithParams: string;
  /** The values of the placeholders in `messageWithParams`. */
  readonly messageParams: Readonly<Record<string, string>>;
  /** The request's correlation id (also sent as `inin-correlation-id`). */
  readonly contextId: string;
  /** Details of the error; always empty here. */
  readonly details: readonly unknown[];
  /** Nested errors; always empty here. */
  readonly errors: readonly unknown[];
  /** The id of the entity concerned, when there is one. */
  readonly entityId?: string;
  /** The name of the entity concerned, when there is one. */
  readonly entityName?: string;
}

/** Fills `{name}` placeholders from params. */
export function fillParams(template: string, params: Readonly<Record<string, string>>): string {
  return template.replace(/\{(\w+)\}/g, (whole, name: string) => params[name] ?? whole);
}

export function errorBody(
  status: number,
  code: string,
  messageWithParams: string,
  contextId: string,
  messageParams: Readonly<Record<string, string>> = {},
  extra: Partial<Pick<ErrorBody, 'entityId' | 'entityName'>> = {},
): ErrorBody {
  return {
    message: fillParams(messageWithParams, messageParams),
    code,
    status,
    messageWithParams,
    messageParams,
    contextId,
    details: [],
    errors: [],
    ...extra,
  };
}

/** Messages as the spec's x-inin-error-codes give them, with `%s` as named placeholders. */
export const MESSAGES = {
  'bad.request': 'The request could not be understood by the server due to malformed syntax.',
  'authentication.required': 'No authentication bearer token specified in authorization header.',
  'bad.credentials': 'Invalid login credentials.',
  'not.authorized': 'You are not authorized to perform the requested action.',
  'not.found': 'The requested resource was not found.',
  'invalid.query.param.value': 'Value [{value}] is not valid for parameter [{parameter}]. Allowable values are: {allowed}',
  'constraint.validation': '{violation}',
  'unsupported.media.type':
    'Unsupported Media Type - Unsupported or incorrect media type, such as an incorrect Content-Type value in the header.',
  'request.entity.too.large': 'The request is over the size limit. Maximum bytes: {maximum}',
  'too.many.requests.retry.after': 'Rate limit exceeded the maximum. Retry the request in [{retryAfter}] seconds',
  'internal.server.error': 'The server encountered an unexpected condition which prevented it from fulfilling the request.',
  'service.unavailable': 'Service Unavailable - The server is currently unavailable (because it is overloaded or down for maintenance).',
  'request.timeout': 'The request timed out.',
  'client.timeout':
    'The client did not produce a request within the server timeout limit. This can be caused by a slow network connection and/or large payloads.',
  'chat.error.member.state': 'The conversation member is in a state which does not permit this action.',
  'chat.error.conversation.state': 'The conversation is in a state which does not permit this action.',
  'chat.deployment.disabled': 'The web chat deployment is disabled.',
  'chat.error.invalid.queue': 'The specified queue is not valid.',
  // Web Messaging: the push-device codes are those Genesys' Kotlin transport maps (PushErrorResponse.toErrorCode()).
  'device.already.registered': 'A device is already registered with this token id.',
  'device.not.found': 'No device is registered with this token id.',
  'configuration.in.use': 'The configuration is used by deployment {deploymentId}.',
} as const;

export type KnownCode = keyof typeof MESSAGES;
