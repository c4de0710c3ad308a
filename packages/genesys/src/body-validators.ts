/**
 * Request-body validators from an API contract's JSON Schemas (what the generator writes into each
 * API's `generated/schemas.ts`): one ajv instance per contract, each model compiled on first use.
 * They run before anything is sent; every problem is reported, with a JSON pointer.
 */
import type { InputValidator, ValidationProblem } from '@switchboard/core';
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';

/** Limits on a model's properties that a contract states in prose, applied beside its schema. */
export type BodyLimits = Readonly<
  Record<
    string,
    Readonly<
      Record<
        string,
        {
          /** The most characters the property may have. */
          readonly maxLength: number;
        }
      >
    >
  >
>;

function toProblem(error: ErrorObject): ValidationProblem {
  const at = `/body${error.instancePath}`;
  switch (error.keyword) {
    case 'required':
      return { pointer: `${at}/${(error.params as { missingProperty: string }).missingProperty}`, message: 'is required' };
    case 'enum':
      return {
        pointer: at,
        message: `must be one of ${(error.params as { allowedValues: unknown[] }).allowedValues.map((v) => JSON.stringify(v)).join(', ')}`,
      };
    case 'maxLength':
      return { pointer: at, message: `must have at most ${(error.params as { limit: number }).limit} characters` };
    default:
      // ajv's messages name types and limits, never the value.
      return { pointer: at, message: error.message ?? 'is not valid' };
  }
}

/**
 * The validator factory of one contract: `bodyValidator(model)` checks `input.body` against that
 * model of `definitions`, with the prose `limits` on top.
 */
export function bodyValidators(definitions: Readonly<Record<string, unknown>>, limits: BodyLimits = {}): (model: string) => InputValidator {
  let ajv: Ajv | undefined;
  const compiled = new Map<string, ValidateFunction>();
  const compile = (model: string): ValidateFunction => {
    let validate = compiled.get(model);
    if (!validate) {
      if (!ajv) {
        // Formats (uri, date-time, int64) are not checked: the server owns those judgements.
        ajv = new Ajv({ allErrors: true, strict: false, validateFormats: false });
        ajv.addSchema({ $id: 'contract', definitions });
      }
      const extra = limits[model] ?? {};
      // The prose limits join the model's own schema: `allOf` keeps every other rule as it is.
      const rules = Object.keys(extra).length > 0 ? [{ properties: extra }] : [];
      validate = ajv.compile({ allOf: [{ $ref: `contract#/definitions/${model}` }, ...rules] });
      compiled.set(model, validate);
    }
    return validate;
  };
  return (model) => (input) => {
    const body = (input as { body?: unknown } | undefined)?.body;
    if (body === undefined) return [];
    const validate = compile(model);
    return validate(body) ? [] : (validate.errors ?? []).map(toProblem);
  };
}
