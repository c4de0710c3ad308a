/**
 * The one generator for every Genesys API contract in spec/ (`webchat-api.json`,
 * `webmessaging-platform-api.json`): from a contract's operations and models it writes an API
 * package's `src/generated/` — model types (with `…Input` variants without read-only fields), route
 * descriptors with their input types, the operations as methods, and the JSON Schemas its body
 * validators compile. What differs between APIs (names, docs the contract leaves out, limits it
 * states in prose, why an operation is deprecated) is each package's {@link ApiConfig}, in its
 * `scripts/generate.ts`. `pnpm generate` runs them all; a test per package fails when its
 * checked-in output differs.
 *
 * A contract of models only (`webmessaging-guest-protocol.json`, Genesys' Swagger 2 schema of the
 * guest WebSocket protocol: definitions, no paths) gets one file of model types
 * ({@link generateModels}, {@link modelsGenerator}). Its schema uses what the REST contracts do
 * not, and the model types handle it (none of it occurs in the REST contracts, whose output is
 * unchanged by it):
 * - definition names that are no identifiers (`RequestType.CloseSession`): see {@link typeName};
 * - definitions that are enums (`NormalizedType`): a type alias of the literal union;
 * - `allOf` (an intersection of its parts) and OpenAPI 3's `nullable` (`| null`), which Genesys'
 *   downgrade from OpenAPI 3 to Swagger 2 left in one array's items;
 * - inline objects with properties of their own (`IncomingNormalizedMessage.channel`): an object
 *   type literal, each property documented like a model's;
 * - `items: {}` and `additionalProperties: {}` (any value): `unknown`;
 * - `additionalProperties: true` on a model (the server may add fields): the interface lists the
 *   properties the schema names and no index signature, so that a typo in a request a client
 *   builds is still an error; a reader of frames keeps the extra fields it is given.
 *
 * `oneOf`, `anyOf`, `not` and `discriminator` have no rendering here: a contract that uses them is
 * refused, not rendered as `unknown`.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export interface Schema {
  readonly type?: string;
  readonly $ref?: string;
  readonly enum?: readonly string[];
  readonly items?: Schema;
  readonly properties?: Readonly<Record<string, Schema>>;
  readonly required?: readonly string[];
  readonly additionalProperties?: Schema | boolean;
  readonly readOnly?: boolean;
  readonly description?: string;
  readonly format?: string;
  /** An intersection of schemas (the guest protocol: one `$ref` in an array's items). */
  readonly allOf?: readonly Schema[];
  /** OpenAPI 3's `nullable`, left in the guest protocol by Genesys' downgrade to Swagger 2: the value may be `null`. */
  readonly nullable?: boolean;
}

export interface Param {
  readonly name: string;
  readonly type: 'string' | 'integer' | 'boolean' | 'number' | 'array';
  readonly required?: boolean;
  readonly description?: string;
  readonly enum?: readonly string[];
  readonly default?: string | number | boolean;
  readonly maximum?: number;
  readonly minimum?: number;
  /** For arrays: the items' type and values. */
  readonly items?: { readonly type: 'string' | 'integer' | 'boolean' | 'number'; readonly enum?: readonly string[] };
  /** For arrays: `multi` (repeated keys) is the only form the contracts use. */
  readonly collectionFormat?: string;
}

/** A header parameter: `name` is its wire name, `sdkParamName` the name Genesys' SDKs give it (a valid identifier). */
export interface HeaderParam {
  readonly name: string;
  readonly sdkParamName: string;
  readonly type: 'string';
  readonly required?: boolean;
  readonly description?: string;
}

export interface SpecOperation {
  readonly operationId: string;
  readonly method: string;
  readonly path: string;
  readonly summary: string;
  readonly description: string;
  readonly deprecated: boolean;
  readonly authScheme: 'none' | 'guestJwt' | 'oauth';
  readonly pathParams: readonly Param[];
  readonly queryParams: readonly Param[];
  readonly headerParams?: readonly HeaderParam[];
  readonly body: { readonly required: boolean; readonly schemaRef: string; readonly description?: string } | null;
  readonly responses: Readonly<Record<string, { readonly schemaRef: string | null; readonly description?: string }>>;
}

export interface Spec {
  readonly operations: readonly SpecOperation[];
  readonly definitions: Readonly<Record<string, Schema>>;
}

