/**
 * The guest protocol's model types (src/generated/guest-protocol.ts) are current, and every one of
 * the schema's 162 definitions is there under its identifier, enums as literal unions; the
 * generator's handling of what only this schema uses.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { generateModels, type Schema, typeName } from '../../../scripts/codegen/generator.js';
import { generateGuestProtocol, GUEST_PROTOCOL_FILE } from '../scripts/generate.js';
import { guestProtocol } from './guest-protocol-notes.js';

const generated = readFileSync(GUEST_PROTOCOL_FILE, 'utf8');
const definitions = guestProtocol.definitions;

describe('src/generated/guest-protocol.ts', () => {
  it('is what the generator makes from spec/webmessaging-guest-protocol.json (run `npm run generate`)', () => {
    expect(generated).toBe(generateGuestProtocol(definitions));
  });

  it('declares each of the 162 definitions once, under a unique identifier, each with TSDoc', () => {
    const names = Object.keys(definitions);
    expect(names).toHaveLength(162);
    const identifiers = names.map(typeName);
    expect(new Set(identifiers).size).toBe(names.length);
    for (const id of identifiers) {
      expect(id, id).toMatch(/^[A-Za-z_$][\w$]*$/);
      const declaration = new RegExp(`\\*/\\nexport (interface|type) ${id.replace(/\$/g, '\\$')}\\b`);
      expect(generated, id).toMatch(declaration);
    }
    expect(generated.match(/^export /gm)).toHaveLength(162);
    // Every export and every property line follows a TSDoc comment.
    const lines = generated.split('\n');
    lines.forEach((line, i) => {
      if (/^(export |\s+[\w$"]+\??: )/.test(line)) expect(lines[i - 1], `line ${i + 1}: ${line}`).toMatch(/\*\/$/);
    });
  });

  it('names dotted definitions by dropping the dot and capitalising what follows, as Genesys’ Java SDK does', () => {
    expect(typeName('RequestType.CloseSession')).toBe('RequestTypeCloseSession');
    expect(typeName('RequestType.IncomingMessage')).toBe('RequestTypeIncomingMessage');
    expect(typeName('oAuthParams')).toBe('oAuthParams');
    expect(typeName('a-b c')).toBe('aBC');
    expect(typeName('3d.model')).toBe('_3dModel');
    expect(generated).toContain(
      '/** The values of RequestType.CloseSession in the Web Messaging guest protocol definition. Named `RequestType.CloseSession` in the contract. */\nexport type RequestTypeCloseSession = "closeSession";',
    );
    expect(generated).toMatch(/export interface CloseSessionRequest \{[^}]*\n {2}action: RequestTypeCloseSession;/);
  });

  it('writes enums as literal unions, allOf and nullable items, and inline objects with their properties', () => {
    expect(generated).toContain(
      'export type RequestType = "configureSession" | "configureAuthenticatedSession" | "onAttachment" | "getAttachment" | "deleteAttachment" | "onMessage" | "closeSession" | "echo" | "getJwt" | "disconnectCustomer" | "resumeToken" | "getConfiguration";',
    );
    expect(generated).toContain('  verificationType?: (RecipientVerificationType | null)[];');
    expect(generated).toContain(
      [
        '  channel?: {',
        '    /** The `metadata` property of IncomingNormalizedMessage.channel. */',
        '    metadata?: {',
        '      /** The `customAttributes` property of IncomingNormalizedMessage.channel.metadata. */',
        '      customAttributes: Record<string, string>;',
        '    };',
      ].join('\n'),
    );
    // `items: {}` and `additionalProperties: {}`: any value.
    expect(generated).toMatch(/export interface ContentCard \{[^]*?\n {2}actions: unknown\[\];/);
    expect(generated).toMatch(/export interface ContentActions \{[^]*?\n {2}context\?: Record<string, unknown>;/);
    expect(generated).toContain(
      '/** The class of a server frame: the model of its body (`string` for an error text). */\nexport type MessageDataType =',
    );
  });

  it('refuses a contract with constructs it cannot render, and two definitions that make one identifier', () => {
    const docs = { specFile: 'spec/x.json', entry: 'x.ts', title: 'X', modelDocs: {}, propertyDocs: {} };
    const oneOf = { type: 'object', properties: { a: { oneOf: [{ type: 'string' }] } } } as unknown as Schema;
    expect(() => generateModels({ A: oneOf }, docs)).toThrow('spec/x.json: A.a: `oneOf` is not supported by the generator');
    expect(() => generateModels({ 'A.B': { type: 'string' }, AB: { type: 'string' } }, docs)).toThrow('two generated types are named AB');
    // A property named like a keyword is a property, not the keyword.
    expect(generateModels({ A: { type: 'object', properties: { not: { type: 'string' } } } }, docs)).toContain('  not?: string;');
  });
});
