/**
 * The logging middleware (operation phase), on a pino logger the user passes: one line per call
 * when it ends (info on success, warn when it needed more than one attempt, error on failure)
 * and, at debug level, one line per attempt, retry (or retry refused) and wait. Lines carry ids,
 * statuses and durations only; bodies are logged at debug level only when asked for, through the
 * client's redaction rule (secrets always hidden, customer text unless opted in).
 */
import { type CallEvent, defaultRedaction, type HttpRequest, type Middleware, REDACTED, type Redaction } from '@switchboard/core';

/**
 * What the middleware needs of a logger. A pino logger (any recent major) fits, and so does any
 * structured logger with the same shape: fields first, then the message.
 */
export interface Logger {
  /** Logs `message` with `fields` at debug level. */
  debug(fields: object, message: string): void;
  /** Logs `message` with `fields` at info level. */
  info(fields: object, message: string): void;
  /** Logs `message` with `fields` at warn level. */
  warn(fields: object, message: string): void;
  /** Logs `message` with `fields` at error level. */
  error(fields: object, message: string): void;
  /** Whether lines of `level` (`debug`, `info`, `error`) are logged. */
  isLevelEnabled(level: string): boolean;
  /** A logger that adds `bindings` to every line (the middleware binds `lib: 'switchboard'`). */
  child(bindings: Record<string, unknown>): Logger;
}

/** What {@link logging} takes. */
export interface LoggingOptions {
  /** The logger to write to: a pino logger, or one of the same shape. */
  readonly logger: Logger;
  /**
   * The client's redaction rule; secrets only by default.
   * @default `defaultRedaction` of `@switchboard/core` (secrets only)
   */
  readonly redaction?: Redaction;
  /**
   * At debug level, also log each request's body and the final response's body (redacted). Default false.
   * @default `false`
   */
  readonly bodies?: boolean;
  /**
   * Middleware name.
   * @default `'logging'`
   */
  readonly name?: string;
}

const MAX_MESSAGE = 300;

/** What a log line shows of a body of bytes (an upload): that there was one, never what it holds. */
const BYTES = '[bytes]';

function bodyOf(request: HttpRequest, redaction: Redaction): unknown {
  if (request.body === undefined) return undefined;
  if (typeof request.body !== 'string') return BYTES;
  try {
    return redaction.value(JSON.parse(request.body));
  } catch {
    return redaction.includeText ? redaction.text(request.body) : REDACTED;
  }
}

function failureMessage(error: unknown, redaction: Redaction): string | undefined {
  return error instanceof Error ? redaction.text(error.message).slice(0, MAX_MESSAGE) : undefined;
}

function callLine(logger: Logger, event: Extract<CallEvent, { type: 'call.end' }>, error: unknown, redaction: Redaction): void {
  const { operationId, method, urlTemplate, status, attempts, waitedMs, correlationId, errorType, outcome } = event;
  const fields = {
    operationId,
    method,
    urlTemplate,
    outcome,
    status,
    errorType,
    attempts,
    durationMs: Math.round(event.durationMs * 10) / 10,
    waitedMs: Math.round(waitedMs),
    correlationId,
    error: outcome === 'failure' ? failureMessage(error, redaction) : undefined,
  };
  const summary = `${operationId} ${status ?? errorType ?? ''} after ${attempts} attempt${attempts === 1 ? '' : 's'} in ${fields.durationMs} ms`;
  if (outcome !== 'success') logger.error(fields, summary);
  else if (attempts > 1) logger.warn(fields, summary);
  else logger.info(fields, summary);
}

/**
 * The operation-phase logging middleware: one line per call when it ends (info on success, warn
 * when it took more than one attempt, error on failure) and, at debug level, one line per
 * attempt, retry (or retry refused) and wait. Lines carry ids, statuses and durations only;
 * bodies only when asked for, through the redaction rule. A failing logger never fails a call.
 */
export function logging(options: LoggingOptions): Middleware {
  const logger = options.logger.child({ lib: 'switchboard' });
  const redaction = options.redaction ?? defaultRedaction;

  return {
    name: options.name ?? 'logging',
    phase: 'operation',
    async handle(ctx, next) {
      let debug: boolean;
      try {
        if (!logger.isLevelEnabled('info') && !logger.isLevelEnabled('error')) return next();
        debug = logger.isLevelEnabled('debug');
      } catch {
        // A logger that fails does not fail the call.
        return next();
      }
      const { operationId } = ctx.route;
      ctx.observe({
        beforeSend:
          debug && options.bodies
            ? (request, attempt) =>
                logger.debug({ operationId, attempt, requestBody: bodyOf(request, redaction) }, `${operationId} attempt ${attempt} request`)
            : undefined,
        // The caller's outcome, with its error, once the call's last request has settled.
        ended: (event, error) => callLine(logger, event, error, redaction),
        event(event) {
          switch (event.type) {
            case 'attempt.end':
              if (debug) {
                const { attempt, status, errorType, correlationId } = event;
                logger.debug(
                  { operationId, attempt, status, errorType, durationMs: Math.round(event.durationMs * 10) / 10, correlationId },
                  `${operationId} attempt ${attempt}: ${status ?? errorType ?? ''}`,
                );
              }
              return;
            case 'retry':
              if (debug)
                logger.debug(
                  {
                    operationId,
                    attempt: event.attempt,
                    reason: event.reason,
                    waitMs: Math.round(event.waitMs),
                    status: event.status,
                    errorType: event.errorType,
                  },
                  `${operationId} will retry in ${Math.round(event.waitMs)} ms (${event.reason})`,
                );
              return;
            case 'retry.refused':
              if (debug)
                logger.debug(
                  { operationId, attempt: event.attempt, reason: event.reason, status: event.status, errorType: event.errorType },
                  `${operationId} will not retry (${event.reason})`,
                );
              return;
            case 'wait':
              if (debug)
                logger.debug(
                  { operationId, attempt: event.attempt, reason: event.reason, durationMs: Math.round(event.durationMs * 10) / 10 },
                  `${operationId} waited ${Math.round(event.durationMs)} ms (${event.reason})`,
                );
              return;
            default:
              return;
          }
        },
      });
      const response = await next();
      if (debug && options.bodies) {
        try {
          logger.debug({ operationId, status: response.status, responseBody: redaction.value(response.data) }, `${operationId} response`);
        } catch {
          // A logger that fails does not fail the call.
        }
      }
      return response;
    },
  };
}