/** Limits a contract states in prose, not in schema keywords: on query parameters by name, on body models' properties. */
export interface ProseLimits {
  readonly query: Readonly<Record<string, { readonly minimum?: number; readonly maximum?: number }>>;
  readonly body: Readonly<Record<string, Readonly<Record<string, { readonly maxLength: number }>>>>;
}

/** What generated model types are named and documented by: a models-only contract's whole config, and part of an API's. */
export interface ModelsConfig {
  /** The contract, relative to the repository: `spec/webchat-api.json`. */
  readonly specFile: string;
  /** This API's generator entry, relative to the repository, for the header of each file. */
  readonly entry: string;
  /** The API's name in prose: `WebChat`. */
  readonly title: string;
  /** TSDoc for the models the contract leaves undescribed. */
  readonly modelDocs: Readonly<Record<string, string>>;
  /** TSDoc for the properties the contract leaves undescribed: by `Model.property` first, then by property name. */
  readonly propertyDocs: Readonly<Record<string, string>>;
}

/** What one API's generated code is named and documented by. */
export interface ApiConfig extends ModelsConfig {
  /** The exported object of all descriptors by operation id: `webChatRoutes`. */
  readonly routesName: string;
  /** The abstract class of the operations as methods: `WebChatOperations`. */
  readonly operationsClass: string;
  /** TSDoc `@deprecated` text for the operations the contract marks deprecated. */
  readonly deprecation?: string;
  readonly proseLimits: ProseLimits;
  /**
   * The options type of the operations with the `guestJwt` scheme, when the guest's credential is
   * given per call (a required second argument), and the module it comes from, relative to `generated/`.
   * @default none: they take CallOptions, like every operation
   */
  readonly guestOptions?: { readonly type: string; readonly from: string };
}

/**
 * TSDoc for the properties every Genesys contract has and leaves undescribed (ErrorBody's entity
 * fields, paging, `selfUri`): an API's config spreads it under its own.
 */
export const GENESYS_PROPERTY_DOCS: Readonly<Record<string, string>> = {
  entityId: 'The id of the entity concerned, if any.',
  entityName: 'The name of the entity concerned, if any.',
  name: "The object's name.",
  entities: 'The entries of this page.',
  pageSize: 'The number of entries per page.',
  pageNumber: 'The number of this page, from 1.',
  pageCount: 'The number of pages.',
  total: 'The number of entries across all pages.',
  firstUri: 'The URI of the first page.',
  lastUri: 'The URI of the last page.',
  previousUri: 'The URI of the previous page, when there is one.',
  nextUri: 'The URI of the next page, when there is one.',
  selfUri: 'The URI for this object',
};

/**
 * The models every Genesys contract defines alike, whose one home is @switchboard/genesys: the
 * generated model types import nothing for them (no other model refers to them), and the JSON
 * Schemas keep them, since validators resolve references within the contract.
 */
const SHARED_MODELS = new Set(['ErrorBody', 'Detail', 'Limit']);

const refName = (ref: string) => ref.replace('#/definitions/', '');

/**
 * The TypeScript name of a definition. A name that is an identifier stays as it is (every name of
 * the REST contracts); in one that is not, each run of other characters is dropped and the
 * character after it upper-cased, so `RequestType.CloseSession` becomes `RequestTypeCloseSession`
 * (the name Genesys' Java SDK gives the same definition), and a leading digit gets a `_`. Two
 * definitions that come out alike are refused ({@link Generator}'s name check), never renamed.
 */
export function typeName(name: string): string {
  if (/^[A-Za-z_$][\w$]*$/.test(name)) return name;
  const joined = name.replace(/[^\w$]+(.?)/g, (_, next: string) => next.toUpperCase());
  return /^\d/.test(joined) ? `_${joined}` : joined;
}

/** A property name as a key of an interface: quoted unless it is an identifier. */
const propertyKey = (name: string) => (/^[A-Za-z_$][\w$]*$/.test(name) ? name : JSON.stringify(name));

/** Schema keywords with no rendering here: a contract using one is refused rather than typed `unknown`. */
const UNSUPPORTED_KEYWORDS = ['oneOf', 'anyOf', 'not', 'discriminator'];

