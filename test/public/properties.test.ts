/**
 * The executor's promise as properties: nothing invalid is sent, everything valid is sent exactly once.
 *
 * Inputs for all 19 WebChat operations are generated from their descriptors and from the spec's
 * JSON Schemas (spec/webchat-api.json, read here), and called through `WebChatAPI` on an
 * in-memory transport that counts what it receives. The rule under test:
 *
 * - an invalid input is a `ValidationError` (`code` `E_VALIDATION`) with a problem whose pointer
 *   names the bad place, and no request at all;
 * - a valid input is one request, and `JSON.parse` of its body equals the input's body read as
 *   JSON data: own enumerable properties, an `undefined` property value being absent;
 * - validation and serialisation read the same thing: a field only on a prototype, or not
 *   enumerable, is absent for both;
 * - non-JSON values anywhere in a body (functions, symbols, `undefined` or holes in arrays, NaN,
 *   ±Infinity, BigInt, cycles, lone UTF-16 surrogates) are refused, each at its pointer.
 *
 * Unknown body fields: the README promises validation "against the spec's JSON Schemas", whose
 * models set no `additionalProperties`, so the client does not refuse them (only the emulator does,
 * as Genesys would); they are tested as sent as given.
 *
 * Replay a run with `SWITCHBOARD_PROPERTY_SEED=<seed printed below> npx vitest run test/public/properties.test.ts`.
 * Only what a user can import is used: `@switchboard/webchat`, `@switchboard/core`, fast-check, vitest.
 */
import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import {
  type CallResult,
  headersFromRecord,
  type HttpRequest,
  type HttpResponse,
  type ParamSpec,
  type RouteDescriptor,
  type Transport,
  ValidationError,
} from '@switchboard/core';
import { WebChatAPI, webChatRoutes } from '@switchboard/webchat';
import { propertySeed } from '../support/property-seed.js';

// ---------------------------------------------------------------------------------------------

const SEED = propertySeed('properties.test.ts');

// ---------------------------------------------------------------------------------------------
// The spec: models and success responses.

interface Schema {
  readonly type?: string;
  readonly $ref?: string;
  readonly enum?: readonly string[];
  readonly required?: readonly string[];
  readonly properties?: Readonly<Record<string, Schema>>;
  readonly items?: Schema;
  readonly additionalProperties?: Schema | boolean;
  readonly format?: string;
  readonly readOnly?: boolean;
}

interface SpecOperation {
  readonly operationId: string;
  readonly body: { readonly schemaRef: string; readonly required: boolean } | null;
  readonly responses: Readonly<Record<string, { readonly schemaRef: string | null }>>;
}

const spec = JSON.parse(readFileSync(new URL('../../spec/webchat-api.json', import.meta.url), 'utf8')) as {
  readonly operations: readonly SpecOperation[];
  readonly definitions: Readonly<Record<string, Schema>>;
};

/** The limit the spec states only in prose (docs/webchat.md): message bodies at most 4,000 characters. */
const MESSAGE_BODY_LIMIT = 4_000;
const MAX_LENGTH: Readonly<Record<string, number>> = { 'CreateWebChatMessageRequest/body': MESSAGE_BODY_LIMIT };

interface Resolved {
  readonly schema: Schema;
  /** The model the schema belongs to (the definition's name), for the prose limits. */
  readonly model: string | undefined;
}

function resolve(schema: Schema, model: string | undefined): Resolved {
  if (schema.$ref === undefined) return { schema, model };
  const name = schema.$ref.replace('#/definitions/', '');
  const definition = spec.definitions[name];
  if (!definition) throw new Error(`the spec has no definition ${name}`);
  return { schema: definition, model: name };
}

const modelSchema = (name: string): Resolved => resolve({ $ref: `#/definitions/${name}` }, undefined);

const routes = Object.values(webChatRoutes) as readonly RouteDescriptor[];
const routeById = new Map(routes.map((route) => [route.operationId, route]));
const bodyRoutes = routes.filter((route) => route.body?.schema !== undefined);
const bodySchemaOf = (route: RouteDescriptor): Resolved => modelSchema(route.body?.schema ?? '');

/** A plausible answer of a model: every required field, recursively (what a server must send). */
function sampleOf(resolved: Resolved): unknown {
  const { schema, model } = resolved;
  if (schema.enum) return schema.enum[0];
  switch (schema.type) {
    case 'string':
      return schema.format === 'date-time' ? '2025-01-01T00:00:00.000Z' : `${model ?? 'value'}-sample`;
    case 'integer':
    case 'number':
      return 1;
    case 'boolean':
      return true;
    case 'array':
      return [];
    default: {
      const out: Record<string, unknown> = {};
      for (const name of schema.required ?? []) {
        const property = schema.properties?.[name];
        if (property) out[name] = sampleOf(resolve(property, model));
      }
      return out;
    }
  }
}

const CREATED_CONVERSATION = 'conversation-created-by-the-transport';
const successData = new Map<string, unknown>();
for (const operation of spec.operations) {
  const [status, response] = Object.entries(operation.responses).find(([code]) => Number(code) < 300) ?? [];
  if (status === undefined || !response?.schemaRef) continue;
  const sample = sampleOf(modelSchema(response.schemaRef)) as Record<string, unknown>;
  // The create answer carries what the client keeps: the conversation, its guest JWT, the member, the stream.
  if (operation.operationId === 'postWebchatGuestConversations') {
    Object.assign(sample, {
      id: CREATED_CONVERSATION,
      jwt: 'created-guest-jwt',
      eventStreamUri: 'wss://streaming.example.test/x',
      member: { id: 'member-1', role: 'CUSTOMER' },
    });
  }
  successData.set(operation.operationId, sample);
}

// ---------------------------------------------------------------------------------------------
// The client on an in-memory transport that counts what it receives.

const BASE_URL = 'https://api.webchat.test';
const ADMIN_TOKEN = 'admin-oauth-token';
const GUEST_JWT = 'guest-jwt-for-the-conversation';

interface Sent {
  readonly operationId: string;
  readonly request: HttpRequest;
}

const sent: Sent[] = [];
const transport: Transport = {
  name: 'counting-in-memory',
  send(request, options): Promise<HttpResponse> {
    sent.push({ operationId: options.operationId, request: { ...request, headers: { ...request.headers } } });
    const route = routeById.get(options.operationId);
    const status = route?.successStatus ?? 200;
    const data = status === 204 ? undefined : successData.get(options.operationId);
    const headers = headersFromRecord(
      status === 204
        ? { 'inin-correlation-id': 'correlation-1' }
        : { 'content-type': 'application/json', 'inin-correlation-id': 'correlation-1' },
    );
    return Promise.resolve({ status, headers, data });
  },
  close: () => Promise.resolve(),
};

const api = new WebChatAPI({
  baseUrl: BASE_URL,
  oauth: ADMIN_TOKEN,
  transport,
  retry: false,
  tracing: false,
  metrics: false,
  onDeprecated: () => undefined,
});

interface Outcome {
  readonly result: CallResult<unknown> | undefined;
  readonly error: unknown;
  readonly sent: readonly Sent[];
}

type Method = (this: WebChatAPI, input: unknown) => Promise<CallResult<unknown>>;

/** Calls the operation's method on `WebChatAPI`, with the guest JWT of the conversation the input names. */
async function call(route: RouteDescriptor, input: unknown): Promise<Outcome> {
  sent.length = 0;
  // The client finds the guest JWT by `input.conversationId`: provide one for whatever the input names.
  const conversationId = typeof input === 'object' && input !== null ? (input as { conversationId?: unknown }).conversationId : undefined;
  if (typeof conversationId === 'string') api.useGuestJwt(conversationId, GUEST_JWT);
  const method = (api as unknown as Record<string, Method>)[route.operationId];
  if (!method) throw new Error(`WebChatAPI has no method ${route.operationId}`);
  try {
    const result = await method.call(api, input);
    return { result, error: undefined, sent: [...sent] };
  } catch (error) {
    return { result: undefined, error, sent: [...sent] };
  } finally {
    if (typeof conversationId === 'string') api.forgetGuestJwt(conversationId);
    api.forgetGuestJwt(CREATED_CONVERSATION);
  }
}

// ---------------------------------------------------------------------------------------------
// JSON data as the rule reads it, and helpers.

