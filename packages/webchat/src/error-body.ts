/** Genesys' ErrorBody on HttpError: typed access, and its parameterised message as the error's message. */
import { HttpError, type HttpResponse, REDACTED, type Redaction } from '@switchboard/core';
import type { ErrorBody } from './generated/models.js';

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
