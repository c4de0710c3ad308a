/** Descriptors for tests: a small made-up API that exercises every descriptor feature. */
import { defineRoute } from '@switchboard/core';

export interface Thing {
  readonly id: string;
  readonly name: string;
}

export const getThing = defineRoute<{ thingId: string; verbose?: boolean }, Thing>({
  operationId: 'getThing',
  method: 'GET',
  path: '/api/things/{thingId}',
  pathParams: [{ name: 'thingId', type: 'string', required: true }],
  queryParams: [{ name: 'verbose', type: 'boolean' }],
  auth: 'none',
  idempotent: true,
  deprecated: false,
  successStatus: 200,
});

export const listThings = defineRoute<
  { pageSize?: number; sortOrder?: 'ascending' | 'descending'; tag?: string[]; after?: string; ratio?: number },
  { entities: Thing[] }
>({
  operationId: 'listThings',
  method: 'GET',
  path: '/api/things',
  pathParams: [],
  queryParams: [
    { name: 'pageSize', type: 'integer', minimum: 1, maximum: 100, default: 25 },
    { name: 'sortOrder', type: 'string', enum: ['ascending', 'descending'] },
    { name: 'tag', type: 'array', items: { type: 'string' } },
    { name: 'after', type: 'string' },
    { name: 'ratio', type: 'number' },
  ],
  auth: 'none',
  idempotent: true,
  deprecated: false,
  successStatus: 200,
});

export const createThing = defineRoute<{ body: { name: string } }, Thing>({
  operationId: 'createThing',
  method: 'POST',
  path: '/api/things',
  pathParams: [],
  queryParams: [],
  body: { schema: 'Thing', required: true },
  auth: 'oauth',
  idempotent: false,
  deprecated: false,
  successStatus: 200,
});

export const deleteThing = defineRoute<{ thingId: string; memberId: string }, undefined>({
  operationId: 'deleteThing',
  method: 'DELETE',
  path: '/api/things/{thingId}/members/{memberId}',
  pathParams: [
    { name: 'thingId', type: 'string', required: true },
    { name: 'memberId', type: 'string', required: true },
  ],
  queryParams: [],
  auth: 'oauth',
  idempotent: true,
  deprecated: false,
  successStatus: 204,
});

/** The smallest route: GET /ping, no input. */
export const ping = defineRoute<Record<string, never>, { ok?: boolean }>({
  operationId: 'ping',
  method: 'GET',
  path: '/ping',
  pathParams: [],
  queryParams: [],
  auth: 'none',
  idempotent: true,
  deprecated: false,
  successStatus: 200,
});

/** GET /ping/{id}: a ping that names its call, so that a server can tell calls apart. */
export const pingById = defineRoute<{ id: string }, unknown>({
  operationId: 'ping',
  method: 'GET',
  path: '/ping/{id}',
  pathParams: [{ name: 'id', type: 'string', required: true }],
  queryParams: [],
  auth: 'none',
  idempotent: true,
  deprecated: false,
  successStatus: 200,
});