type Container = Record<string, unknown> | unknown[];

const hasOwn = (value: object, key: PropertyKey): boolean => Object.prototype.hasOwnProperty.call(value, key);
const LONE_SURROGATE = /\p{Cs}/u;
/** A JSON pointer segment (RFC 6901): `~` as `~0`, `/` as `~1`. */
const escapePointer = (key: string | number): string => String(key).replace(/~/g, '~0').replace(/\//g, '~1');
const pointerOf = (base: string, key: string | number): string => `${base}/${escapePointer(key)}`;

/** Sets an own enumerable data property, even `__proto__`. */
function define(target: object, key: string, value: unknown): void {
  Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
}

function objectOf(entries: readonly (readonly [string, unknown])[], nullPrototype: boolean): Record<string, unknown> {
  const out = (nullPrototype ? Object.create(null) : {}) as Record<string, unknown>;
  for (const [key, value] of entries) define(out, key, value);
  return out;
}

function put(container: Container, key: string | number, value: unknown): void {
  if (Array.isArray(container)) container[key as number] = value;
  else define(container, String(key), value);
}

interface Reading {
  /** The JSON data read: own enumerable string keys, `undefined` property values left out. */
  readonly json: unknown;
  /** Pointers of every value that is not JSON data (function, symbol, BigInt, NaN, ±Infinity, undefined or a hole in an array, a cycle, a lone surrogate in a string or key). */
  readonly bad: readonly string[];
}

/**
 * The reference reading of a body: the data that must be sent, and the places that must be refused.
 * `own` is the rule's reading (own enumerable properties, nothing else); `json` reads as JSON.stringify
 * does besides (a `toJSON` method's result, boxed numbers, strings and booleans unwrapped).
 */
function readJson(value: unknown, semantics: 'own' | 'json' = 'own', pointer = '/body'): Reading {
  const bad: string[] = [];
  const ancestors: object[] = [];
  const read = (raw: unknown, key: string, at: string): unknown => {
    let v = raw;
    if (semantics === 'json' && typeof v === 'object' && v !== null) {
      const toJSON = (v as { toJSON?: unknown }).toJSON;
      if (typeof toJSON === 'function') v = (toJSON as (this: unknown, key: string) => unknown).call(v, key);
      if (v instanceof Number || v instanceof String || v instanceof Boolean) v = v.valueOf();
      else if (typeof v === 'object' && v !== null && Object.prototype.toString.call(v) === '[object BigInt]')
        v = (v as { valueOf(): unknown }).valueOf();
    }
    switch (typeof v) {
      case 'string':
        if (LONE_SURROGATE.test(v)) bad.push(at);
        return v;
      case 'number':
        if (!Number.isFinite(v)) bad.push(at);
        return v;
      case 'boolean':
        return v;
      case 'object': {
        if (v === null) return null;
        if (ancestors.includes(v)) {
          bad.push(at);
          return null;
        }
        ancestors.push(v);
        let out: unknown;
        if (Array.isArray(v)) {
          const items: unknown[] = [];
          for (let i = 0; i < v.length; i++) {
            if (!hasOwn(v, i) || v[i] === undefined) {
              bad.push(pointerOf(at, i));
              items.push(null);
            } else {
              items.push(read(v[i], String(i), pointerOf(at, i)));
            }
          }
          out = items;
        } else {
          const record = v as Record<string, unknown>;
          const entries: [string, unknown][] = [];
          for (const name of Object.keys(record)) {
            if (LONE_SURROGATE.test(name)) bad.push(pointerOf(at, name));
            const item = record[name];
            if (item !== undefined) entries.push([name, read(item, name, pointerOf(at, name))]);
          }
          out = objectOf(entries, false);
        }
        ancestors.pop();
        return out;
      }
      default:
        // undefined (where it is not a property's absence), function, symbol, bigint
        bad.push(at);
        return null;
    }
  };
  const json = read(value, '', pointer);
  return { json, bad };
}

/** JSON equality: own enumerable keys, `===` for primitives. */
function jsonEqual(a: unknown, b: unknown): boolean {
  return firstDifference(a, b, '') === undefined;
}

/** The pointer of the first place where `a` and `b` differ as JSON data, or undefined when equal. */
function firstDifference(a: unknown, b: unknown, at: string): string | undefined {
  if (a === b) return undefined;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return at || '(the whole value)';
  if (Array.isArray(a) !== Array.isArray(b)) return at || '(the whole value)';
  if (Array.isArray(a) && Array.isArray(b)) {
    if (a.length !== b.length) return `${at} (length ${a.length} vs ${b.length})`;
    for (let i = 0; i < a.length; i++) {
      const d = firstDifference(a[i], b[i], pointerOf(at, i));
      if (d !== undefined) return d;
    }
    return undefined;
  }
  const ra = a as Record<string, unknown>;
  const rb = b as Record<string, unknown>;
  for (const key of new Set([...Object.keys(ra), ...Object.keys(rb)])) {
    if (!hasOwn(ra, key) || !hasOwn(rb, key)) return `${pointerOf(at, key)} (present on one side only)`;
    const d = firstDifference(ra[key], rb[key], pointerOf(at, key));
    if (d !== undefined) return d;
  }
  return undefined;
}

/** A readable, bounded picture of any value: prototypes, non-enumerable fields, cycles, surrogates shown. */
function show(value: unknown, depth = 0, seen: object[] = []): string {
  switch (typeof value) {
    case 'string': {
      const text = value.length > 48 ? `${value.slice(0, 24)}…${value.slice(-8)}` : value;
      const shown = JSON.stringify(text).replace(/\p{Cs}/gu, (c) => `\\u${c.charCodeAt(0).toString(16)}`);
      return value.length > 48 ? `${shown}(${value.length} chars)` : shown;
    }
    case 'number':
      return Object.is(value, -0) ? '-0' : String(value);
    case 'bigint':
      return `${value}n`;
    case 'symbol':
      return value.toString();
    case 'function':
      return '[function]';
    case 'undefined':
      return 'undefined';
    case 'boolean':
      return String(value);
    default:
      break;
  }
  if (value === null) return 'null';
  const object = value as object;
  const cycle = seen.indexOf(object);
  if (cycle >= 0) return `[cycle to ancestor ${cycle}]`;
  if (depth > 6) return '…';
  const inner = [...seen, object];
  const tag = Object.prototype.toString.call(object).slice(8, -1);
  if (object instanceof Date) return `Date(${Number.isNaN(object.getTime()) ? 'invalid' : object.toISOString()})`;
  if (object instanceof Map || object instanceof Set) return `${tag}(${object.size} entries)`;
  if (['Number', 'String', 'Boolean', 'BigInt', 'Symbol'].includes(tag) && !Array.isArray(object))
    return `Object(${show((object as { valueOf(): unknown }).valueOf(), depth + 1, inner)})`;
  if (ArrayBuffer.isView(object)) return `${tag}(${(object as { length?: number }).length ?? object.byteLength})`;
  if (Array.isArray(object)) {
    const items: string[] = [];
    for (let i = 0; i < object.length && i < 8; i++) items.push(hasOwn(object, i) ? show(object[i], depth + 1, inner) : '<hole>');
    if (object.length > 8) items.push(`…(${object.length} items)`);
    return `[${items.join(', ')}]`;
  }
  const proto = Object.getPrototypeOf(object) as object | null;
  // Own fields, enumerable or not, without calling getters.
  const fields = Object.getOwnPropertyNames(object).map((key) => {
    const descriptor = Object.getOwnPropertyDescriptor(object, key);
    const flag = descriptor?.enumerable ? '' : ' (non-enumerable)';
    const shown = descriptor && 'value' in descriptor ? show(descriptor.value, depth + 1, inner) : '[getter]';
    return `${show(key)}${flag}: ${shown}`;
  });
  const body = `{${fields.join(', ')}}`;
  if (proto === Object.prototype || proto === null) return proto === null ? `[null prototype]${body}` : body;
  // Object.create({ field: value }): the prototype is a plain object, shown; a class's only named.
  const plainProto = Object.getPrototypeOf(proto) === Object.prototype && !hasOwn(proto, 'constructor');
  return `Object.create(${plainProto ? show(proto, depth + 1, inner) : `[${tag}]`}, own ${body})`;
}

// ---------------------------------------------------------------------------------------------
// Arbitraries from the descriptors and the spec.

const ABSENT = Symbol('absent');
type Entry = readonly [string, unknown];

/** Strings without lone surrogates: any code point, ASCII, and a few that need escaping. */
const text = fc.oneof(
  { arbitrary: fc.string({ unit: 'binary', maxLength: 12 }), weight: 3 },
  { arbitrary: fc.string({ maxLength: 12 }), weight: 2 },
  { arbitrary: fc.constantFrom('', ' ', '🙂', 'é', '\u0000', '"\\/', '\u2028', '%2e%2e', 'a/b?c#d'), weight: 1 },
);

const int32 = fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 });
const nullPrototype = fc.oneof({ arbitrary: fc.constant(false), weight: 7 }, { arbitrary: fc.constant(true), weight: 1 });
const mapKey = fc.oneof(
  { arbitrary: fc.string({ unit: 'binary', maxLength: 8 }), weight: 4 },
  { arbitrary: fc.constantFrom('__proto__', 'constructor', 'toString', 'hasOwnProperty'), weight: 1 },
);
/** Keys for unknown body fields; pointers must escape `~` and `/`. */
const extraKey = fc.oneof(
  { arbitrary: fc.string({ unit: 'binary', minLength: 1, maxLength: 8 }), weight: 4 },
  { arbitrary: fc.constantFrom('__proto__', 'constructor', 'toString', 'valueOf', 'hasOwnProperty', 'a/b', '~x', ''), weight: 2 },
);

