/** An error answer an operation handler throws; the pipeline turns it into an ErrorBody. */
import { MESSAGES, type KnownCode } from './error-body.js';

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly errorCode: KnownCode,
    readonly params: Readonly<Record<string, string>> = {},
    readonly headers: Readonly<Record<string, string>> = {},
  ) {
    super(MESSAGES[errorCode]);
  }
}

export const notFound = (): ApiError => new ApiError(404, 'not.found');
export const badRequest = (violation: string): ApiError => new ApiError(400, 'constraint.validation', { violation });
