/**
 * The one generator for every Genesys API contract in spec/ (`webchat-api.json`,
 * `webmessaging-platform-api.json`): from a contract's operations and models it writes an API
 * package's `src/generated/` — model types (with `…Input` variants without read-only fields), route
 * descriptors with their input types, the operations as methods, and the JSON Schemas its body
 * validators compile. What differs between APIs (names, docs the contract leaves out, limits it
 * states in prose, why an operation is deprecated) is each package's {@link ApiConfig}, in its
 * `scripts/generate.ts`. `pnpm generate` runs them all; a test per package fails when its
 * checked-in output differs.
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

/** What one API's generated code is named and documented by. */
export interface ApiConfig {
  /** The contract, relative to the repository: `spec/webchat-api.json`. */
  readonly specFile: string;
  /** This API's generator entry, relative to the repository, for the header of each file. */
  readonly entry: string;
  /** The API's name in prose: `WebChat`. */
  readonly title: string;
  /** The exported object of all descriptors by operation id: `webChatRoutes`. */
  readonly routesName: string;
  /** The abstract class of the operations as methods: `WebChatOperations`. */
  readonly operationsClass: string;
  /** TSDoc `@deprecated` text for the operations the contract marks deprecated. */
  readonly deprecation?: string;
  /** TSDoc for the models the contract leaves undescribed. */
  readonly modelDocs: Readonly<Record<string, string>>;
  /** TSDoc for the properties the contract leaves undescribed: by `Model.property` first, then by property name. */
  readonly propertyDocs: Readonly<Record<string, string>>;
  readonly proseLimits: ProseLimits;
  /**
   * The options type of the operations with the `guestJwt` scheme, when the guest's credential is
   * given per call (a required second argument), and the module it comes from, relative to `generated/`.
   * @default none: they take CallOptions, like every operation
   */
  readonly guestOptions?: { readonly type: string; readonly from: string };
}

/**
 * The models every Genesys contract defines alike, whose one home is @switchboard/genesys: the
 * generated model types import nothing for them (no other model refers to them), and the JSON
 * Schemas keep them, since validators resolve references within the contract.
 */
const SHARED_MODELS = new Set(['ErrorBody', 'Detail', 'Limit']);

const refName = (ref: string) => ref.replace('#/definitions/', '');
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

function typeOf(schema: Schema, input: boolean, readOnlyModels: Set<string>): string {
  if (schema.$ref) {
    const name = refName(schema.$ref);
    return input && readOnlyModels.has(name) ? `${name}Input` : name;
  }
  if (schema.enum) return schema.enum.map((v) => JSON.stringify(v)).join(' | ');
  switch (schema.type) {
    case 'string':
      return 'string';
    case 'integer':
    case 'number':
      return 'number';
    case 'boolean':
      return 'boolean';
    case 'array': {
      const item = typeOf(schema.items ?? {}, input, readOnlyModels);
      return item.includes('|') ? `(${item})[]` : `${item}[]`;
    }
    case 'object':
      return typeof schema.additionalProperties === 'object'
        ? `Record<string, ${typeOf(schema.additionalProperties, input, readOnlyModels)}>`
        : 'Record<string, unknown>';
    default:
      return 'unknown';
  }
}

class Generator {
  readonly #readOnlyModels: Set<string>;

  constructor(
    private readonly spec: Spec,
    private readonly config: ApiConfig,
  ) {
    this.#readOnlyModels = modelsWithReadOnly(spec);
    this.#checkNames();
  }

  get #header(): string {
    return `// Generated by ${this.config.entry} from ${this.config.specFile}. Do not edit.\n`;
  }

  /** Every exported name once: an input type named like a model would shadow it. */
  #checkNames(): void {
    const names = new Set<string>();
    const add = (name: string) => {
      if (names.has(name)) throw new Error(`${this.config.specFile}: two generated types are named ${name}`);
      names.add(name);
    };
    for (const name of Object.keys(this.spec.definitions)) {
      add(name);
      if (this.#readOnlyModels.has(name)) add(`${name}Input`);
    }
    for (const op of this.spec.operations) add(inputTypeName(op));
  }

  #modelDoc(name: string, model: Schema): string {
    return model.description ?? this.config.modelDocs[name] ?? `The ${name} model of the ${this.config.title} API definition.`;
  }

  #propertyDoc(model: string, prop: string, schema: Schema): string {
    const docs = this.config.propertyDocs;
    return schema.description ?? docs[`${model}.${prop}`] ?? docs[prop] ?? `The \`${prop}\` property of ${model}.`;
  }

  #renderModel(name: string, model: Schema, input: boolean): string {
    const required = new Set(model.required ?? []);
    const lines = Object.entries(model.properties ?? {})
      .filter(([, prop]) => !(input && prop.readOnly))
      .map(([prop, schema]) => {
        const readonly = schema.readOnly ? 'readonly ' : '';
        return `${comment(this.#propertyDoc(name, prop, schema), '  ')}  ${readonly}${prop}${required.has(prop) ? '' : '?'}: ${typeOf(schema, input, this.#readOnlyModels)};\n`;
      });
    const doc = input
      ? `/** ${name} as a request body: its read-only properties are the server's to set. */\n`
      : comment(this.#modelDoc(name, model));
    // A model the contract gives no properties is an object of any shape (`Empty`, say).
    if (lines.length === 0) return `${doc}export type ${input ? `${name}Input` : name} = Record<string, unknown>;\n`;
    return `${doc}export interface ${input ? `${name}Input` : name} {\n${lines.join('')}}\n`;
  }

  models(): string {
    const parts = [this.#header];
    for (const [name, model] of Object.entries(this.spec.definitions)) {
      if (SHARED_MODELS.has(name)) continue;
      parts.push(`\n${this.#renderModel(name, model, false)}`);
      if (this.#readOnlyModels.has(name)) parts.push(`\n${this.#renderModel(name, model, true)}`);
    }
    return parts.join('');
  }

  #bodyType(op: SpecOperation): string {
    const ref = op.body?.schemaRef ?? '';
    return `M.${this.#readOnlyModels.has(ref) ? `${ref}Input` : ref}`;
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
      this.#header,
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
      this.#header,
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
      `${this.#header}\n/** The spec's model definitions (JSON Schema, Swagger 2 form), for the request validators. */\n` +
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
