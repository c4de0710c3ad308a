/**
 * A request body as it will travel: JSON, which is what `JSON.stringify` makes of the value (its
 * own enumerable string-keyed properties, after `toJSON`). The body is read once, by one walk that
 * both checks it and copies out what JSON would carry, and the JSON text is made from that copy:
 * what is validated is what is sent, even from user code (a toJSON, a getter, a Proxy's trap) that
 * would answer differently when asked again. Every value JSON cannot carry is refused by pointer
 * instead of being dropped or turned into `null` on the way (a function, a symbol, `undefined` in
 * an array, NaN, ±Infinity, a BigInt, a cycle, a lone UTF-16 surrogate, a Map or a Set), and so is
 * every throw from user code met on the way.
 */
import type { ValidationProblem } from './descriptor.js';

/**
 * Whether `value` has an unpaired UTF-16 surrogate, which no URL and no UTF-8 body can carry.
 * `isWellFormed` (Node 20 has it; the ES2023 types do not) costs a fraction of the equivalent
 * `/\p{Cs}/u` test, which every string parameter and body string goes through.
 */
export function hasUnpairedSurrogate(value: string): boolean {
  return !(value as string & { isWellFormed(): boolean }).isWellFormed();
}
/** Deeper than any API body; a bound, so that a walk (and JSON.stringify) cannot overflow the stack. */
const MAX_DEPTH = 256;

// What user code threw is never read, not even its message: it may quote customer data, and
// reading it (a message getter, a toString, a Proxy) is more user code that may throw in turn.
const GETTER_THREW = 'could not be read (its getter threw)';
const READ_THREW = 'could not be read (reading it threw)';
const TO_JSON_THREW = 'could not be serialised (its toJSON threw)';

/** JSON pointer escaping of one reference token (RFC 6901). */
export const pointerToken = (key: string): string => key.replaceAll('~', '~0').replaceAll('/', '~1');

/** What `read` gave, or THREW when it threw: the caller names the problem at its own pointer. */
const THREW: unique symbol = Symbol('threw');
function attempt<T>(read: () => T): T | typeof THREW {
  try {
    return read();
  } catch {
    return THREW;
  }
}

/** Where a value sits: what holds it (for its pointer), the key JSON.stringify gives its toJSON. */
interface Slot {
  /** The slot of what holds it; none for the root. */
  readonly parent: Slot | undefined;
  /** The property name, the index as a string, or '' for the root, as JSON.stringify passes it to toJSON. */
  readonly key: string;
  readonly depth: number;
  readonly inArray: boolean;
  /** The value is what a toJSON returned: JSON.stringify does not ask it for a toJSON of its own. */
  readonly fromToJSON: boolean;
}

interface Walk {
  readonly ancestors: Set<object>;
  readonly problems: ValidationProblem[];
}

const fieldSlot = (at: Slot, key: string, inArray: boolean): Slot => ({ parent: at, key, depth: at.depth + 1, inArray, fromToJSON: false });

/**
 * The JSON pointer of a slot, made only when a problem is found there: most bodies have none, and
 * a pointer built for every field cost about a third of the walk. A value that a toJSON or a box
 * gave has its holder's parent and key (its slot is a copy), so it sits at its holder's pointer.
 */
function pointerOf(at: Slot): string {
  let pointer = '';
  for (let slot = at; slot.parent !== undefined; slot = slot.parent) pointer = `/${pointerToken(slot.key)}${pointer}`;
  return `/body${pointer}`;
}

/**
 * Checks `value` and gives what JSON would carry of it (undefined where JSON leaves a field out).
 * What it gives matters only when no problem was found: then it is plain data, with no user code
 * left in it, which JSON.stringify turns into the text to send.
 */
function walk(value: unknown, at: Slot, state: Walk): unknown {
  const problem = (message: string): undefined => void state.problems.push({ pointer: pointerOf(at), message });
  switch (typeof value) {
    case 'string':
      return hasUnpairedSurrogate(value) ? problem('must not contain unpaired UTF-16 surrogates') : value;
    case 'number':
      return Number.isFinite(value) ? value : problem('must be a finite number (JSON has no NaN or Infinity)');
    case 'boolean':
      return value;
    case 'undefined':
      // An object property set to undefined is left out, the usual way to say "absent"; in an array it would become null.
      return at.inArray ? problem('must not be undefined (JSON would send null)') : undefined;
    case 'bigint':
      return problem('must not be a BigInt (JSON cannot carry it)');
    case 'function':
    case 'symbol':
      return problem(`must not be a ${typeof value} (JSON cannot carry it)`);
  }
  if (value === null) return null;
  const object = value as object;
  if (at.depth > MAX_DEPTH) return problem(`must not be nested more than ${MAX_DEPTH} levels deep`);
  if (state.ancestors.has(object)) return problem('must not refer back to itself (JSON cannot carry a cycle)');
  state.ancestors.add(object);
  try {
    return walkObject(object, at, state, problem);
  } finally {
    state.ancestors.delete(object);
  }
}

// Their valueOf reads the internal slot JSON reads, and throws for anything else: no user code runs.
const BOXES: ReadonlyMap<string, (boxed: object) => unknown> = new Map<string, (boxed: object) => unknown>([
  ['[object Number]', (boxed) => Number.prototype.valueOf.call(boxed)],
  ['[object String]', (boxed) => String.prototype.valueOf.call(boxed)],
  ['[object Boolean]', (boxed) => Boolean.prototype.valueOf.call(boxed)],
]);

