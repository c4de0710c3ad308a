/** The generated code is current, and all 25 descriptors match the contract field by field. */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { RouteDescriptor } from '@switchboard/core';
import { webMessagingRoutes } from '@switchboard/webmessaging';
import { generate, OUTPUT_DIR, PROSE_LIMITS } from '../scripts/generate.js';
import { spec } from './spec.js';

describe('generated code', () => {
  it.each(Object.entries(generate(spec)))(
    'src/generated/%s is what the generator makes from the contract (run `pnpm generate`)',
    (file, content) => {
      expect(readFileSync(new URL(file, OUTPUT_DIR), 'utf8')).toBe(content);
    },
  );

  it('declares a type for each of the 184 models but the 3 of @switchboard/genesys', () => {
    const models = readFileSync(new URL('models.ts', OUTPUT_DIR), 'utf8');
    const names = Object.keys(spec.definitions);
    expect(names).toHaveLength(184);
    for (const name of names) {
      const declared = models.includes(`export interface ${name} {`) || models.includes(`export type ${name} = Record<string, unknown>;`);
      expect(declared, name).toBe(!['ErrorBody', 'Detail', 'Limit'].includes(name));
    }
  });
});

describe('the 25 descriptors', () => {
  const routes = webMessagingRoutes as Readonly<Record<string, RouteDescriptor>>;

  it('are exactly the contract’s operations: 21 under /api/v2/webdeployments, 4 under /api/v2/webmessaging', () => {
    expect(Object.keys(routes).sort()).toEqual(spec.operations.map((o) => o.operationId).sort());
    const paths = Object.values(routes).map((r) => r.path);
    expect(paths.filter((p) => p.startsWith('/api/v2/webdeployments/'))).toHaveLength(21);
    expect(paths.filter((p) => p.startsWith('/api/v2/webmessaging/'))).toHaveLength(4);
  });

  it('take auth from the contract: 16 OAuth, 2 with the guest JWT, 7 with none', () => {
    const count = (scheme: string) => Object.values(routes).filter((r) => r.auth === scheme).length;
    expect([count('oauth'), count('guestJwt'), count('none')]).toEqual([16, 2, 7]);
  });

  it.each(spec.operations.map((op) => [op.operationId, op] as const))('%s matches the contract field by field', (operationId, op) => {
    const route = routes[operationId] as RouteDescriptor;
    expect(route).toMatchObject({ operationId, method: op.method, path: op.path, auth: op.authScheme, deprecated: op.deprecated });
    const successes = Object.entries(op.responses).filter(([status]) => status.startsWith('2'));
    expect(route.successStatus).toBe(Number(successes[0]?.[0]));
    // Only when every success has a body is an empty 2xx a parse error (cobrowse's DELETE answers 200 Empty or 204).
    expect(route.responseBody === true).toBe(successes.every(([, r]) => Boolean(r.schemaRef)));
    expect(route.idempotent).toBe(['GET', 'PUT', 'DELETE'].includes(op.method));
    expect(route.pathParams.map((p) => p.name)).toEqual(op.pathParams.map((p) => p.name));
    expect(route.queryParams).toEqual(
      op.queryParams.map((p) => {
        const limits = p.type === 'integer' ? (PROSE_LIMITS.query[p.name] ?? {}) : {};
        return {
          name: p.name,
          type: p.type,
          required: Boolean(p.required),
          ...(p.items ? { items: p.items } : {}),
          ...(p.default !== undefined ? { default: p.default } : {}),
          ...limits,
        };
      }),
    );
    expect(route.headerParams ?? []).toEqual(
      (op.headerParams ?? []).map((h) => ({ name: h.sdkParamName, header: h.name, required: Boolean(h.required) })),
    );
    if (op.body) {
      expect(route.body).toEqual({ schema: op.body.schemaRef, required: op.body.required });
      expect(typeof route.validate).toBe('function');
    } else {
      expect(route.body).toBeUndefined();
    }
  });
});
