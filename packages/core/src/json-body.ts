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
export const pointerToken = (key: string): string => key.replaceAll('~', '~0').replaceAll('/', '~1');

function walk(
  value: unknown,
  pointer: string,
  ancestors: Set<object>,
  depth: number,
  inArray: boolean,
  problems: ValidationProblem[],
): void {
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
  const kind = Object.prototype.toString.call(object);
  const toJSON = (object as { toJSON?: unknown }).toJSON;
  if (kind === '[object Number]' || kind === '[object String]' || kind === '[object Boolean]') {
    // A boxed primitive: JSON sends the value inside.
    walk((object as { valueOf(): unknown }).valueOf(), pointer, ancestors, depth + 1, inArray, problems);
  } else if (kind === '[object BigInt]') {
    problem('must not be a BigInt (JSON cannot carry it)');
  } else if (typeof toJSON === 'function') {
    // A Date, or any value that says how it serialises: what it gives is what is sent.
    walk(toJSON.call(object) as unknown, pointer, ancestors, depth + 1, inArray, problems);
  } else if (object instanceof Map || object instanceof Set || object instanceof WeakMap || object instanceof WeakSet) {
    problem(`must not be a ${object.constructor.name} (JSON would send {})`);
  } else if (Array.isArray(object)) {
    for (let index = 0; index < object.length; index++) walk(object[index], `${pointer}/${index}`, ancestors, depth + 1, true, problems);
  } else {
    if (Object.getOwnPropertySymbols(object).some((key) => Object.prototype.propertyIsEnumerable.call(object, key)))
      problem('must not have symbol keys (JSON drops them)');
    for (const key of Object.keys(object)) {
      const at = `${pointer}/${pointerToken(key)}`;
      if (UNPAIRED_SURROGATE.test(key)) problems.push({ pointer: at, message: 'must not have a name with unpaired UTF-16 surrogates' });
      let field: unknown;
      try {
        field = (object as Record<string, unknown>)[key];
      } catch {
        // JSON.stringify would throw the getter's error, whatever it says.
        problems.push({ pointer: at, message: 'could not be read (its getter threw)' });
        continue;
      }
      walk(field, at, ancestors, depth + 1, false, problems);
    }
  }
  ancestors.delete(object);
}

/**
 * Every part of `body` that JSON cannot carry as it is, by JSON pointer under `/body`; none for a
 * body that survives `JSON.stringify` unchanged, which then comes with its JSON text (what will be
 * sent) and that text parsed back (what the validators read).
 */
export function checkJsonBody(body: unknown): { readonly problems: ValidationProblem[]; readonly json?: string; readonly sent?: unknown } {
  const problems: ValidationProblem[] = [];
  walk(body, '/body', new Set(), 0, false, problems);
  if (problems.length > 0) return { problems };
  let json: string | undefined;
  try {
    json = JSON.stringify(body);
  } catch {
    // What the walk cannot foresee (a toJSON that throws, or answers differently the second time).
    return { problems: [{ pointer: '/body', message: 'cannot be serialised as JSON' }] };
  }
  if (json === undefined) return { problems: [{ pointer: '/body', message: 'must be a JSON value' }] };
  return { problems, json, sent: JSON.parse(json) as unknown };
}