/** Throws when a schema, or one inside it, uses a keyword the generator cannot render. */
function checkSupported(where: string, schema: unknown): void {
  if (typeof schema !== 'object' || schema === null) return;
  for (const [key, value] of Object.entries(schema as Record<string, unknown>)) {
    if (UNSUPPORTED_KEYWORDS.includes(key)) throw new Error(`${where}: \`${key}\` is not supported by the generator`);
    // Under `properties` the keys are property names, not keywords: only their schemas are checked.
    if (key === 'properties' && typeof value === 'object' && value !== null)
      for (const [prop, propSchema] of Object.entries(value)) checkSupported(`${where}.${prop}`, propSchema);
    else checkSupported(where, value);
  }
}
const pascal = (id: string) => id[0]?.toUpperCase() + id.slice(1);
/** Text made safe inside a TSDoc block. */
const docText = (text: string) => text.replace(/\*\//g, '*\\/').replace(/\s+/g, ' ').trim();
const comment = (text: string | undefined, indent = '') => (text ? `${indent}/** ${docText(text)} */\n` : '');
/** A TSDoc block of several lines (a description, then tags), on one line when it has one. */
const docBlock = (lines: readonly string[], indent = '') =>
  lines.length === 1
    ? `${indent}/** ${lines[0]} */\n`
    : `${indent}/**\n${lines.map((line) => `${indent} * ${line}\n`).join('')}${indent} */\n`;
const str = (value: string) => JSON.stringify(value);

/** The `@default` of an optional query parameter: the server's default (the client never sends one), or that it is left out. */
const queryDefault = (param: Param) =>
  param.default === undefined
    ? '@default left out of the query'
    : `@default \`${JSON.stringify(param.default)}\` (the server applies it; the client leaves the parameter out)`;

const refsOf = (schema: Schema): string[] =>
  schema.$ref
    ? [refName(schema.$ref)]
    : schema.items
      ? refsOf(schema.items)
      : typeof schema.additionalProperties === 'object'
        ? refsOf(schema.additionalProperties)
        : [];

/**
 * Models sent in request bodies (or inside one) that have read-only properties, directly or in a
 * model they refer to: each gets an `…Input` variant without them.
 */
function modelsWithReadOnly(spec: Spec): Set<string> {
  const sent = new Set<string>();
  const visit = (name: string): void => {
    if (sent.has(name)) return;
    sent.add(name);
    for (const prop of Object.values(spec.definitions[name]?.properties ?? {})) refsOf(prop).forEach(visit);
  };
  for (const op of spec.operations) if (op.body) visit(op.body.schemaRef);
  const result = new Set<string>();
  let changed = true;
  while (changed) {
    changed = false;
    for (const [name, model] of Object.entries(spec.definitions)) {
      if (result.has(name) || !sent.has(name)) continue;
      const props = Object.values(model.properties ?? {});
      if (props.some((p) => p.readOnly || refsOf(p).some((r) => result.has(r)))) {
        result.add(name);
        changed = true;
      }
    }
  }
  return result;
}

/** How an inline object with properties of its own is written: by the generator, which knows where it sits and how deep. */
type InlineObject = (schema: Schema) => string;

/** A type as an operand of `&` or `[]`: in parentheses when it is a union. */
const operand = (type: string) => (type.includes('|') ? `(${type})` : type);

function typeOf(schema: Schema, input: boolean, readOnlyModels: Set<string>, inline?: InlineObject): string {
  const type = baseTypeOf(schema, input, readOnlyModels, inline);
  return schema.nullable ? `${type} | null` : type;
}

function baseTypeOf(schema: Schema, input: boolean, readOnlyModels: Set<string>, inline?: InlineObject): string {
  if (schema.$ref) {
    const name = refName(schema.$ref);
    return input && readOnlyModels.has(name) ? `${typeName(name)}Input` : typeName(name);
  }
  if (schema.allOf) return schema.allOf.map((part) => operand(typeOf(part, input, readOnlyModels, inline))).join(' & ');
  if (schema.enum) return schema.enum.map((v) => JSON.stringify(v)).join(' | ');
  switch (schema.type) {
    case 'string':
      return 'string';
    case 'integer':
    case 'number':
      return 'number';
    case 'boolean':
      return 'boolean';
    case 'array':
      return `${operand(typeOf(schema.items ?? {}, input, readOnlyModels, inline))}[]`;
    case 'object':
      if (inline && Object.keys(schema.properties ?? {}).length > 0) return inline(schema);
      return typeof schema.additionalProperties === 'object'
        ? `Record<string, ${typeOf(schema.additionalProperties, input, readOnlyModels, inline)}>`
        : 'Record<string, unknown>';
    default:
      return 'unknown';
  }
}

/**
 * The model types of a contract: an interface per object definition (an alias for one without
 * properties, for an enum and for any other non-object), each documented from the contract or its
 * config. {@link Generator} adds an API's routes, operations and schemas.
 */
class ModelWriter {
  protected readonly readOnlyModels: Set<string>;

  constructor(
    protected readonly spec: Spec,
    private readonly docs: ModelsConfig,
    /** Definitions whose one home is elsewhere: no type here. */
    private readonly shared: ReadonlySet<string>,
  ) {
    for (const [name, model] of Object.entries(spec.definitions)) checkSupported(`${docs.specFile}: ${name}`, model);
    this.readOnlyModels = modelsWithReadOnly(spec);
    this.#checkNames();
  }

  protected get header(): string {
    return `// Generated by ${this.docs.entry} from ${this.docs.specFile}. Do not edit.\n`;
  }

  /** Every exported name once: an input type named like a model would shadow it, and so would two definitions whose names make the same identifier. */
  #checkNames(): void {
    const names = new Set<string>();
    const add = (name: string) => {
      if (names.has(name)) throw new Error(`${this.docs.specFile}: two generated types are named ${name}`);
      names.add(name);
    };
    for (const name of Object.keys(this.spec.definitions)) {
      add(typeName(name));
      if (this.readOnlyModels.has(name)) add(`${typeName(name)}Input`);
    }
    for (const op of this.spec.operations) add(inputTypeName(op));
  }

  #modelDoc(name: string, model: Schema): string {
    const fallback = model.enum
      ? `The values of ${name} in the ${this.docs.title} definition.`
      : `The ${name} model of the ${this.docs.title} API definition.`;
    const doc = model.description ?? this.docs.modelDocs[name] ?? fallback;
    return typeName(name) === name ? doc : `${doc} Named \`${name}\` in the contract.`;
  }

  #propertyDoc(model: string, prop: string, schema: Schema): string {
    const docs = this.docs.propertyDocs;
    return schema.description ?? docs[`${model}.${prop}`] ?? docs[prop] ?? `The \`${prop}\` property of ${model}.`;
  }

  /**
   * The properties of a model, or of an inline object inside one (`owner` is then its path:
   * `IncomingNormalizedMessage.channel`), one line each after its TSDoc, at `indent`.
   */
  #properties(owner: string, model: Schema, input: boolean, indent: string): string[] {
    const required = new Set(model.required ?? []);
    return Object.entries(model.properties ?? {})
      .filter(([, prop]) => !(input && prop.readOnly))
      .map(([prop, schema]) => {
        const readonly = schema.readOnly ? 'readonly ' : '';
        // An inline object with properties of its own is written out, one level deeper.
        const inline: InlineObject = (object) =>
          `{\n${this.#properties(`${owner}.${prop}`, object, input, `${indent}  `).join('')}${indent}}`;
        return `${comment(this.#propertyDoc(owner, prop, schema), indent)}${indent}${readonly}${propertyKey(prop)}${required.has(prop) ? '' : '?'}: ${typeOf(schema, input, this.readOnlyModels, inline)};\n`;
      });
  }

  #renderModel(name: string, model: Schema, input: boolean): string {
    const lines = this.#properties(name, model, input, '  ');
    const type = input ? `${typeName(name)}Input` : typeName(name);
    const doc = input
      ? `/** ${typeName(name)} as a request body: its read-only properties are the server's to set. */\n`
      : comment(this.#modelDoc(name, model));
    // An enum, or any definition that is not an object (the guest protocol's `RequestType`, say): an alias of its type.
    if (lines.length === 0 && (model.enum || (model.type !== undefined && model.type !== 'object')))
      return `${doc}export type ${type} = ${typeOf(model, input, this.readOnlyModels)};\n`;
    // A model the contract gives no properties is an object of any shape (`Empty`, say).
    if (lines.length === 0) return `${doc}export type ${type} = Record<string, unknown>;\n`;
    return `${doc}export interface ${type} {\n${lines.join('')}}\n`;
  }

  models(): string {
    const parts = [this.header];
    for (const [name, model] of Object.entries(this.spec.definitions)) {
      if (this.shared.has(name)) continue;
      parts.push(`\n${this.#renderModel(name, model, false)}`);
      if (this.readOnlyModels.has(name)) parts.push(`\n${this.#renderModel(name, model, true)}`);
    }
    return parts.join('');
  }
}