interface GenerateOptions {
  /** Every optional field present, arrays and maps non-empty: bodies with every place to spoil. */
  readonly full: boolean;
}

/** Valid values of a schema; `field` is the property's name in `model`, for the prose limits. */
function valid(raw: Schema, model: string | undefined, field: string | undefined, options: GenerateOptions): fc.Arbitrary<unknown> {
  const { schema, model: own } = resolve(raw, model);
  if (schema.enum) return fc.constantFrom(...schema.enum);
  switch (schema.type) {
    case 'string': {
      const max = model !== undefined && field !== undefined ? MAX_LENGTH[`${model}/${field}`] : undefined;
      if (max === undefined) return text;
      const nearLimit = fc.tuple(fc.integer({ min: max - 3, max }), fc.constantFrom('x', 'é')).map(([n, c]) => c.repeat(n));
      return fc.oneof({ arbitrary: text, weight: 5 }, { arbitrary: nearLimit, weight: 1 });
    }
    case 'integer':
      return int32;
    case 'number':
      return fc.double({ noNaN: true, noDefaultInfinity: true });
    case 'boolean':
      return fc.boolean();
    case 'array':
      return fc.array(valid(schema.items ?? { type: 'string' }, own, undefined, options), {
        minLength: options.full ? 1 : 0,
        maxLength: 3,
      });
    default:
      break;
  }
  if (schema.properties) {
    const required = new Set(schema.required ?? []);
    const parts = Object.entries(schema.properties)
      // Read-only fields are not part of the …Input types.
      .filter(([, property]) => property.readOnly !== true)
      .map(([name, property]): fc.Arbitrary<Entry> => {
        const value = valid(property, own, name, options).map((v): Entry => [name, v]);
        if (required.has(name) || options.full) return value;
        // Absent, `undefined` (the JS idiom for absent), or present.
        return fc.oneof(
          { arbitrary: fc.constant<Entry>([name, ABSENT]), weight: 2 },
          { arbitrary: fc.constant<Entry>([name, undefined]), weight: 1 },
          { arbitrary: value, weight: 3 },
        );
      });
    return fc.tuple(fc.tuple(...parts), nullPrototype).map(([entries, nullProto]) =>
      objectOf(
        entries.filter(([, v]) => v !== ABSENT),
        nullProto,
      ),
    );
  }
  if (typeof schema.additionalProperties === 'object') {
    const values = valid(schema.additionalProperties, own, undefined, options);
    return fc
      .tuple(fc.array(fc.tuple(mapKey, values), { minLength: options.full ? 1 : 0, maxLength: 3 }), nullPrototype)
      .map(([entries, nullProto]) => objectOf(entries, nullProto));
  }
  return fc.constant({});
}

const pathValue = fc
  .oneof(
    { arbitrary: fc.string({ unit: 'binary', minLength: 1, maxLength: 16 }), weight: 4 },
    { arbitrary: fc.constantFrom('a/b', '?x=1#y', '%2e%2e', '...', ' ', 'médïa', '🙂', 'dep/1 ..'), weight: 1 },
  )
  .filter((v) => v !== '.' && v !== '..');

function queryValue(param: ParamSpec): fc.Arbitrary<unknown> {
  if (param.enum) return fc.constantFrom(...param.enum);
  switch (param.type) {
    case 'integer':
      return fc.integer({ min: param.minimum ?? -(2 ** 31), max: param.maximum ?? 2 ** 31 - 1 });
    case 'boolean':
      return fc.boolean();
    default:
      return text;
  }
}

function validInput(route: RouteDescriptor, options: GenerateOptions): fc.Arbitrary<Record<string, unknown>> {
  const parts: fc.Arbitrary<Entry>[] = [];
  for (const param of route.pathParams) parts.push(pathValue.map((v): Entry => [param.name, v]));
  for (const param of route.queryParams) {
    parts.push(
      fc.oneof(
        { arbitrary: fc.constant<Entry>([param.name, ABSENT]), weight: 2 },
        { arbitrary: fc.constant<Entry>([param.name, undefined]), weight: 1 },
        { arbitrary: queryValue(param).map((v): Entry => [param.name, v]), weight: 3 },
      ),
    );
  }
  if (route.body?.schema)
    parts.push(valid({ $ref: `#/definitions/${route.body.schema}` }, undefined, undefined, options).map((v): Entry => ['body', v]));
  return fc.tuple(fc.tuple(...parts), nullPrototype).map(([entries, nullProto]) =>
    objectOf(
      entries.filter(([, v]) => v !== ABSENT),
      nullProto,
    ),
  );
}

/** A deep copy of generated data (no cycles yet), keeping null prototypes and `undefined` fields. */
function clone<T>(value: T): T {
  if (typeof value !== 'object' || value === null) return value;
  if (Array.isArray(value)) return value.map((item: unknown) => clone(item)) as T;
  const out = (Object.getPrototypeOf(value) === null ? Object.create(null) : {}) as Record<string, unknown>;
  for (const key of Object.keys(value)) define(out, key, clone((value as Record<string, unknown>)[key]));
  return out as T;
}

/** A place in a body that holds a value: its container, key, pointer and the schema that governs it. */
interface Place {
  readonly pointer: string;
  readonly container: Container;
  readonly key: string | number;
  readonly schema: Resolved | undefined;
}

/** An object or array in a body, with its ancestors (for cycles). */
interface BodyNode {
  readonly pointer: string;
  readonly value: Container;
  readonly schema: Resolved | undefined;
  readonly ancestors: readonly Container[];
}

/** Every place and node of `input.body`, the body itself included. */
function survey(input: Record<string, unknown>, route: RouteDescriptor): { places: Place[]; nodes: BodyNode[] } {
  const places: Place[] = [];
  const nodes: BodyNode[] = [];
  const walk = (value: unknown, resolved: Resolved | undefined, pointer: string, ancestors: readonly Container[]): void => {
    if (typeof value !== 'object' || value === null) return;
    const container = value as Container;
    nodes.push({ pointer, value: container, schema: resolved, ancestors });
    const inner = [...ancestors, container];
    if (Array.isArray(container)) {
      const items = resolved?.schema.items ? resolve(resolved.schema.items, resolved.model) : undefined;
      container.forEach((item, i) => {
        places.push({ pointer: pointerOf(pointer, i), container, key: i, schema: items });
        walk(item, items, pointerOf(pointer, i), inner);
      });
      return;
    }
    for (const key of Object.keys(container)) {
      const additional = resolved?.schema.additionalProperties;
      const sub = resolved?.schema.properties?.[key] ?? (typeof additional === 'object' ? additional : undefined);
      const subResolved = sub && resolved ? resolve(sub, resolved.model) : undefined;
      places.push({ pointer: pointerOf(pointer, key), container, key, schema: subResolved });
      walk(container[key], subResolved, pointerOf(pointer, key), inner);
    }
  };
  places.push({ pointer: '/body', container: input, key: 'body', schema: bodySchemaOf(route) });
  walk(input.body, bodySchemaOf(route), '/body', []);
  return { places, nodes };
}

