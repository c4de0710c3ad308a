/** Checks a call's input against its descriptor, collecting every problem rather than the first. */
import type { BytesBody, HeaderParamSpec, ParamSpec, ParamValue, RouteDescriptor, ScalarType, ValidationProblem } from './descriptor.js';
import { checkJsonBody, hasUnpairedSurrogate, pointerToken } from './json-body.js';

type Problems = ValidationProblem[];

/** An own property: a parameter named like an Object.prototype member must not read it. */
export function ownValue(values: Readonly<Record<string, unknown>>, name: string): unknown {
  return Object.prototype.hasOwnProperty.call(values, name) ? values[name] : undefined;
}

function typeProblem(type: ScalarType, value: unknown): string | undefined {
  switch (type) {
    case 'string':
      return typeof value === 'string' ? undefined : 'must be a string';
    case 'boolean':
      return typeof value === 'boolean' ? undefined : 'must be a boolean';
    case 'integer':
      return Number.isSafeInteger(value) ? undefined : 'must be an integer';
    case 'number':
      return typeof value === 'number' && Number.isFinite(value) ? undefined : 'must be a finite number';
  }
}

function scalarProblems(
  spec: Pick<ParamSpec, 'enum' | 'minimum' | 'maximum' | 'minLength' | 'maxLength'>,
  type: ScalarType,
  value: unknown,
  pointer: string,
  problems: Problems,
): void {
  const wrongType = typeProblem(type, value);
  if (wrongType) {
    problems.push({ pointer, message: wrongType });
    return;
  }
  if (spec.enum && !spec.enum.includes(value as ParamValue)) {
    problems.push({ pointer, message: `must be one of ${spec.enum.map((v) => JSON.stringify(v)).join(', ')}` });
  }
  if (typeof value === 'number') {
    if (spec.minimum !== undefined && value < spec.minimum) problems.push({ pointer, message: `must be at least ${spec.minimum}` });
    if (spec.maximum !== undefined && value > spec.maximum) problems.push({ pointer, message: `must be at most ${spec.maximum}` });
  }
  if (typeof value === 'string') {
    // encodeURIComponent throws on these: no URL can carry them.
    if (hasUnpairedSurrogate(value)) problems.push({ pointer, message: 'must not contain unpaired UTF-16 surrogates' });
    if (spec.minLength !== undefined && value.length < spec.minLength) {
      problems.push({ pointer, message: `must have at least ${spec.minLength} characters` });
    }
    if (spec.maxLength !== undefined && value.length > spec.maxLength) {
      problems.push({ pointer, message: `must have at most ${spec.maxLength} characters` });
    }
  }
}

function paramProblems(spec: ParamSpec, value: unknown, problems: Problems): void {
  const pointer = `/${spec.name}`;
  if (spec.type !== 'array') {
    scalarProblems(spec, spec.type, value, pointer, problems);
    return;
  }
  if (!Array.isArray(value)) {
    problems.push({ pointer, message: 'must be an array' });
    return;
  }
  const itemType = spec.items?.type ?? 'string';
  value.forEach((item, i) => scalarProblems({ enum: spec.items?.enum }, itemType, item, `${pointer}/${i}`, problems));
}

function pathParamProblems(spec: ParamSpec, value: unknown, problems: Problems): void {
  const pointer = `/${spec.name}`;
  if (value === undefined || value === null) {
    problems.push({ pointer, message: 'is required' });
  } else if (value === '') {
    problems.push({ pointer, message: 'must not be empty' });
  } else if (value === '.' || value === '..') {
    // URL parsers resolve these (and their %2E spellings) as dot segments, which would send
    // the request to another resource; no encoding can keep them inside their segment.
    problems.push({ pointer, message: `must not be "${value}"` });
  } else {
    paramProblems(spec, value, problems);
  }
}

// Printable ASCII, space and tab: what every HTTP stack carries as it is. A line break would end
// the header line (and start another); other bytes are refused or mangled by one stack or another.
const HEADER_VALUE = /^[\t\x20-\x7e]*$/;