/** An API's generated files: its models, and its routes, operations and schemas. */
class Generator extends ModelWriter {
  constructor(
    spec: Spec,
    private readonly config: ApiConfig,
  ) {
    super(spec, config, SHARED_MODELS);
  }

  #bodyType(op: SpecOperation): string {
    const ref = op.body?.schemaRef ?? '';
    return `M.${this.readOnlyModels.has(ref) ? `${ref}Input` : ref}`;
  }

  #renderInput(op: SpecOperation): string {
    const fields = [
      ...op.pathParams.map((p) => `${comment(p.description, '  ')}  ${p.name}: string;\n`),
      ...op.queryParams.map(
        (p) =>
          `${docBlock([...(p.description ? [docText(p.description)] : []), ...(p.required ? [] : [queryDefault(p)])], '  ')}  ${p.name}${p.required ? '' : '?'}: ${paramType(p)};\n`,
      ),
      ...(op.headerParams ?? []).map(
        (h) =>
          `${docBlock([...(h.description ? [docText(h.description)] : []), `Sent as the \`${h.name}\` header.`, ...(h.required ? [] : ['@default no header'])], '  ')}  ${h.sdkParamName}${h.required ? '' : '?'}: string;\n`,
      ),
      ...(op.body
        ? [
            `${comment(op.body.description || `The request body: ${op.body.schemaRef}.`, '  ')}  body${op.body.required ? '' : '?'}: ${this.#bodyType(op)};\n`,
          ]
        : []),
    ];
    if (fields.length === 0)
      return `/** ${op.operationId} takes no parameters. */\nexport type ${inputTypeName(op)} = Record<string, never>;\n`;
    return `/** The parameters of ${op.operationId}, named as in the spec. */\nexport interface ${inputTypeName(op)} {\n${fields.join('')}}\n`;
  }

  #renderParamSpec(param: Param, location: 'path' | 'query'): string {
    const limits = location === 'query' ? (this.config.proseLimits.query[param.name] ?? {}) : {};
    const spec: Record<string, unknown> = {
      name: param.name,
      type: param.type,
      required: location === 'path' ? true : Boolean(param.required),
    };
    if (param.enum) spec.enum = param.enum;
    if (param.default !== undefined) spec.default = param.default;
    const numeric = param.type === 'integer' || param.type === 'number';
    const minimum = param.minimum ?? (numeric ? limits.minimum : undefined);
    const maximum = param.maximum ?? (numeric ? limits.maximum : undefined);
    if (minimum !== undefined) spec.minimum = minimum;
    if (maximum !== undefined) spec.maximum = maximum;
    const fields = Object.entries(spec).map(([key, value]) => `${key}: ${JSON.stringify(value).replace(/","/g, '", "')}`);
    if (param.items) {
      const items = [
        `type: ${str(param.items.type)}`,
        ...(param.items.enum ? [`enum: ${JSON.stringify(param.items.enum).replace(/","/g, '", "')}`] : []),
      ];
      fields.splice(param.enum ? 4 : 3, 0, `items: { ${items.join(', ')} }`);
    }
    return `{ ${fields.join(', ')} }`;
  }

  #deprecatedTag(op: SpecOperation, indent: string): string {
    if (!op.deprecated) return '';
    if (!this.config.deprecation) throw new Error(`${op.operationId} is deprecated, and the config gives no deprecation text`);
    return `${indent} * @deprecated ${this.config.deprecation}\n`;
  }

  routes(): string {
    const parts = [
      this.header,
      "import { defineRoute } from '@switchboard/core';\n",
      "import { bodyValidator } from '../validation.js';\n",
      "import type * as M from './models.js';\n",
    ];
    for (const op of this.spec.operations) {
      parts.push(`\n${this.#renderInput(op)}`);
      const list = (params: readonly Param[], location: 'path' | 'query') =>
        params.length === 0 ? '[]' : `[\n${params.map((p) => `    ${this.#renderParamSpec(p, location)},\n`).join('')}  ]`;
      const headers = op.headerParams ?? [];
      parts.push(
        `\n/**\n * ${docText(op.summary)}\n${this.#deprecatedTag(op, '')} */\n` +
          `export const ${op.operationId} = defineRoute<${inputTypeName(op)}, ${this.#outputType(op)}>({\n` +
          `  operationId: ${str(op.operationId)},\n` +
          `  method: ${str(op.method)},\n` +
          `  path: ${str(op.path)},\n` +
          `  pathParams: ${list(op.pathParams, 'path')},\n` +
          `  queryParams: ${list(op.queryParams, 'query')},\n` +
          (headers.length > 0
            ? `  headerParams: [\n${headers.map((h) => `    { name: ${str(h.sdkParamName)}, header: ${str(h.name)}, required: ${Boolean(h.required)} },\n`).join('')}  ],\n`
            : '') +
          (op.body ? `  body: { schema: ${str(op.body.schemaRef)}, required: ${op.body.required} },\n` : '') +
          `  auth: ${str(op.authScheme)},\n` +
          `  idempotent: ${IDEMPOTENT_METHODS.has(op.method)},\n` +
          `  deprecated: ${op.deprecated},\n` +
          `  successStatus: ${successStatus(op)},\n` +
          (hasResponseBody(op) ? `  responseBody: true,\n` : '') +
          (op.body ? `  validate: bodyValidator(${str(op.body.schemaRef)}),\n` : '') +
          `});\n`,
      );
    }
    parts.push(
      `\n/** All ${this.spec.operations.length} operations by operation id. */\nexport const ${this.config.routesName} = {\n${this.spec.operations.map((op) => `  ${op.operationId},\n`).join('')}} as const;\n`,
    );
    return parts.join('');
  }

  /** The model a success answers with; `undefined` when one of its successes has no body. */
  #outputType(op: SpecOperation): string {
    const ref = op.responses[String(successStatus(op))]?.schemaRef;
    return ref && hasResponseBody(op) ? `M.${ref}` : ref ? `M.${ref} | undefined` : 'undefined';
  }

  operations(): string {
    const { operationsClass, title, guestOptions } = this.config;
    const count = this.spec.operations.length;
    const parts = [
      this.header,
      "import type { CallOptions, CallResult, RouteDescriptor } from '@switchboard/core';\n",
      ...(guestOptions ? [`import type { ${guestOptions.type} } from '${guestOptions.from}';\n`] : []),
      "import type * as M from './models.js';\n",
      "import * as R from './routes.js';\n",
      `\n/** The ${count} ${title} operations as methods; a subclass supplies how a call is made. */\n`,
      `export abstract class ${operationsClass} {\n`,
      '  /** Makes one call of `route`: the subclass runs it on its client, with its auth and error handling. */\n',
      '  protected abstract invoke<Input, Output>(route: RouteDescriptor<Input, Output>, input: Input, options: CallOptions | undefined): Promise<CallResult<Output>>;\n',
    ];
    for (const op of this.spec.operations) {
      const input = `R.${inputTypeName(op)}`;
      const guest = guestOptions && op.authScheme === 'guestJwt';
      // A required options argument cannot follow an optional parameter.
      const param = hasRequiredInput(op) || guest ? `params: ${input}` : `params: ${input} = {}`;
      const options = guest ? `options: ${guestOptions.type}` : 'options?: CallOptions';
      parts.push(
        `\n  /**\n   * ${docText(op.summary)} (\`${op.method} ${docText(op.path)}\`, auth: ${op.authScheme}).\n${this.#deprecatedTag(op, '  ')}   */\n` +
          `  ${op.operationId}(${param}, ${options}): Promise<CallResult<${this.#outputType(op)}>> {\n` +
          `    return this.invoke(R.${op.operationId}, params, options);\n` +
          '  }\n',
      );
    }
    parts.push('}\n');
    return parts.join('');
  }

  schemas(): string {
    return (
      `${this.header}\n/** The spec's model definitions (JSON Schema, Swagger 2 form), for the request validators. */\n` +
      `export const definitions = ${JSON.stringify(this.spec.definitions, null, 2)} as const;\n` +
      `\n/** Limits on request bodies that the spec states in prose (see the proseLimits of ${this.config.entry}). */\n` +
      `export const bodyLimits: Readonly<Record<string, Readonly<Record<string, { readonly maxLength: number }>>>> = ${JSON.stringify(this.config.proseLimits.body)};\n`
    );
  }
}

