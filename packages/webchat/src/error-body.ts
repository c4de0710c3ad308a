/** Genesys' ErrorBody on HttpError: typed access, and its parameterised message as the error's message. */
import { HttpError, type HttpResponse } from '@switchboard/core';
import type { ErrorBody } from './generated/models.js';

function isErrorBody(value: unknown): value is ErrorBody {
  return typeof value === 'object' && value !== null && ('code' in value || 'messageWithParams' in value || 'message' in value);
}

/** The ErrorBody of a failed call, when the server sent one. */
export function errorBodyOf(error: unknown): ErrorBody | undefined {
  return error instanceof HttpError && isErrorBody(error.body) ? error.body : undefined;
}

/** `messageWithParams` with its `{name}` placeholders filled from `messageParams`. */
export function errorMessage(body: ErrorBody): string | undefined {
  if (body.messageWithParams) {
    const params = body.messageParams ?? {};
    return body.messageWithParams.replace(/\{(\w+)\}/g, (whole, name: string) => (Object.prototype.hasOwnProperty.call(params, name) ? (params[name] ?? whole) : whole));
  }
  return body.message;
}

/** HttpError's message for a Genesys answer: the filled-in message and the code. */
export function describeGenesysError(response: HttpResponse): string | undefined {
  if (!isErrorBody(response.data)) return undefined;
  const message = errorMessage(response.data);
  const code = response.data.code;
  return [message, code ? `(${code})` : undefined].filter(Boolean).join(' ') || undefined;
}