const pick = <T>(items: readonly T[], index: number): T | undefined => (items.length === 0 ? undefined : items[index % items.length]);

/** A key not already own in `container`. */
function freshKey(container: Container, key: string): string {
  let name = key;
  while (hasOwn(container, name)) name += '_';
  return name;
}

/** Wraps `value` in objects and arrays along `path` (outermost first); returns the wrapper and the pointer suffix. */
function nest(value: unknown, path: readonly (string | number)[]): { value: unknown; suffix: string } {
  let out = value;
  for (let i = path.length - 1; i >= 0; i--) {
    const segment = path[i] as string | number;
    out = typeof segment === 'number' ? [...Array.from({ length: segment }, () => 0), out] : objectOf([[segment, out]], false);
  }
  return { value: out, suffix: path.map((s) => `/${escapePointer(s)}`).join('') };
}

const nestingPath = (maxDepth: number): fc.Arbitrary<(string | number)[]> =>
  fc.array(fc.oneof(fc.integer({ min: 0, max: 2 }), fc.string({ maxLength: 4 })), { maxLength: maxDepth });

// ---------------------------------------------------------------------------------------------
// Cases and their checks.

interface Expected {
  readonly pointer: string;
  /** When given, the problem at the pointer must say this. */
  readonly message?: string;
  /** A problem at the pointer or anywhere beneath it will do. */
  readonly under?: boolean;
}

interface Case {
  readonly route: RouteDescriptor;
  readonly input: unknown;
  /** What the case is, for the failure report. */
  readonly what: string;
  /** The problems it must be refused with; undefined when it must be sent. */
  readonly refused?: readonly Expected[];
  /** When given instead: any one of these outcomes will do (a rule with two readings). */
  readonly either?: readonly Verdict[];
}

/** Refused with these problems, or sent once as the body's data read one way (see readJson). */
type Verdict = { readonly refused: readonly Expected[] } | { readonly sent: 'own' | 'json' };

/** A pointer for a report: quoted, control characters and lone surrogates escaped; the input itself named. */
const showPointer = (pointer: string): string => (pointer === '' ? '(the input)' : show(pointer));

const describeVerdict = (v: Verdict): string =>
  'refused' in v
    ? `refused at ${v.refused.map((e) => showPointer(e.pointer)).join(', ')}`
    : `sent once as its ${v.sent === 'own' ? 'own data' : 'JSON.stringify reading'}`;

function makeCase(route: RouteDescriptor, input: unknown, what: string, refused?: readonly Expected[]): Case {
  const description = `${route.operationId}: ${what} → must be ${describeVerdict(refused ? { refused } : { sent: 'own' })}; input ${show(input)}`;
  return { route, input, what, refused, [fc.toStringMethod]: () => description } as Case;
}

function makeEither(route: RouteDescriptor, input: unknown, what: string, either: readonly Verdict[]): Case {
  const description = `${route.operationId}: ${what} → must be ${either.map(describeVerdict).join(', or ')}; input ${show(input)}`;
  return { route, input, what, either, [fc.toStringMethod]: () => description } as Case;
}

function describeOutcome(outcome: Outcome): string {
  if (outcome.error instanceof ValidationError) return `ValidationError ${JSON.stringify(outcome.error.problems)}`;
  if (outcome.error instanceof Error)
    return `${outcome.error.name} (${(outcome.error as { code?: string }).code ?? 'no code'}): ${outcome.error.message}`;
  if (outcome.error !== undefined) return `a thrown ${typeof outcome.error}`;
  return `success, status ${outcome.result?.status}`;
}

function describeSent(outcome: Outcome): string {
  return outcome.sent
    .map(({ request }) => `${request.method} ${request.url}${request.body === undefined ? '' : ` body ${show(request.body)}`}`)
    .join('; ');
}

/** Invalid: a typed ValidationError naming every expected pointer, and nothing sent. */
function assertRefused(c: Case, outcome: Outcome): void {
  const expected = c.refused ?? [];
  const where = expected.map((e) => showPointer(e.pointer)).join(', ');
  if (outcome.sent.length > 0) {
    throw new Error(
      `${c.route.operationId}, ${c.what}: an invalid input was SENT (${outcome.sent.length} request(s): ${describeSent(outcome)}) instead of a ValidationError at ${where}; outcome: ${describeOutcome(outcome)}`,
    );
  }
  const error = outcome.error;
  if (!(error instanceof ValidationError))
    throw new Error(`${c.route.operationId}, ${c.what}: expected a ValidationError at ${where}, got ${describeOutcome(outcome)}`);
  // The type says E_VALIDATION; the run-time value is what a user's `switch (error.code)` sees.
  const code: string = error.code;
  if (code !== 'E_VALIDATION') throw new Error(`${c.route.operationId}: ValidationError with code ${code}`);
  if (error.operationId !== c.route.operationId)
    throw new Error(`${c.route.operationId}: ValidationError of operation ${String(error.operationId)}`);
  for (const e of expected) {
    const at = error.problems.filter((p) => p.pointer === e.pointer || (e.under === true && p.pointer.startsWith(`${e.pointer}/`)));
    if (at.length === 0) {
      const unescaped = error.problems.find(
        (p) => p.pointer !== e.pointer && p.pointer === e.pointer.replace(/~1/g, '/').replace(/~0/g, '~'),
      );
      const hint = unescaped ? ` (it names ${show(unescaped.pointer)}, not escaped as RFC 6901 wants: ~ as ~0, / as ~1)` : '';
      throw new Error(
        `${c.route.operationId}, ${c.what}: the ValidationError does not name ${showPointer(e.pointer)}${e.under ? ' or a place beneath it' : ''}${hint}; its problems: ${show(error.problems)}`,
      );
    }
    if (e.message !== undefined && !at.some((p) => p.message === e.message)) {
      throw new Error(
        `${c.route.operationId}, ${c.what}: the problem at ${show(e.pointer)} should say ${JSON.stringify(e.message)}; its problems: ${show(error.problems)}`,
      );
    }
  }
}

function ownValue(input: unknown, key: string): unknown {
  return typeof input === 'object' && input !== null && hasOwn(input, key) ? (input as Record<string, unknown>)[key] : undefined;
}

/** What the URL of a valid input must be: path values encoded into their segments, query in descriptor order. */
function expectedUrl(route: RouteDescriptor, input: unknown): string {
  let path = route.path;
  for (const param of route.pathParams) path = path.replace(`{${param.name}}`, encodeURIComponent(String(ownValue(input, param.name))));
  const query = route.queryParams
    .filter((param) => ownValue(input, param.name) !== undefined)
    .map((param) => `${encodeURIComponent(param.name)}=${encodeURIComponent(String(ownValue(input, param.name)))}`)
    .join('&');
  return `${BASE_URL}${path}${query ? `?${query}` : ''}`;
}

/** Valid: exactly one request, to the right URL with the right auth, whose JSON is the input's body as JSON data. */
function assertSentOnce(c: Case, outcome: Outcome, semantics: 'own' | 'json' = 'own'): void {
  const { route } = c;
  if (outcome.error !== undefined)
    throw new Error(`${route.operationId}, ${c.what}: a valid input was REFUSED: ${describeOutcome(outcome)}`);
  if (outcome.sent.length !== 1)
    throw new Error(`${route.operationId}, ${c.what}: ${outcome.sent.length} requests sent for one call: ${describeSent(outcome)}`);
  const [{ request, operationId }] = outcome.sent as [Sent];
  if (operationId !== route.operationId || request.method !== route.method)
    throw new Error(`${route.operationId}: sent as ${operationId} ${request.method}`);
  const url = expectedUrl(route, c.input);
  if (request.url !== url) throw new Error(`${route.operationId}, ${c.what}: sent to ${show(request.url)}, expected ${show(url)}`);
  const authorization = request.headers.authorization;
  const wanted = route.auth === 'oauth' ? `Bearer ${ADMIN_TOKEN}` : route.auth === 'guestJwt' ? `Bearer ${GUEST_JWT}` : undefined;
  if (authorization !== wanted) throw new Error(`${route.operationId}: authorization ${String(authorization)}, expected ${String(wanted)}`);
  if (outcome.result?.status !== route.successStatus || outcome.result.attempts !== 1)
    throw new Error(`${route.operationId}: result status ${outcome.result?.status}, attempts ${outcome.result?.attempts}`);

  const body = route.body ? ownValue(c.input, 'body') : undefined;
  if (body === undefined) {
    if (request.body !== undefined)
      throw new Error(`${route.operationId}, ${c.what}: sent a body ${show(request.body)} where the input has none`);
    return;
  }
  const reading = readJson(body, semantics);
  if (reading.bad.length > 0) throw new Error(`test bug: a valid case holds non-JSON values at ${reading.bad.join(', ')}`);
  if (request.body === undefined) throw new Error(`${route.operationId}, ${c.what}: no body sent; expected ${show(reading.json)}`);
  if (request.headers['content-type'] !== 'application/json')
    throw new Error(`${route.operationId}: content-type ${String(request.headers['content-type'])}`);
  const received = JSON.parse(request.body as string) as unknown;
  const difference = firstDifference(received, reading.json, '/body');
  if (difference !== undefined) {
    throw new Error(
      `${route.operationId}, ${c.what}: the JSON sent differs from the input's own data at ${difference}: sent ${show(request.body)}, expected ${show(reading.json)}`,
    );
  }
}