const successStatus = (op: SpecOperation) => Number(Object.keys(op.responses).find((s) => s.startsWith('2')) ?? 200);

/** Whether every success the operation documents has a body: only then is an empty 2xx a parse error. */
function hasResponseBody(op: SpecOperation): boolean {
  const successes = Object.entries(op.responses).filter(([status]) => status.startsWith('2'));
  return successes.length > 0 && successes.every(([, response]) => Boolean(response.schemaRef));
}

function inputTypeName(op: SpecOperation): string {
  return `${pascal(op.operationId)}Input`;
}

function paramType(param: Param): string {
  if (param.type === 'array') {
    const item = param.items?.enum ? param.items.enum.map((v) => JSON.stringify(v)).join(' | ') : scalarType(param.items?.type ?? 'string');
    return item.includes('|') ? `(${item})[]` : `${item}[]`;
  }
  if (param.enum) return param.enum.map((v) => JSON.stringify(v)).join(' | ');
  return scalarType(param.type);
}

const scalarType = (type: string) => (type === 'integer' || type === 'number' ? 'number' : type);

function hasRequiredInput(op: SpecOperation): boolean {
  return (
    op.pathParams.length > 0 ||
    op.queryParams.some((p) => p.required) ||
    (op.headerParams ?? []).some((h) => h.required) ||
    Boolean(op.body?.required)
  );
}

