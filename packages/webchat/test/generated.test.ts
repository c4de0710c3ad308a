/** The generated code is current, and all 19 descriptors match the spec field by field. */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { ParamSpec, RouteDescriptor } from '@switchboard/core';
import { webChatRoutes } from '@switchboard/webchat';
import { generate, OUTPUT_DIR, PROSE_LIMITS } from '../scripts/generate.js';
import { spec } from './spec.js';

/** The models every Genesys contract defines alike, whose one home is @switchboard/genesys (WebChat re-exports them). */
const SHARED = ['ErrorBody', 'Detail', 'Limit'];

describe('generated code', () => {
  it.each(Object.entries(generate(spec)))(
    'src/generated/%s is what the generator makes from the spec (run `pnpm --filter @switchboard/webchat generate`)',
    (file, content) => {
      expect(readFileSync(new URL(file, OUTPUT_DIR), 'utf8')).toBe(content);
    },
  );

  it('gives every property of every model its spec type, optionality and read-only mark', () => {
    const models = readFileSync(new URL('models.ts', OUTPUT_DIR), 'utf8');
    const block = (name: string) => new RegExp(`export interface ${name} \\{\\n([\\s\\S]*?)\\n\\}`).exec(models)?.[1] ?? '';
    const expectedType = (schema: {
      type?: string;
      $ref?: string;
      enum?: readonly string[];
      items?: object;
      additionalProperties?: unknown;
    }): string => {
      if (schema.$ref) return schema.$ref.replace('#/definitions/', '');
      if (schema.enum) return schema.enum.map((v) => JSON.stringify(v)).join(' | ');
      if (schema.type === 'integer' || schema.type === 'number') return 'number';
      if (schema.type === 'array') {
        const item = expectedType(schema.items as never);
        return item.includes('|') ? `(${item})[]` : `${item}[]`;
      }
      if (schema.type === 'object')
        return schema.additionalProperties ? `Record<string, ${expectedType(schema.additionalProperties)}>` : 'Record<string, unknown>';
      return schema.type ?? 'unknown';
    };
    let checked = 0;
    for (const [name, model] of Object.entries(spec.definitions)) {
      if (SHARED.includes(name)) continue;
      const lines = block(name);
      for (const [prop, schema] of Object.entries(model.properties ?? {})) {
        const required = (model.required ?? []).includes(prop);
        const line = `  ${schema.readOnly ? 'readonly ' : ''}${prop}${required ? '' : '?'}: ${expectedType(schema)};`;
        expect(lines.split('\n'), `${name}.${prop}`).toContain(line);
        checked++;
      }
    }
    expect(checked).toBeGreaterThan(100);
  });

  it('declares a type for each of the 26 definitions but the 3 of @switchboard/genesys, and request variants without read-only fields', () => {
    const models = readFileSync(new URL('models.ts', OUTPUT_DIR), 'utf8');
    const names = Object.keys(spec.definitions);
    expect(names).toHaveLength(26);
    for (const name of names) {
      if (SHARED.includes(name)) expect(models).not.toContain(`export interface ${name} {`);
      else expect(models).toContain(`export interface ${name} {`);
    }
    const deploymentInput = /export interface WebChatDeploymentInput \{([\s\S]*?)\n\}/.exec(models)?.[1] ?? '';
    expect(deploymentInput).toContain('name?: string;');
    expect(deploymentInput).not.toMatch(/\bid\?|selfUri/);
  });
});

describe('the 19 descriptors', () => {
  const routes = webChatRoutes as Readonly<Record<string, RouteDescriptor>>;

  it('are exactly the spec’s operations', () => {
    expect(Object.keys(routes).sort()).toEqual(spec.operations.map((o) => o.operationId).sort());
    expect(Object.keys(routes)).toHaveLength(19);
  });

  it.each(spec.operations.map((op) => [op.operationId, op] as const))('%s matches the spec field by field', (operationId, op) => {
    const route = routes[operationId] as RouteDescriptor;
    expect(route.operationId).toBe(op.operationId);
    expect(route.method).toBe(op.method);
    expect(route.path).toBe(op.path);
    expect(route.auth).toBe(op.authScheme);
    expect(route.deprecated).toBe(op.deprecated);
    expect(route.deprecated).toBe(true);
    const success = Object.keys(op.responses).find((s) => s.startsWith('2'));
    expect(route.successStatus).toBe(Number(success));
    // A success that promises a model has a body: an empty one is a ResponseParseError.
    expect(route.responseBody === true).toBe(Boolean(success && op.responses[success]?.schemaRef));
    expect(route.idempotent).toBe(['GET', 'PUT', 'DELETE'].includes(op.method));

    expect(route.pathParams.map((p) => ({ name: p.name, type: p.type, required: p.required }))).toEqual(
      op.pathParams.map((p) => ({ name: p.name, type: p.type, required: true })),
    );
    const expectedQuery = op.queryParams.map((p) => {
      const limits = PROSE_LIMITS.query[p.name] ?? {};
      const expected: Partial<ParamSpec> = { name: p.name, type: p.type, required: Boolean(p.required) };
      if (p.enum) Object.assign(expected, { enum: p.enum });
      if (p.default !== undefined) Object.assign(expected, { default: p.default });
      if ((p.minimum ?? limits.minimum) !== undefined) Object.assign(expected, { minimum: p.minimum ?? limits.minimum });
      if ((p.maximum ?? limits.maximum) !== undefined) Object.assign(expected, { maximum: p.maximum ?? limits.maximum });
      return expected;
    });
    expect(route.queryParams).toEqual(expectedQuery);

    if (op.body) {
      expect(route.body).toEqual({ schema: op.body.schemaRef, required: op.body.required });
      expect(typeof route.validate).toBe('function');
    } else {
      expect(route.body).toBeUndefined();
      expect(route.validate).toBeUndefined();
    }
  });

  it('bound maxResults to 1..100 and page numbers and sizes to at least 1, as the spec’s descriptions say', () => {
    const messages = routes.getWebchatGuestConversationMessages as RouteDescriptor;
    expect(messages.queryParams.find((p) => p.name === 'maxResults')).toEqual({
      name: 'maxResults',
      type: 'integer',
      required: false,
      default: 100,
      minimum: 1,
      maximum: 100,
    });
    const members = routes.getWebchatGuestConversationMembers as RouteDescriptor;
    expect(members.queryParams.find((p) => p.name === 'pageSize')).toMatchObject({ minimum: 1, default: 25 });
    expect(members.queryParams.find((p) => p.name === 'pageNumber')).toMatchObject({ minimum: 1, default: 1 });
  });
});