function check(c: Case, outcome: Outcome): void {
  if (c.either) {
    const failures: string[] = [];
    for (const verdict of c.either) {
      try {
        if ('refused' in verdict) assertRefused({ ...c, refused: verdict.refused }, outcome);
        else assertSentOnce(c, outcome, verdict.sent);
        return;
      } catch (error) {
        failures.push(error instanceof Error ? error.message : String(error));
      }
    }
    throw new Error(`none of the allowed outcomes: ${failures.join(' | OR | ')}`);
  }
  if (c.refused) assertRefused(c, outcome);
  else assertSentOnce(c, outcome);
}

// ---------------------------------------------------------------------------------------------
// The properties. Each runs `runs` cases with the printed seed; the plan totals at least 20,000.

const plan: { readonly name: string; readonly runs: number }[] = [];

function property(name: string, runs: number, arbitrary: fc.Arbitrary<Case>, judge: (c: Case, outcome: Outcome) => void = check): void {
  plan.push({ name, runs });
  it(`${name} (${runs} cases)`, async () => {
    await fc.assert(
      fc.asyncProperty(arbitrary, async (c) => judge(c, await call(c.route, c.input))),
      { numRuns: runs, seed: SEED },
    );
  });
}

const anyRoute = (list: readonly RouteDescriptor[]): fc.Arbitrary<RouteDescriptor> => fc.constantFrom(...list);

/** A case built from a valid input of one of `list`, spoiled by `spoil` (which works on a copy). */
function spoiled<T>(
  list: readonly RouteDescriptor[],
  extra: fc.Arbitrary<T>,
  spoil: (route: RouteDescriptor, input: Record<string, unknown>, extra: T) => Case | undefined,
  options: GenerateOptions = { full: true },
): fc.Arbitrary<Case> {
  return anyRoute(list)
    .chain((route) => fc.tuple(fc.constant(route), validInput(route, options), extra))
    .map(([route, input, x]) => spoil(route, clone(input), x))
    .filter((c): c is Case => c !== undefined);
}

const withPathParams = routes.filter((route) => route.pathParams.length > 0);
const withQueryParams = routes.filter((route) => route.queryParams.length > 0);
const withRequiredBody = routes.filter((route) => route.body?.required === true);

/** Whether `test` holds for a schema reachable from `resolved` (read-only fields left out; each model visited once). */
function reaches(resolved: Resolved, test: (schema: Schema) => boolean, seen = new Set<string>()): boolean {
  const { schema, model } = resolved;
  if (test(schema)) return true;
  if (model !== undefined) {
    if (seen.has(model)) return false;
    seen.add(model);
  }
  const children = [
    ...Object.values(schema.properties ?? {}),
    ...(schema.items ? [schema.items] : []),
    ...(typeof schema.additionalProperties === 'object' ? [schema.additionalProperties] : []),
  ];
  return children.filter((child) => child.readOnly !== true).some((child) => reaches(resolve(child, model), test, seen));
}

const bodyRoutesReaching = (test: (schema: Schema) => boolean): RouteDescriptor[] =>
  bodyRoutes.filter((route) => reaches(bodySchemaOf(route), test));