/** GET, PUT and DELETE may be replayed; POST and PATCH change state each time they arrive. */
const IDEMPOTENT_METHODS = new Set(['GET', 'HEAD', 'PUT', 'DELETE']);

/** The four generated files of an API, by name. */
export function generateApi(spec: Spec, config: ApiConfig): Record<string, string> {
  const generator = new Generator(spec, config);
  return {
    'models.ts': generator.models(),
    'routes.ts': generator.routes(),
    'operations.ts': generator.operations(),
    'schemas.ts': generator.schemas(),
  };
}

/** An API package's generator: its contract, where its output goes, what it makes, and `write()` for `pnpm generate`. */
export function apiGenerator(config: ApiConfig): {
  readonly specUrl: URL;
  readonly outputDir: URL;
  readonly generate: (spec?: Spec) => Record<string, string>;
  readonly write: () => void;
} {
  const root = new URL('../../', import.meta.url);
  const specUrl = new URL(config.specFile, root);
  const outputDir = new URL(config.entry.replace(/scripts\/[^/]+$/, 'src/generated/'), root);
  const generate = (spec: Spec = JSON.parse(readFileSync(specUrl, 'utf8')) as Spec) => generateApi(spec, config);
  const write = () => {
    for (const [file, content] of Object.entries(generate())) {
      writeFileSync(new URL(file, outputDir), content);
      console.log(`wrote ${fileURLToPath(new URL(file, outputDir))}`);
    }
  };
  return { specUrl, outputDir, generate, write };
}

