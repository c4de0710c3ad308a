/** What the emulator keeps on each fastify request, and what it reads off one. */
import type { FastifyRequest } from 'fastify';
import type { Fault } from './faults.js';
import type { GuestClaims } from './guest-jwt.js';

/** A request's emulator state: set by the first hook, read by every step after it. */
export interface Pending {
  readonly correlationId: string;
  readonly operationId: string;
  /** The key this request was counted under, once it was. */
  rateKey?: string;
  guest?: GuestClaims | undefined;
  fault?: Fault | undefined;
}

declare module 'fastify' {
  interface FastifyRequest {
    emulator: Pending;
  }
}

export const JSON_TYPE = /^application\/json\b/i;

/** A spec path (`/a/{id}`) as fastify routes it (`/a/:id`). */
export function fastifyPath(path: string): string {
  return path.replace(/\{(\w+)\}/g, ':$1');
}

/** The bearer token of the request's Authorization header, if it has one. */
export function bearer(request: FastifyRequest): string | undefined {
  const match = /^Bearer\s+(\S+)$/i.exec(request.headers.authorization ?? '');
  return match?.[1];
}
