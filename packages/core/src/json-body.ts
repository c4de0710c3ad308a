/**
 * A request body as it will travel: JSON, which is what `JSON.stringify` makes of the value (its
 * own enumerable string-keyed properties, after `toJSON`). Validation reads exactly that, so what
 * is validated is what is sent; and every value JSON cannot carry is refused by pointer instead of
 * being dropped or turned into `null` on the way (a function, a symbol, `undefined` in an array,
 * NaN, ±Infinity, a BigInt, a cycle, a lone UTF-16 surrogate, a Map or a Set).
 */
import type { ValidationProblem } from './descriptor.js';

// With the u flag a well-formed pair is one code point; only an unpaired half is a Cs code point.
const UNPAIRED_SURROGATE = /\p{Cs}/u;
/** Deeper than any API body; a bound, so that a walk (and JSON.stringify) cannot overflow the stack. */
const MAX_DEPTH = 256;

/** JSON pointer escaping of one reference token (RFC 6901). */
const token = (key: string): string => key.replaceAll('~', '~0').replaceAll('/', '~1');

/**
 * Bodies serialised by their validation and not yet sent: a call validates, then builds its
 * request at once, and the build takes the text (once) instead of serialising the body again.
 */
const serialised = new WeakMap<object, string>();

function walk(value: unknown, pointer: string, ancestors: Set<object>, depth: number, inArray: boolean, problems: ValidationProblem[]): void {
  const problem = (message: string) => void problems.push({ pointer, message });
  switch (typeof value) {
    case 'string':
      if (UNPAIRED_SURROGATE.test(value)) problem('must not contain unpaired UTF-16 surrogates');
      return;
    case 'number':
      if (!Number.isFinite(value)) problem('must be a finite number (JSON has no NaN or Infinity)');
      return;
    case 'boolean':
      return;
    case 'undefined':
      // An object property set to undefined is left out, the usual way to say "absent"; in an array it would become null.
      if (inArray) problem('must not be undefined (JSON would send null)');
      return;
    case 'bigint':
      problem('must not be a BigInt (JSON cannot carry it)');
      return;
    case 'function':
    case 'symbol':
      problem(`must not be a ${typeof value} (JSON cannot carry it)`);
      return;
  }
  if (value === null) return;
  const object = value as object;
  if (depth > MAX_DEPTH) return problem(`must not be nested more than ${MAX_DEPTH} levels deep`);
  if (ancestors.has(object)) return problem('must not refer back to itself (JSON cannot carry a cycle)');
  ancestors.add(object);
  const toJSON = (object as { toJSON?: unknown }).toJSON;
  if (typeof toJSON === 'function') {
    // A Date, or any value that says how it serialises: what it gives is what is sent.
    walk(toJSON.call(object) as unknown, pointer, ancestors, depth + 1, inArray, problems);
  } else if (object instanceof Map || object instanceof Set || object instanceof WeakMap || object instanceof WeakSet) {
    problem(`must not be a ${object.constructor.name} (JSON would send {})`);
  } else if (Array.isArray(object)) {
    for (let index = 0; index < object.length; index++) walk(object[index], `${pointer}/${index}`, ancestors, depth + 1, true, problems);
  } else {
    if (Object.getOwnPropertySymbols(object).some((key) => Object.prototype.propertyIsEnumerable.call(object, key))) problem('must not have symbol keys (JSON drops them)');
    for (const [key, field] of Object.entries(object)) walk(field, `${pointer}/${token(key)}`, ancestors, depth + 1, false, problems);
  }
  ancestors.delete(object);
}

/**
 * Every part of `body` that JSON cannot carry as it is, by JSON pointer under `/body`; none for a
 * body that survives `JSON.stringify` unchanged. When there is none, the serialised body is kept
 * for {@link serialiseBody} and its parsed copy returned, for the validators to read.
 */
export function checkJsonBody(body: unknown): { readonly problems: ValidationProblem[]; readonly sent?: unknown } {
  const problems: ValidationProblem[] = [];
  walk(body, '/body', new Set(), 0, false, problems);
  if (problems.length > 0) return { problems };
  const json = JSON.stringify(body);
  if (typeof body === 'object' && body !== null) serialised.set(body, json);
  return { problems, sent: JSON.parse(json) as unknown };
}

/** `body` as JSON text: the text {@link checkJsonBody} just made for it (taken once), else made now. */
export function serialiseBody(body: unknown): string | undefined {
  if (typeof body !== 'object' || body === null) return JSON.stringify(body);
  const kept = serialised.get(body);
  serialised.delete(body);
  return kept ?? JSON.stringify(body);
}

/** Forgets the text kept for `body`: its call was refused, so it will not be built. */
export function forgetBody(body: unknown): void {
  if (typeof body === 'object' && body !== null) serialised.delete(body);
}
