/**
 * What the emulator makes of a request body, as Genesys Cloud does:
 *
 * - read-only fields are dropped before validation, wherever they are: a GET → change → PUT round
 *   trip sends back `id` and a relative `selfUri` as the GET returned them, and Genesys ignores
 *   read-only fields in requests rather than rejecting them (as Genesys' own SDKs' round trips
 *   show: test/genesys-sdks.test.ts; the spec marks them `readOnly: true`). The handler never sees them, so a client cannot
 *   set an id.
 * - every other field is checked against the spec's model, and a field the model does not name is
 *   a 400 `constraint.validation`: the spec's models have no `additionalProperties`, and the
 *   emulator reads that strictly so that a misspelt field shows up in development instead of
 *   being dropped without a word.
 */
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';
import type { SpecFile } from './spec.js';

/** One problem with a request body: the field (dotted path) and what is wrong with it. */
export interface BodyProblem {
  readonly field: string;
  readonly problem: string;
}

/** A request body as the handler gets it (read-only fields dropped), and what is wrong with it. */
export interface CheckedBody {
  readonly body: unknown;
  readonly problems: readonly BodyProblem[];
}

type Schema = Readonly<Record<string, unknown>>;

let ajv: Ajv | undefined;
/** Compiled checks, by contract and model. */
const validators = new Map<string, ValidateFunction>();

function describe(error: ErrorObject): BodyProblem {
  const field = error.instancePath.replace(/^\//, '').replaceAll('/', '.') || 'body';
  if (error.keyword === 'required') {
    const missing = (error.params as { missingProperty: string }).missingProperty;
    return { field: field === 'body' ? missing : `${field}.${missing}`, problem: 'may not be null' };
  }
  if (error.keyword === 'additionalProperties') {
    const extra = (error.params as { additionalProperty: string }).additionalProperty;
    return { field: field === 'body' ? extra : `${field}.${extra}`, problem: 'is not a field of this model' };
  }
  return { field, problem: error.message ?? 'is not valid' };
}

/** The spec's models for requests: an object model with named properties allows no others. */
function strict(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(strict);
  if (typeof node !== 'object' || node === null) return node;
  const copy = Object.fromEntries(Object.entries(node).map(([key, value]) => [key, strict(value)]));
  if (copy.type === 'object' && typeof copy.properties === 'object' && !('additionalProperties' in copy)) copy.additionalProperties = false;
  return copy;
}

function resolve(spec: SpecFile, schema: Schema): Schema {
  const ref = typeof schema.$ref === 'string' ? /^#\/definitions\/(.+)$/.exec(schema.$ref)?.[1] : undefined;
  return ref ? ((spec.definitions[ref] as Schema | undefined) ?? {}) : schema;
}

/** `value` without the properties `schema` marks read-only, at any depth. */
function withoutReadOnly(spec: SpecFile, value: unknown, schema: Schema): unknown {
  const model = resolve(spec, schema);
  if (Array.isArray(value))
    return typeof model.items === 'object' && model.items !== null
      ? value.map((item) => withoutReadOnly(spec, item, model.items as Schema))
      : value;
  const properties = model.properties as Readonly<Record<string, Schema>> | undefined;
  if (typeof value !== 'object' || value === null || !properties) return value;
  const kept: Record<string, unknown> = {};
  for (const [key, field] of Object.entries(value)) {
    const property = properties[key];
    if (property?.readOnly === true) continue;
    kept[key] = property ? withoutReadOnly(spec, field, property) : field;
  }
  return kept;
}

/** Checks request bodies against one of a contract's models; compiled once, on first use. */
export function requestBody(spec: SpecFile, schemaRef: string): (body: unknown) => CheckedBody {
  return (received) => {
    if (!ajv) {
      ajv = new Ajv({ allErrors: true, strict: false });
      addFormats.default(ajv, ['uri', 'date', 'date-time']);
      ajv.addFormat('int32', true).addFormat('int64', true).addFormat('double', true);
    }
    // Each contract's models under its own id: both define models of the same name (ErrorBody).
    if (!ajv.getSchema(spec.name)) ajv.addSchema({ $id: spec.name, definitions: strict(spec.definitions) });
    const key = `${spec.name}#/definitions/${schemaRef}`;
    let validate = validators.get(key);
    if (!validate) {
      validate = ajv.compile({ $ref: key });
      validators.set(key, validate);
    }
    const body = withoutReadOnly(spec, received, { $ref: `#/definitions/${schemaRef}` });
    return { body, problems: validate(body) ? [] : (validate.errors ?? []).map(describe) };
  };
}