/**
 * The model types of a contract of models only (the guest protocol's schema: definitions, no
 * operations), as one file: every definition gets a type, none is left to another package.
 */
export function generateModels(definitions: Spec['definitions'], config: ModelsConfig): string {
  return new ModelWriter({ operations: [], definitions }, config, new Set()).models();
}

/**
 * A models-only contract's generator: its contract, the file its types go to (`file`, in the
 * package's `src/generated/`), what it makes, and `write()` for `pnpm generate`.
 */
export function modelsGenerator(
  config: ModelsConfig,
  file: string,
): {
  readonly specUrl: URL;
  readonly outputFile: URL;
  readonly generate: (definitions?: Spec['definitions']) => string;
  readonly write: () => void;
} {
  const root = new URL('../../', import.meta.url);
  const specUrl = new URL(config.specFile, root);
  const outputFile = new URL(file, new URL(config.entry.replace(/scripts\/[^/]+$/, 'src/generated/'), root));
  const read = () => (JSON.parse(readFileSync(specUrl, 'utf8')) as Pick<Spec, 'definitions'>).definitions;
  const generate = (definitions: Spec['definitions'] = read()) => generateModels(definitions, config);
  const write = () => {
    writeFileSync(outputFile, generate());
    console.log(`wrote ${fileURLToPath(outputFile)}`);
  };
  return { specUrl, outputFile, generate, write };
}
