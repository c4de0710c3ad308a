/** Writing answers: the one place where faults that change a response (resets, cut or slow bodies, bad JSON) are applied. */
import type { FastifyReply, FastifyRequest } from 'fastify';
import { ApiError } from './api-error.js';
import { type ErrorBody, errorBody, MESSAGES } from './error-body.js';
import type { Fault } from './faults.js';
import type { FaultWaits } from './fault-waits.js';
import type { Stats } from './stats.js';

export class Replies {
  readonly #stats: Stats;
  readonly #waits: FaultWaits;

  constructor(stats: Stats, waits: FaultWaits) {
    this.#stats = stats;
    this.#waits = waits;
  }

  async send(request: FastifyRequest, reply: FastifyReply, status: number, body: unknown): Promise<void> {
    const { operationId } = request.emulator;
    let { fault } = request.emulator;
    const payload = body === undefined ? '' : JSON.stringify(body);
    if (payload) reply.header('content-type', 'application/json');
    // An answer without a body (204) has nothing to cut, break or delay: it is reset instead.
    if (!payload && (fault?.kind === 'reset-mid-body' || fault?.kind === 'malformed-json' || fault?.kind === 'slow-body'))
      fault = { kind: 'reset', processed: true };
    if (fault?.kind === 'reset' || fault?.kind === 'reset-mid-body' || fault?.kind === 'slow-body') {
      reply.hijack();
      const raw = reply.raw;
      this.#stats.record(operationId, fault.kind === 'slow-body' ? status : 'reset');
      if (fault.kind === 'reset') {
        raw.socket?.destroy();
        return;
      }
      raw.writeHead(status, { ...(reply.getHeaders() as Record<string, string>), 'content-length': Buffer.byteLength(payload) });
      if (fault.kind === 'reset-mid-body') {
        raw.write(payload.slice(0, Math.floor(payload.length / 2)));
        await this.#waits.sleep(10);
        raw.socket?.destroy();
        return;
      }
      raw.flushHeaders();
      await this.#waits.sleep(fault.ms);
      raw.end(payload);
      return;
    }
    if (fault?.kind === 'slow-headers') await this.#waits.sleep(fault.ms);
    this.#stats.record(operationId, status);
    const text = fault?.kind === 'malformed-json' && payload ? payload.slice(0, Math.max(1, Math.floor(payload.length / 2))) : payload;
    await reply.code(status).send(text || undefined);
  }

  sendError(request: FastifyRequest, reply: FastifyReply, error: ApiError): Promise<void> {
    for (const [name, value] of Object.entries(error.headers)) reply.header(name, value);
    const body: ErrorBody = errorBody(
      error.status,
      error.errorCode,
      MESSAGES[error.errorCode],
      request.emulator.correlationId,
      error.params,
    );
    return this.send(request, reply, error.status, body);
  }

  /** Applies a fault that replaces the operation; returns true when the answer is already decided. */
  async applyLeadingFault(request: FastifyRequest, reply: FastifyReply, fault: Fault): Promise<boolean> {
    if (fault.kind === 'latency') await this.#waits.sleep(fault.ms);
    if (fault.kind === 'status') {
      const code =
        fault.status === 503
          ? 'service.unavailable'
          : fault.status === 504
            ? 'request.timeout'
            : fault.status === 408
              ? 'client.timeout'
              : 'internal.server.error';
      const headers: Record<string, string> = fault.retryAfter !== undefined ? { 'retry-after': String(fault.retryAfter) } : {};
      await this.sendError(request, reply, new ApiError(fault.status, code, {}, headers));
      return true;
    }
    if (fault.kind === 'reset' && !fault.processed) {
      await this.send(request, reply, 0, undefined);
      return true;
    }
    return false;
  }
}