/** The value inside a Number, String or Boolean object, as JSON sends it. */
function unboxed(object: object, kind: string): { readonly value: unknown } | undefined {
  const valueOf = BOXES.get(kind);
  // A Symbol.toStringTag can claim a kind the object is not: its valueOf then throws, and it is no box.
  const value = valueOf ? attempt(() => valueOf(object)) : THREW;
  return value === THREW ? undefined : { value };
}

/** What JSON would send as `{}`: refused. */
const COLLECTIONS = [Map, Set, WeakMap, WeakSet] as const;

function walkObject(object: object, at: Slot, state: Walk, problem: (message: string) => undefined): unknown {
  if (!at.fromToJSON) {
    // A Date, or any value that says how it serialises: what it gives is what is sent, asked with its key as JSON does.
    const toJSON = attempt(() => (object as { toJSON?: unknown }).toJSON);
    if (toJSON === THREW) return problem(READ_THREW);
    if (typeof toJSON === 'function') {
      const result = attempt(() => (toJSON as (this: object, key: string) => unknown).call(object, at.key));
      if (result === THREW) return problem(TO_JSON_THREW);
      return walk(result, { ...at, depth: at.depth + 1, fromToJSON: true }, state);
    }
  }
  // Reads Symbol.toStringTag: a getter, or a Proxy's get trap.
  const kind = attempt(() => Object.prototype.toString.call(object));
  if (kind === THREW) return problem(READ_THREW);
  const box = unboxed(object, kind);
  if (box) return walk(box.value, { ...at, depth: at.depth + 1 }, state);
  if (kind === '[object BigInt]') return problem('must not be a BigInt (JSON cannot carry it)');
  // instanceof and Array.isArray run a Proxy's getPrototypeOf trap, or throw for a revoked Proxy.
  const collection = attempt(() => COLLECTIONS.find((type) => object instanceof type));
  if (collection === THREW) return problem(READ_THREW);
  if (collection) return problem(`must not be a ${collection.name} (JSON would send {})`);
  const isArray = attempt(() => Array.isArray(object));
  if (isArray === THREW) return problem(READ_THREW);
  return isArray ? walkArray(object as readonly unknown[], at, state, problem) : walkRecord(object, at, state, problem);
}

function walkArray(array: readonly unknown[], at: Slot, state: Walk, problem: (message: string) => undefined): unknown[] | undefined {
  const length = attempt(() => array.length);
  if (length === THREW) return problem(READ_THREW);
  const copy: unknown[] = [];
  for (let index = 0; index < length; index++) {
    const slot = fieldSlot(at, String(index), true);
    let item: unknown;
    try {
      item = array[index];
    } catch {
      state.problems.push({ pointer: pointerOf(slot), message: GETTER_THREW });
      continue;
    }
    copy.push(walk(item, slot, state));
  }
  return copy;
}

function walkRecord(object: object, at: Slot, state: Walk, problem: (message: string) => undefined): object | undefined {
  // Object.keys and the symbol check run a Proxy's ownKeys and getOwnPropertyDescriptor traps.
  const keys = attempt(() => {
    const symbols = Object.getOwnPropertySymbols(object).some((key) => Object.prototype.propertyIsEnumerable.call(object, key));
    return { symbols, names: Object.keys(object) };
  });
  if (keys === THREW) return problem(READ_THREW);
  if (keys.symbols) problem('must not have symbol keys (JSON drops them)');
  // No prototype, so that a field named __proto__ is a field like any other, as it is in JSON.
  const copy = Object.create(null) as Record<string, unknown>;
  for (const key of keys.names) {
    const slot = fieldSlot(at, key, false);
    if (hasUnpairedSurrogate(key))
      state.problems.push({ pointer: pointerOf(slot), message: 'must not have a name with unpaired UTF-16 surrogates' });
    let field: unknown;
    try {
      field = (object as Record<string, unknown>)[key];
    } catch {
      // JSON.stringify would throw the getter's error, whatever it says.
      state.problems.push({ pointer: pointerOf(slot), message: GETTER_THREW });
      continue;
    }
    const sent = walk(field, slot, state);
    if (sent !== undefined) copy[key] = sent;
  }
  return copy;
}

/**
 * Every part of `body` that JSON cannot carry as it is, by JSON pointer under `/body`, user code
 * that threw while it was read included; none for a body that JSON carries unchanged, which then
 * comes with its JSON text (what will be sent) and that text parsed back (what the validators read).
 * The body is read once: its toJSON methods, getters and Proxy traps run once each.
 */
export function checkJsonBody(body: unknown): { readonly problems: ValidationProblem[]; readonly json?: string; readonly sent?: unknown } {
  const problems: ValidationProblem[] = [];
  const data = walk(body, { parent: undefined, key: '', depth: 0, inArray: false, fromToJSON: false }, { ancestors: new Set(), problems });
  if (problems.length > 0) return { problems };
  // Plain data now, with no user code in it: only a text too long for a string can make this throw.
  const json = attempt(() => JSON.stringify(data) as string | undefined);
  if (json === THREW) return { problems: [{ pointer: '/body', message: 'cannot be serialised as JSON' }] };
  if (json === undefined) return { problems: [{ pointer: '/body', message: 'must be a JSON value' }] };
  return { problems, json, sent: JSON.parse(json) as unknown };
}
