/**
 * Route descriptors: one API operation as plain data. The executor reads nothing but this
 * (plus the optional validator), so an operation can be generated from a spec, written by
 * hand, or added by a user for an endpoint we never heard of.
 */

export type HttpMethod = 'GET' | 'HEAD' | 'POST' | 'PUT' | 'PATCH' | 'DELETE' | 'OPTIONS';

export type ScalarType = 'string' | 'integer' | 'number' | 'boolean';

export type ParamType = ScalarType | 'array';

export type ParamValue = string | number | boolean;

export interface ParamSpec {
  readonly name: string;
  readonly type: ParamType;
  readonly required?: boolean;
  readonly enum?: readonly ParamValue[];
  /** The server's default, for documentation and emulation: the client never sends it on its own. */
  readonly default?: ParamValue;
  readonly minimum?: number;
  readonly maximum?: number;
  readonly minLength?: number;
  readonly maxLength?: number;
  /** For `array` parameters: the type (and enum) of each item; arrays are sent as repeated keys. */
  readonly items?: { readonly type: ScalarType; readonly enum?: readonly ParamValue[] };
}

export interface BodySpec {
  /** Name of the body's model (a JSON Schema definition), for validators and documentation. */
  readonly schema?: string;
  readonly required: boolean;
}

/** JSON pointer into the call's input (`/deploymentId`, `/body/text`) plus what is wrong there. */
export interface ValidationProblem {
  readonly pointer: string;
  readonly message: string;
}

/** Extra checks a descriptor can carry (a compiled JSON Schema, say); an empty list means valid. */
export type InputValidator = (input: unknown) => readonly ValidationProblem[];

declare const routeTypes: unique symbol;

export interface RouteDescriptor<Input = unknown, Output = unknown> {
  readonly operationId: string;
  readonly method: HttpMethod;
  /** Path template relative to the base URL, with `{name}` placeholders: `/api/v2/things/{thingId}`. */
  readonly path: string;
  readonly pathParams: readonly ParamSpec[];
  readonly queryParams: readonly ParamSpec[];
  /** Present when the operation takes a JSON body, passed as `input.body`. */
  readonly body?: BodySpec;
  /** Name of the auth scheme that auth middleware resolves (`none`, `oauth`, `guestJwt`, …). */
  readonly auth: string;
  /** True when sending it twice has the same effect as once: retry middleware may replay it. */
  readonly idempotent: boolean;
  readonly deprecated: boolean;
  /** The status the operation documents on success (any 2xx is accepted). */
  readonly successStatus: number;
  readonly validate?: InputValidator;
  /**
   * Type-only: carries Input and Output so that calls infer them; never set at run time.
   * Method syntax keeps Input bivariant, so any descriptor is a `RouteDescriptor` for middleware.
   */
  readonly [routeTypes]?: { input(input: Input): void; readonly output: Output };
}

export type InputOf<R> = R extends RouteDescriptor<infer I, unknown> ? I : never;
export type OutputOf<R> = R extends RouteDescriptor<unknown, infer O> ? O : never;

/**
 * Identity at run time; fixes a descriptor's Input and Output types:
 * `const getThing = defineRoute<{ thingId: string }, Thing>({ operationId: 'getThing', … })`.
 */
export function defineRoute<Input, Output>(descriptor: RouteDescriptor<Input, Output>): RouteDescriptor<Input, Output> {
  return descriptor;
}