describe('nothing invalid is sent, everything valid is sent exactly once', () => {
  afterAll(() => api.close());

  it('covers the 19 operations of the spec, with the descriptors’ bodies', () => {
    expect(routes).toHaveLength(19);
    expect(new Set(routes.map((r) => r.operationId))).toEqual(new Set(spec.operations.map((o) => o.operationId)));
    for (const operation of spec.operations) expect(routeById.get(operation.operationId)?.body?.schema).toBe(operation.body?.schemaRef);
  });

  // --- valid inputs ---------------------------------------------------------------------------

  property(
    'valid inputs of all 19 operations are sent once, as their own JSON data',
    5_000,
    anyRoute(routes)
      .chain((route) => fc.tuple(fc.constant(route), validInput(route, { full: false })))
      .map(([route, input]) => makeCase(route, input, 'a valid input')),
  );

  property(
    'unknown body fields (any key, __proto__ and constructor included, deep nesting, shared objects) are sent as given',
    2_000,
    spoiled(
      bodyRoutes,
      fc.array(fc.tuple(fc.nat(), extraKey, fc.jsonValue({ maxDepth: 3, stringUnit: 'binary' }), nestingPath(40), fc.boolean()), {
        minLength: 1,
        maxLength: 3,
      }),
      (route, input, extras) => {
        const { nodes } = survey(input, route);
        // Unknown fields of a model: not of a map (customFields), whose values are typed, nor of an array.
        const models = nodes.filter((n) => !Array.isArray(n.value) && n.schema?.schema.properties !== undefined);
        let shared: unknown;
        for (const [index, key, value, path, share] of extras) {
          const node = pick(models, index) as BodyNode;
          const known = node.schema?.schema.properties ?? {};
          if (hasOwn(known, key)) continue;
          const nested = nest(value, path).value;
          // The same object under two keys is a DAG, not a cycle: JSON.stringify sends it twice.
          const chosen = share && typeof shared === 'object' && shared !== null ? shared : nested;
          shared = nested;
          put(node.value, freshKey(node.value, key), chosen);
        }
        return makeCase(route, input, 'unknown body fields');
      },
    ),
  );

  property(
    'deep nesting (200 to 5,000 levels) in an unknown field: sent as given, or a ValidationError on its path, never a stack overflow',
    100,
    spoiled(bodyRoutes, fc.tuple(fc.integer({ min: 200, max: 5_000 }), fc.nat(), extraKey), (route, input, [depth, shape, key]) => {
      const root = input.body as Record<string, unknown>;
      const path = Array.from({ length: depth }, (_, i) => ((shape >> (i % 16)) & 1 ? 0 : 'a'));
      const name = freshKey(root, key);
      put(root, name, nest('bottom', path).value);
      const prefix = pointerOf('/body', name);
      // Too deep may be a documented limit: then refused, at a place on the way down.
      return makeEither(route, input, `${depth} levels under ${prefix}`, [
        { sent: 'own' },
        { refused: [{ pointer: prefix, under: true }] },
      ]);
    }),
  );

  // --- invalid parameters ---------------------------------------------------------------------

  property(
    'a missing path parameter is refused',
    250,
    spoiled(withPathParams, fc.tuple(fc.nat(), fc.boolean()), (route, input, [i, asUndefined]) => {
      const param = pick(route.pathParams, i)?.name ?? '';
      if (asUndefined) input[param] = undefined;
      else delete input[param];
      return makeCase(route, input, `${param} ${asUndefined ? 'undefined' : 'missing'}`, [
        { pointer: `/${param}`, message: 'is required' },
      ]);
    }),
  );

  property(
    'an empty, "." or ".." path parameter is refused',
    250,
    spoiled(withPathParams, fc.tuple(fc.nat(), fc.constantFrom('', '.', '..')), (route, input, [i, value]) => {
      const param = pick(route.pathParams, i)?.name ?? '';
      input[param] = value;
      return makeCase(route, input, `${param} = ${JSON.stringify(value)}`, [{ pointer: `/${param}` }]);
    }),
  );

  const notAString = fc.oneof(
    int32,
    fc.double(),
    fc.boolean(),
    fc.constantFrom<unknown>(null, NaN, 10n, [], ['x'], {}, () => 'x', Symbol('x'), new Date(0), new String('x')),
  );
  property(
    'a path parameter that is not a string is refused',
    250,
    spoiled(withPathParams, fc.tuple(fc.nat(), notAString), (route, input, [i, value]) => {
      const param = pick(route.pathParams, i)?.name ?? '';
      input[param] = value;
      return makeCase(route, input, `${param} = ${show(value)}`, [{ pointer: `/${param}` }]);
    }),
  );

  const loneSurrogate = fc
    .tuple(
      fc.string({ unit: 'binary', maxLength: 4 }),
      fc.integer({ min: 0xd800, max: 0xdfff }),
      fc.string({ unit: 'binary', maxLength: 4 }),
    )
    .map(([a, s, b]) => `${a}${String.fromCharCode(s)}${b}`);
  property(
    'a lone surrogate in a path or query string is refused',
    250,
    spoiled(
      routes.filter((r) => r.pathParams.length > 0 || r.queryParams.some((q) => q.type === 'string' && !q.enum)),
      fc.tuple(fc.nat(), loneSurrogate),
      (route, input, [i, value]) => {
        const params = [...route.pathParams, ...route.queryParams.filter((q) => q.type === 'string' && !q.enum)];
        const param = pick(params, i)?.name ?? '';
        input[param] = value;
        return makeCase(route, input, `${param} with a lone surrogate`, [{ pointer: `/${param}` }]);
      },
    ),
  );

  const badQuery = (param: ParamSpec): fc.Arbitrary<unknown> => {
    const wrongType =
      param.type === 'boolean'
        ? fc.constantFrom<unknown>('true', 1, 0, null, [], {})
        : param.type === 'integer'
          ? fc.constantFrom<unknown>('5', true, null, [], {}, 10n)
          : fc.constantFrom<unknown>(5, true, null, ['x'], {});
    const out: fc.Arbitrary<unknown>[] = [wrongType];
    if (param.type === 'integer') {
      out.push(fc.constantFrom(NaN, Infinity, -Infinity, 2.5, 0.1, 2 ** 53));
      if (param.minimum !== undefined) out.push(fc.integer({ min: -(2 ** 31), max: param.minimum - 1 }));
      if (param.maximum !== undefined) out.push(fc.integer({ min: param.maximum + 1, max: 2 ** 31 - 1 }));
    }
    if (param.enum) out.push(fc.string({ maxLength: 10 }).filter((s) => !param.enum?.includes(s)));
    return fc.oneof(...out);
  };
  property(
    'a query parameter of the wrong type, out of range, not an integer or not in its enum is refused',
    300,
    anyRoute(withQueryParams)
      .chain((route) => fc.tuple(fc.constant(route), validInput(route, { full: false }), fc.nat()))
      .chain(([route, input, i]) => {
        const param = pick(route.queryParams, i) as ParamSpec;
        return badQuery(param).map((value) => {
          const copy = clone(input);
          copy[param.name] = value;
          return makeCase(route, copy, `${param.name} = ${show(value)}`, [{ pointer: `/${param.name}` }]);
        });
      }),
  );

  const unknownParam = fc.oneof(
    { arbitrary: fc.string({ unit: 'binary', minLength: 1, maxLength: 10 }).filter((k) => !/[~/]/.test(k)), weight: 3 },
    {
      arbitrary: fc.constantFrom(
        '__proto__',
        'constructor',
        'toString',
        'hasOwnProperty',
        'valueOf',
        'DeploymentId',
        'conversationid',
        'body',
        'headers',
        'signal',
      ),
      weight: 2,
    },
  );
  property(
    'an unknown parameter (__proto__ and constructor included, as own keys) is refused',
    300,
    spoiled(routes, fc.tuple(unknownParam, fc.jsonValue({ maxDepth: 1 })), (route, input, [key, value]) => {
      const known = new Set([
        ...route.pathParams.map((p) => p.name),
        ...route.queryParams.map((p) => p.name),
        ...(route.body ? ['body'] : []),
      ]);
      if (known.has(key)) return undefined;
      define(input, key, value);
      return makeCase(route, input, `unknown parameter ${show(key)}`, [{ pointer: `/${key}` }]);
    }),
  );

  property(
    'pointers of unknown parameters are escaped as RFC 6901 says (~0, ~1)',
    200,
    spoiled(
      routes,
      fc.tuple(fc.string({ maxLength: 4 }), fc.constantFrom('/', '~', '~1', '/x/'), fc.string({ maxLength: 4 })),
      (route, input, [a, special, b]) => {
        const key = `${a}${special}${b}`;
        define(input, key, 'x');
        return makeCase(route, input, `unknown parameter ${show(key)}`, [{ pointer: pointerOf('', key) }]);
      },
    ),
  );

  property(
    'a path parameter or body present only on the input’s prototype is refused',
    300,
    spoiled(
      routes.filter((r) => r.pathParams.length > 0 || r.body?.required === true),
      fc.nat(),
      (route, input, i) => {
        const names = [...route.pathParams.map((p) => p.name), ...(route.body?.required ? ['body'] : [])];
        const name = pick(names, i) ?? '';
        const { [name]: inherited, ...own } = input;
        const spoilt = Object.assign(Object.create({ [name]: inherited }) as Record<string, unknown>, own);
        return makeCase(route, spoilt, `${name} only on the prototype`, [{ pointer: `/${name}`, message: 'is required' }]);
      },
    ),
  );

  property(
    'a missing required body is refused',
    200,
    spoiled(withRequiredBody, fc.boolean(), (route, input, asUndefined) => {
      if (asUndefined) input.body = undefined;
      else delete input.body;
      return makeCase(route, input, `body ${asUndefined ? 'undefined' : 'missing'}`, [{ pointer: '/body', message: 'is required' }]);
    }),
  );

  property(
    'an input that is not an object of named parameters is refused',
    150,
    fc
      .tuple(
        anyRoute(routes),
        fc.constantFrom<unknown>(null, 'x', 1, true, [], [{}], () => ({}), Symbol('input'), 10n),
      )
      .map(([route, input]) => makeCase(route, input, `input ${show(input)}`, [{ pointer: '' }])),
  );

  // --- bodies against the schemas ---------------------------------------------------------------

  property(
    'a body missing a required field, at any depth, is refused',
    400,
    spoiled(
      bodyRoutesReaching((s) => (s.required?.length ?? 0) > 0),
      fc.tuple(fc.nat(), fc.nat(), fc.boolean()),
      (route, input, [n, k, asUndefined]) => {
        const { nodes } = survey(input, route);
        const withRequired = nodes.filter(
          (node) => !Array.isArray(node.value) && (node.schema?.schema.required ?? []).some((key) => hasOwn(node.value, key)),
        );
        const node = pick(withRequired, n);
        if (!node) return undefined;
        const key = pick(
          (node.schema?.schema.required ?? []).filter((r) => hasOwn(node.value, r)),
          k,
        ) as string;
        if (asUndefined) put(node.value, key, undefined);
        else delete (node.value as Record<string, unknown>)[key];
        return makeCase(route, input, `required ${pointerOf(node.pointer, key)} ${asUndefined ? 'undefined' : 'missing'}`, [
          { pointer: pointerOf(node.pointer, key), message: 'is required' },
        ]);
      },
    ),
  );

  const wrongFor = (schema: Schema): readonly unknown[] => {
    switch (schema.type) {
      case 'string':
        return [0, 1.5, true, null, {}, [], ['x']];
      case 'integer':
        return ['1', 1.5, true, null, {}, [1]];
      case 'boolean':
        return ['true', 0, 1, null, {}, []];
      case 'array':
        return ['x', {}, null, 1, true];
      default:
        return ['x', [], null, 1, true, [{}]];
    }
  };
  property(
    'a body value of the wrong JSON type, at any depth, is refused',
    400,
    spoiled(bodyRoutes, fc.tuple(fc.nat(), fc.nat()), (route, input, [p, w]) => {
      const place = pick(
        survey(input, route).places.filter((pl) => pl.schema !== undefined),
        p,
      ) as Place;
      const value = pick(wrongFor((place.schema as Resolved).schema), w);
      put(place.container, place.key, value);
      return makeCase(route, input, `${place.pointer} = ${show(value)}`, [{ pointer: place.pointer }]);
    }),
  );

  property(
    'a body value outside its enum is refused',
    400,
    spoiled(
      bodyRoutesReaching((s) => s.enum !== undefined),
      fc.tuple(
        fc.nat(),
        fc.oneof(fc.string({ maxLength: 8 }), fc.constantFrom('queue', 'Queue', 'QUEUE ', 'BASIC', 'Standard', 'accepted', 'cobrowse')),
      ),
      (route, input, [p, value]) => {
        const places = survey(input, route).places.filter(
          (pl) => pl.schema?.schema.enum !== undefined && !pl.schema.schema.enum.includes(value),
        );
        const place = pick(places, p);
        if (!place) return undefined;
        put(place.container, place.key, value);
        return makeCase(route, input, `${place.pointer} = ${show(value)}`, [{ pointer: place.pointer }]);
      },
    ),
  );

  property(
    'a body integer that is not an integer (routingTarget.priority, actionMap.version) is refused',
    400,
    spoiled(
      bodyRoutesReaching((s) => s.type === 'integer'),
      fc.tuple(
        fc.nat(),
        fc.oneof(
          fc.double({ noNaN: true, noDefaultInfinity: true }).filter((d) => !Number.isInteger(d)),
          fc.constantFrom(1.5, 0.1, -2.5, 1e-9, NaN, Infinity, -Infinity),
        ),
      ),
      (route, input, [p, value]) => {
        const place = pick(
          survey(input, route).places.filter((pl) => pl.schema?.schema.type === 'integer'),
          p,
        );
        if (!place) return undefined;
        put(place.container, place.key, value);
        return makeCase(route, input, `${place.pointer} = ${show(value)}`, [{ pointer: place.pointer }]);
      },
    ),
  );

  const messageRoute = routeById.get('postWebchatGuestConversationMemberMessages') as RouteDescriptor;
  property(
    `a message body over ${MESSAGE_BODY_LIMIT} characters is refused`,
    300,
    spoiled(
      [messageRoute],
      fc.tuple(fc.integer({ min: MESSAGE_BODY_LIMIT + 1, max: MESSAGE_BODY_LIMIT + 500 }), fc.constantFrom('x', 'é', '🙂', ' ')),
      (route, input, [n, c]) => {
        put(input.body as Container, 'body', c.repeat(n));
        return makeCase(route, input, `a message body of ${n} ${JSON.stringify(c)}`, [{ pointer: '/body/body' }]);
      },
    ),
  );

  property(
    'a body that is not an object is refused',
    200,
    spoiled(withRequiredBody, fc.constantFrom<unknown>(null, 'x', '{}', 1, true, [], [{}]), (route, input, body) => {
      input.body = body;
      return makeCase(route, input, `body = ${show(body)}`, [{ pointer: '/body' }]);
    }),
  );

  // --- non-JSON values anywhere in a body ------------------------------------------------------

  type Mode = 'replace' | 'extra' | 'nested';
  const placement = fc.tuple(fc.nat(), fc.constantFrom<Mode>('replace', 'extra', 'nested'), extraKey, nestingPath(30), fc.boolean());

  /** Puts `bad` at a place of the body: replacing a value, as an unknown field or array item, or deep inside one. */
  function placeBad(
    route: RouteDescriptor,
    input: Record<string, unknown>,
    bad: unknown,
    label: string,
    [index, mode, key, path, preferInteger]: [number, Mode, string, (string | number)[], boolean],
  ): Case {
    const { places, nodes } = survey(input, route);
    if (mode === 'replace') {
      const integers = places.filter((p) => p.schema?.schema.type === 'integer');
      const place = pick(preferInteger && typeof bad === 'number' && integers.length > 0 ? integers : places, index) as Place;
      put(place.container, place.key, bad);
      return makeCase(route, input, `${label} at ${place.pointer}`, [{ pointer: place.pointer }]);
    }
    const node = pick(nodes, index) as BodyNode;
    const name = Array.isArray(node.value) ? node.value.length : freshKey(node.value, key);
    const { value, suffix } = mode === 'nested' ? nest(bad, path) : { value: bad, suffix: '' };
    put(node.value, name, value);
    const pointer = `${pointerOf(node.pointer, name)}${suffix}`;
    return makeCase(route, input, `${label} at ${pointer}`, [{ pointer }]);
  }

  const nonJson: readonly [string, fc.Arbitrary<unknown>][] = [
    [
      'a function',
      fc.constantFrom<unknown>(
        () => 'not data',
        function toJSON() {
          return 'replaced';
        },
        class Thing {},
      ),
    ],
    ['a symbol', fc.constantFrom<unknown>(Symbol('x'), Symbol.iterator)],
    ['a BigInt', fc.bigInt({ min: -(10n ** 20n), max: 10n ** 20n })],
    // JSON.stringify throws on it, like on a BigInt; it has no own properties either.
    ['a boxed BigInt', fc.bigInt({ min: -(10n ** 20n), max: 10n ** 20n }).map((b) => Object(b) as object)],
    ['NaN', fc.constant(NaN)],
    ['Infinity', fc.constant(Infinity)],
    ['-Infinity', fc.constant(-Infinity)],
    ['a string with a lone surrogate', loneSurrogate],
  ];
  for (const [label, bad] of nonJson) {
    property(
      `${label} anywhere in a body is refused at its pointer`,
      400,
      spoiled(bodyRoutes, fc.tuple(bad, placement), (route, input, [value, where]) => placeBad(route, input, value, label, where)),
    );
  }

  property(
    'a toJSON method in a body: what is validated is what is sent (refused at …/toJSON, or judged and sent as its result)',
    400,
    spoiled(
      bodyRoutes,
      fc.tuple(fc.nat(), fc.nat(), fc.constantFrom('the same data', 'a string', 'NaN', 'no required field')),
      (route, input, [index, k, returns]) => {
        const { nodes } = survey(input, route);
        const node = pick(
          nodes.filter((n) => !Array.isArray(n.value) && n.schema?.schema.properties !== undefined),
          index,
        ) as BodyNode;
        const own = clone(node.value as Record<string, unknown>);
        const required = (node.schema?.schema.required ?? []).filter((key) => hasOwn(own, key));
        const dropped = returns === 'no required field' ? pick(required, k) : undefined;
        let result: unknown = own;
        let judged: Verdict = { sent: 'json' };
        if (returns === 'a string' || (returns === 'no required field' && dropped === undefined)) {
          result = 'not an object';
          judged = { refused: [{ pointer: node.pointer }] };
        } else if (returns === 'NaN') {
          result = NaN;
          judged = { refused: [{ pointer: node.pointer }] };
        } else if (dropped !== undefined) {
          const { [dropped]: _gone, ...rest } = own;
          result = rest;
          judged = { refused: [{ pointer: pointerOf(node.pointer, dropped), message: 'is required' }] };
        }
        define(node.value, 'toJSON', () => result);
        // The rule read strictly (own properties; a function is not data), or as JSON.stringify reads it.
        return makeEither(route, input, `toJSON at ${node.pointer} returning ${dropped ? `the data without ${dropped}` : returns}`, [
          { refused: [{ pointer: pointerOf(node.pointer, 'toJSON') }] },
          judged,
        ]);
      },
    ),
  );

  property(
    'undefined or a hole in an array, anywhere in a body, is refused at its pointer',
    400,
    spoiled(
      bodyRoutes,
      fc.tuple(fc.nat(), fc.nat(), fc.boolean(), fc.jsonValue({ maxDepth: 1 }), extraKey, nestingPath(20)),
      (route, input, [index, position, hole, other, key, path]) => {
        const { nodes } = survey(input, route);
        const arrays = nodes.filter((n) => Array.isArray(n.value));
        const array = pick(arrays, index);
        if (array && position % 2 === 0) {
          // In an array of the body (allowedDomains, skills, types, or one in an unknown field).
          const items = array.value as unknown[];
          const at = position % (items.length + 1);
          if (hole) items.length += 1;
          else items.splice(at, 0, undefined);
          const i = hole ? items.length - 1 : at;
          return makeCase(route, input, `${hole ? 'a hole' : 'undefined'} at ${pointerOf(array.pointer, i)}`, [
            { pointer: pointerOf(array.pointer, i) },
          ]);
        }
        // In a new array under an unknown field, possibly deep.
        const objects = nodes.filter((n) => !Array.isArray(n.value));
        const node = pick(objects, index) as BodyNode;
        const items: unknown[] = [other];
        if (hole) items.length = 2;
        else items.push(undefined);
        const { value, suffix } = nest(items, path);
        const name = freshKey(node.value, key);
        put(node.value, name, value);
        const pointer = `${pointerOf(node.pointer, name)}${suffix}/1`;
        return makeCase(route, input, `${hole ? 'a hole' : 'undefined'} at ${pointer}`, [{ pointer }]);
      },
    ),
  );

  property(
    'a cycle anywhere in a body is refused at the back-reference',
    400,
    spoiled(bodyRoutes, fc.tuple(fc.nat(), fc.nat(), extraKey), (route, input, [n, a, key]) => {
      const node = pick(survey(input, route).nodes, n) as BodyNode;
      const ancestor = pick([...node.ancestors, node.value], a) as Container;
      const name = Array.isArray(node.value) ? node.value.length : freshKey(node.value, key);
      put(node.value, name, ancestor);
      return makeCase(route, input, `a cycle at ${pointerOf(node.pointer, name)}`, [{ pointer: pointerOf(node.pointer, name) }]);
    }),
  );

  property(
    'a lone surrogate in a body key (unknown field or customFields) is refused at its pointer',
    300,
    spoiled(bodyRoutes, fc.tuple(fc.nat(), loneSurrogate), (route, input, [n, key]) => {
      const objects = survey(input, route).nodes.filter((node) => !Array.isArray(node.value));
      const node = pick(objects, n) as BodyNode;
      const name = freshKey(node.value, key);
      // A string value: valid for a customFields map and for an unknown field alike.
      put(node.value, name, 'x');
      return makeCase(route, input, `key ${show(name)} at ${node.pointer}`, [{ pointer: pointerOf(node.pointer, name) }]);
    }),
  );

  // --- what validation reads is what is sent ---------------------------------------------------

  property(
    'a required body field only on a prototype, or not enumerable, is refused as missing',
    600,
    spoiled(
      bodyRoutesReaching((s) => (s.required?.length ?? 0) > 0),
      fc.tuple(fc.nat(), fc.nat(), fc.boolean()),
      (route, input, [n, k, nonEnumerable]) => {
        const { nodes, places } = survey(input, route);
        const withRequired = nodes.filter(
          (node) => !Array.isArray(node.value) && (node.schema?.schema.required ?? []).some((key) => hasOwn(node.value, key)),
        );
        const node = pick(withRequired, n);
        if (!node) return undefined;
        const key = pick(
          (node.schema?.schema.required ?? []).filter((r) => hasOwn(node.value, r)),
          k,
        ) as string;
        const record = node.value as Record<string, unknown>;
        const value = record[key];
        const pointer = pointerOf(node.pointer, key);
        if (nonEnumerable) {
          Object.defineProperty(record, key, { value, enumerable: false, writable: true, configurable: true });
          return makeCase(route, input, `required ${pointer} not enumerable`, [{ pointer, message: 'is required' }]);
        }
        // Object.create({ field: value }) with the other fields own, put where the node was.
        const replacement = Object.create({ [key]: value }) as Record<string, unknown>;
        for (const other of Object.keys(record)) if (other !== key) define(replacement, other, record[other]);
        const place = places.find((p) => p.pointer === node.pointer) as Place;
        put(place.container, place.key, replacement);
        return makeCase(route, input, `required ${pointer} only on the prototype`, [{ pointer, message: 'is required' }]);
      },
    ),
  );

  property(
    'optional fields only on a prototype are neither judged nor sent (the body sent is the own data)',
    500,
    spoiled(
      bodyRoutes,
      fc.tuple(
        fc.nat(),
        fc.nat(),
        fc.oneof(
          fc.constant<unknown>('inherited'),
          fc.constantFrom<unknown>(7, true, null, { x: 1 }, NaN, () => 'x'),
        ),
      ),
      (route, input, [n, k, value]) => {
        const { nodes, places } = survey(input, route);
        const models = nodes.filter((node) => !Array.isArray(node.value) && node.schema?.schema.properties !== undefined);
        const node = pick(models, n) as BodyNode;
        const record = node.value as Record<string, unknown>;
        const required = new Set(node.schema?.schema.required ?? []);
        const optional = Object.keys(node.schema?.schema.properties ?? {}).filter((key) => !required.has(key));
        const key = pick(optional, k);
        if (key === undefined) return undefined;
        const replacement = Object.create({ [key]: value }) as Record<string, unknown>;
        for (const other of Object.keys(record)) if (other !== key) define(replacement, other, record[other]);
        const place = places.find((p) => p.pointer === node.pointer) as Place;
        put(place.container, place.key, replacement);
        return makeCase(route, input, `optional ${pointerOf(node.pointer, key)} = ${show(value)} only on the prototype`);
      },
      { full: false },
    ),
  );

  // --- anything at all -------------------------------------------------------------------------

  const junk = fc.anything({
    maxDepth: 2,
    maxKeys: 3,
    stringUnit: 'binary',
    withBigInt: true,
    withBoxedValues: true,
    withDate: true,
    withMap: true,
    withSet: true,
    withNullPrototype: true,
    withObjectString: true,
    withSparseArray: true,
    withTypedArray: true,
  });
  property(
    'anything at any place: a ValidationError naming every non-JSON place with nothing sent, or sent once as its own JSON data',
    3_300,
    spoiled(
      routes,
      fc.tuple(fc.constantFrom('input', 'parameter', 'body'), fc.nat(), junk, extraKey, fc.boolean()),
      (route, input, [where, index, value, key, replace]) => {
        if (where === 'input') return makeCase(route, value, `the input ${show(value)}`);
        if (where === 'parameter' || !route.body) {
          const names = [...route.pathParams.map((p) => p.name), ...route.queryParams.map((p) => p.name), key];
          const name = replace ? (pick(names, index) as string) : key;
          define(input, name, value);
          return makeCase(route, input, `parameter ${show(name)} = ${show(value)}`);
        }
        const { places, nodes } = survey(input, route);
        if (replace) {
          const place = pick(places, index) as Place;
          put(place.container, place.key, value);
          return makeCase(route, input, `${place.pointer} = ${show(value)}`);
        }
        const node = pick(nodes, index) as BodyNode;
        const name = Array.isArray(node.value) ? node.value.length : freshKey(node.value, key);
        put(node.value, name, value);
        return makeCase(route, input, `${pointerOf(node.pointer, name)} = ${show(value)}`);
      },
      { full: false },
    ),
    (c, outcome) => {
      const body = c.route.body ? ownValue(c.input, 'body') : undefined;
      const own = body === undefined ? undefined : readJson(body, 'own');
      const json = body === undefined ? undefined : readJson(body, 'json');
      if (outcome.sent.length === 0) {
        // Refused: only ever with a ValidationError, which names every place that is not JSON data either way it is read.
        const bad = (own?.bad ?? []).filter((pointer) => json?.bad.includes(pointer));
        assertRefused({ ...c, refused: bad.map((pointer) => ({ pointer })) }, outcome);
        return;
      }
      // Sent: as one of the two readings, which has nothing that is not JSON data.
      const fits = [own, json].filter((r) => r === undefined || r.bad.length === 0);
      if (fits.length === 0) {
        throw new Error(
          `${c.route.operationId}, ${c.what}: SENT a body with non-JSON values at ${[...new Set([...(own?.bad ?? []), ...(json?.bad ?? [])])].join(', ')}: ${describeSent(outcome)}`,
        );
      }
      const sentBody = outcome.sent[0]?.request.body;
      const semantics =
        json && json.bad.length === 0 && sentBody !== undefined && jsonEqual(JSON.parse(sentBody as string), json.json) ? 'json' : 'own';
      assertSentOnce(c, outcome, semantics);
    },
  );

  it('runs at least 20,000 cases in all', () => {
    const total = plan.reduce((sum, p) => sum + p.runs, 0);
    console.log(`properties.test.ts: ${plan.length} properties, ${total} cases planned, seed ${SEED}`);
    expect(total).toBeGreaterThanOrEqual(20_000);
  });
});