function headerParamProblems(spec: HeaderParamSpec, value: unknown, problems: Problems): void {
  const pointer = `/${pointerToken(spec.name)}`;
  if (typeof value !== 'string') problems.push({ pointer, message: 'must be a string' });
  else if (!HEADER_VALUE.test(value)) problems.push({ pointer, message: 'must be printable ASCII (it is sent as a header)' });
}

/**
 * What is wrong with an absolute URL a route takes as its input's `url`, if anything. The URL is
 * never quoted: a presigned URL is a credential.
 */
export function absoluteUrlProblem(value: unknown): string | undefined {
  if (value === undefined || value === null) return 'is required';
  if (typeof value !== 'string') return 'must be a string';
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return 'must be an absolute http or https URL';
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return 'must be an absolute http or https URL';
  // User info would be sent as Basic credentials by some stacks, and end up in logs by others.
  if (url.username || url.password) return 'must not carry credentials';
  return undefined;
}

/** What is wrong with a `bytes` body that is neither a Uint8Array nor an async iterable. */
export const BYTES_BODY_PROBLEM = 'must be a Uint8Array or an AsyncIterable of Uint8Array';

/** Whether a value is a `bytes` body: a Uint8Array, or an async iterable (of Uint8Array, which its reader checks as it reads). */
export function isBytesBody(value: unknown): value is BytesBody {
  if (value instanceof Uint8Array) return true;
  if (typeof value !== 'object' || value === null) return false;
  try {
    return typeof (value as { [Symbol.asyncIterator]?: unknown })[Symbol.asyncIterator] === 'function';
  } catch {
    // A Proxy's trap that throws: no body the client can read.
    return false;
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

const UNREADABLE: unique symbol = Symbol('unreadable');

/** The input's own body, or UNREADABLE when its getter (or a Proxy's trap) threw; what it threw is never read. */
function readBody(values: Readonly<Record<string, unknown>>): unknown {
  try {
    return ownValue(values, 'body');
  } catch {
    return UNREADABLE;
  }
}

/**
 * The input as the descriptor's validator reads it: its body as it will be sent (`sent`), not read
 * from the input again, which would run a getter twice. Like `{ ...values, body: sent }`, with the
 * keys in their order and `__proto__` an own field, as a spread makes it.
 */
function withSentBody(
  values: Readonly<Record<string, unknown>>,
  keys: readonly string[],
  params: Readonly<Record<string, unknown>>,
  sent: unknown,
): Record<string, unknown> {
  const entries = keys.map((key): [string, unknown] => [
    key,
    key === 'body' ? sent : key in params ? params[key] : readOrSkip(values, key),
  ]);
  return Object.fromEntries(keys.includes('body') ? entries : [...entries, ['body', sent]]);
}

/** A field that is no parameter (already a problem): its value, or undefined when reading it throws. */
function readOrSkip(values: Readonly<Record<string, unknown>>, key: string): unknown {
  try {
    return values[key];
  } catch {
    return undefined;
  }
}

/** Every problem with `input` for `route`; an empty list means it can be sent. */
export function validateInput(route: RouteDescriptor, input: unknown): ValidationProblem[] {
  return checkInput(route, input).problems;
}

/**
 * A parameter's value, read once: the checks and the request both use this read, so that a getter
 * (or a Proxy) cannot show validation one value and the request another (`abc`, then `..`); an
 * array is copied. What throws is a problem at its pointer, never the call's error (what it threw
 * is not read), and UNREADABLE comes back.
 */
function readParam(values: Readonly<Record<string, unknown>>, name: string, problems: Problems): unknown {
  try {
    const value = ownValue(values, name);
    return Array.isArray(value) ? value.slice() : value;
  } catch {
    problems.push({ pointer: `/${pointerToken(name)}`, message: 'could not be read (reading it threw)' });
    return UNREADABLE;
  }
}

/** The input's own keys, or none (a problem at the root) when a Proxy's trap throws. */
function keysOf(values: Readonly<Record<string, unknown>>, problems: Problems): string[] {
  try {
    return Object.keys(values);
  } catch {
    problems.push({ pointer: '', message: 'could not be read (listing its fields threw)' });
    return [];
  }
}

/** What {@link checkInput} finds: every problem, and when there is none, what to send. */
export interface CheckedInput {
  readonly problems: ValidationProblem[];
  /** The body's JSON text as it will be sent. */
  readonly bodyJson?: string;
  /** A `bytes` body, as it will be sent. */
  readonly bytesBody?: BytesBody;
  /** The path and query parameters as they were read (once): what the request is built from. */
  readonly params?: Readonly<Record<string, unknown>>;
}

/** Every problem with `input` for `route`, and, when there is none, the body's JSON text and the parameters as they will be sent. */
export function checkInput(route: RouteDescriptor, input: unknown): CheckedInput {
  const problems: Problems = [];
  if (input !== undefined && !isRecord(input)) {
    return { problems: [{ pointer: '', message: 'must be an object of named parameters' }] };
  }
  const values = input ?? {};
  // The parameters as read, once: what the request is built from.
  const params: Record<string, unknown> = {};
  if (route.absoluteUrl === true) {
    const url = readParam(values, 'url', problems);
    if (url !== UNREADABLE) {
      params.url = url;
      const problem = absoluteUrlProblem(url);
      if (problem) problems.push({ pointer: '/url', message: problem });
    }
  }
  for (const spec of route.pathParams) {
    const value = readParam(values, spec.name, problems);
    if (value === UNREADABLE) continue;
    params[spec.name] = value;
    pathParamProblems(spec, value, problems);
  }
  for (const spec of route.queryParams) {
    const value = readParam(values, spec.name, problems);
    if (value === UNREADABLE) continue;
    if (value === undefined) {
      if (spec.required) problems.push({ pointer: `/${spec.name}`, message: 'is required' });
    } else {
      params[spec.name] = value;
      paramProblems(spec, value, problems);
    }
  }
  for (const spec of route.headerParams ?? []) {
    const value = readParam(values, spec.name, problems);
    if (value === UNREADABLE) continue;
    if (value === undefined) {
      if (spec.required) problems.push({ pointer: `/${pointerToken(spec.name)}`, message: 'is required' });
    } else {
      params[spec.name] = value;
      headerParamProblems(spec, value, problems);
    }
  }
  // Read once, here: a getter on the input runs once, and what it throws is a problem, never the call's error.
  const body = route.body ? readBody(values) : undefined;
  if (body === UNREADABLE) problems.push({ pointer: '/body', message: 'could not be read (its getter threw)' });
  else if (route.body?.required && body === undefined) problems.push({ pointer: '/body', message: 'is required' });
  const bytes = route.body?.encoding === 'bytes';
  // Checked once: what it is asked (a Proxy's trap, say) is asked one time.
  const bytesBody = bytes && body !== undefined && body !== UNREADABLE && isBytesBody(body) ? body : undefined;
  if (bytes && body !== undefined && body !== UNREADABLE && bytesBody === undefined)
    problems.push({ pointer: '/body', message: BYTES_BODY_PROBLEM });
  // The validators read the body as it will be sent: its JSON, parsed back (bytes as they are).
  const json = bytes || body === undefined || body === UNREADABLE ? undefined : checkJsonBody(body);
  if (json) problems.push(...json.problems);

  const keys = keysOf(values, problems);
  for (const key of keys) {
    const known =
      (key === 'body' && route.body !== undefined) ||
      (key === 'url' && route.absoluteUrl === true) ||
      route.pathParams.some((p) => p.name === key) ||
      route.queryParams.some((p) => p.name === key) ||
      (route.headerParams?.some((p) => p.name === key) ?? false);
    if (!known) problems.push({ pointer: `/${pointerToken(key)}`, message: `is not a parameter of ${route.operationId}` });
  }

  // A body JSON cannot carry as it is has nothing the validators could read the way it would be sent.
  if (route.validate && body !== UNREADABLE && (json === undefined || json.problems.length === 0))
    problems.push(...route.validate(withSentBody(values, keys, params, bytes ? body : json ? json.sent : undefined)));
  if (problems.length > 0) return { problems };
  return { problems, params, ...(json ? { bodyJson: json.json } : {}), ...(bytesBody !== undefined ? { bytesBody } : {}) };
}
