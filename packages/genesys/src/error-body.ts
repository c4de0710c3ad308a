/**
 * Genesys' ErrorBody, the error document of every Genesys Cloud API (identical in the WebChat and
 * the platform contracts), and its use on HttpError: typed access, and its parameterised message
 * as the error's message.
 */
import { HttpError, type HttpResponse, REDACTED, type Redaction } from '@switchboard/core';

/** The error document the Genesys Cloud API answers with for a 4xx or 5xx response. */
export interface ErrorBody {
  /** A human-readable description of the error. */
  message?: string;
  /** A stable code for the error, such as `bad.request` or `not.found`. */
  code?: string;
  /** The HTTP status of the response. */
  status?: number;
  /** The id of the entity concerned, if any. */
  entityId?: string;
  /** The name of the entity concerned, if any. */
  entityName?: string;
  /** The message with placeholders for the values in `messageParams`. */
  messageWithParams?: string;
  /** The values of the placeholders in `messageWithParams`. */
  messageParams?: Record<string, string>;
  /** The request's id on the server side (its correlation id), for Genesys support. */
  contextId?: string;
  /** Details of the error, one per field or entity concerned. */
  details?: Detail[];
  /** Nested errors, for a failure with several causes. */
  errors?: ErrorBody[];
  /** The limit that was exceeded, for a rate-limit or quota error. */
  limit?: Limit;
}

/** One detail of an ErrorBody: the field or entity concerned and its error code. */
export interface Detail {
  /** The error code for this field or entity. */
  errorCode?: string;
  /** The request field concerned, if any. */
  fieldName?: string;
  /** The id of the entity concerned, if any. */
  entityId?: string;
  /** The name of the entity concerned, if any. */
  entityName?: string;
}

/** The limit an ErrorBody reports as exceeded. */
export interface Limit {
  /** The limit's name within its namespace. */
  key?: string;
  /**
   * The API area the limit belongs to (`web.messaging`, `webchat`, `platform.api`, …). A string:
   * Genesys adds areas with each API release (the WebChat contract lists 82, the platform contract
   * of 2026-08 90), so an answer may name one no list here knows.
   */
  namespace?: string;
  /** The limit's value. */
  value?: number;
}

function isErrorBody(value: unknown): value is ErrorBody {
  return typeof value === 'object' && value !== null && ('code' in value || 'messageWithParams' in value || 'message' in value);
}

/** The ErrorBody of a failed call, when the server sent one. */
export function errorBodyOf(error: unknown): ErrorBody | undefined {
  return error instanceof HttpError && isErrorBody(error.body) ? error.body : undefined;
}

/**
 * `messageWithParams` with its `{name}` placeholders filled from `messageParams`; with a
 * redaction rule, parameters it hides (a token, a message's text) are filled with `[REDACTED]`.
 */
export function errorMessage(body: ErrorBody, redaction?: Redaction): string | undefined {
  if (body.messageWithParams) {
    const params = body.messageParams ?? {};
    return body.messageWithParams.replace(/\{(\w+)\}/g, (whole, name: string) => {
      if (!Object.prototype.hasOwnProperty.call(params, name)) return whole;
      return redaction?.hides(name) ? REDACTED : (params[name] ?? whole);
    });
  }
  return body.message;
}

/** HttpError's message for a Genesys answer: the filled-in message and the code, through the client's redaction rule. */
export function describeGenesysError(response: HttpResponse, redaction?: Redaction): string | undefined {
  if (!isErrorBody(response.data)) return undefined;
  const message = errorMessage(response.data, redaction);
  const code = response.data.code;
  return [message, code ? `(${code})` : undefined].filter(Boolean).join(' ') || undefined;
}
