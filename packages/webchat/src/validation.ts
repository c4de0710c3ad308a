/**
 * Request-body validators from the spec's JSON Schemas: one ajv instance, each model compiled on
 * first use. They run before anything is sent; every problem is reported, with a JSON pointer.
 */
import type { InputValidator, ValidationProblem } from '@switchboard/core';
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import { bodyLimits, definitions } from './generated/schemas.js';

let ajv: Ajv | undefined;
const compiled = new Map<string, ValidateFunction>();

function instance(): Ajv {
  if (!ajv) {
    // Formats (uri, date-time, int64) are not checked: the server owns those judgements.
    ajv = new Ajv({ allErrors: true, strict: false, validateFormats: false });
    ajv.addSchema({ $id: 'webchat', definitions });
  }
  return ajv;
}

function compile(model: string): ValidateFunction {
  let validate = compiled.get(model);
  if (!validate) {
    const limits = bodyLimits[model] ?? {};
    // The prose limits join the model's own schema: `allOf` keeps every other rule as it is.
    const extra = Object.keys(limits).length > 0 ? [{ properties: limits }] : [];
    validate = instance().compile({ allOf: [{ $ref: `webchat#/definitions/${model}` }, ...extra] });
    compiled.set(model, validate);
  }
  return validate;
}

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

/** Validates `input.body` against a model of the spec. */
export function bodyValidator(model: string): InputValidator {
  return (input) => {
    const body = (input as { body?: unknown } | undefined)?.body;
    if (body === undefined) return [];
    const validate = compile(model);
    return validate(body) ? [] : (validate.errors ?? []).map(toProblem);
  };
}
