/**
 * Route descriptors: one API operation as plain data. The executor reads nothing but this
 * (plus the optional validator), so an operation can be generated from a spec, written by
 * hand, or added by a user for an endpoint we never heard of.
 */

/** The HTTP methods a route can use. */
export type HttpMethod = 'GET' | 'HEAD' | 'POST' | 'PUT' | 'PATCH' | 'DELETE' | 'OPTIONS';

/** The type of a scalar parameter (or of an array parameter's items), as validated before sending. */
export type ScalarType = 'string' | 'integer' | 'number' | 'boolean';

/** The type of a path or query parameter: a scalar, or an array sent as repeated query keys. */
export type ParamType = ScalarType | 'array';

/** A scalar parameter value. */
export type ParamValue = string | number | boolean;

/** One path or query parameter of a route: its name, type and the bounds it is validated against. */
export interface ParamSpec {
  /** The parameter's name: the `{name}` placeholder of a path parameter, the key of a query parameter. */
  readonly name: string;
  /** The type the value must have. */
  readonly type: ParamType;
  /**
   * Whether a query parameter must be given. Path parameters are always required.
   * @default `false`
   */
  readonly required?: boolean;
  /**
   * The values allowed.
   * @default any value of the type
   */
  readonly enum?: readonly ParamValue[];
  /**
   * The server's default, for documentation and emulation: the client never sends it on its own.
   * @default none
   */
  readonly default?: ParamValue;
  /**
   * The smallest number allowed.
   * @default no lower bound
   */
  readonly minimum?: number;
  /**
   * The largest number allowed.
   * @default no upper bound
   */
  readonly maximum?: number;
  /**
   * The fewest characters a string may have.
   * @default no lower bound
   */
  readonly minLength?: number;
  /**
   * The most characters a string may have.
   * @default no upper bound
   */
  readonly maxLength?: number;
  /**
   * For `array` parameters: the type (and enum) of each item; arrays are sent as repeated keys.
   * @default items of type `string`, any value
   */
  readonly items?: {
    /** The type of each item. */
    readonly type: ScalarType;
    /**
     * The values each item may take.
     * @default any value of the type
     */
    readonly enum?: readonly ParamValue[];
  };
}

/**
 * One request header a route takes from its input: given as `input[name]`, sent as the `header`
 * header (`{ name: 'xJourneySessionId', header: 'X-Journey-Session-Id' }`). Its value is a string
 * of printable ASCII, checked before sending like any parameter.
 */
export interface HeaderParamSpec {
  /** The input's key for it: a name that is valid in code, since header names often are not. */
  readonly name: string;
  /** The header's name on the wire. */
  readonly header: string;
  /**
   * Whether it must be given.
   * @default `false`
   */
  readonly required?: boolean;
}

/** The body a route takes, passed as `input.body`: a JSON value, or bytes. */
export interface BodySpec {
  /**
   * Name of the body's model (a JSON Schema definition), for validators and documentation.
   * @default none
   */
  readonly schema?: string;
  /** Whether the call must give a body. */
  readonly required: boolean;
  /**
   * How the body travels. `json`: a value, sent as its JSON text with `content-type:
   * application/json`. `bytes`: a {@link BytesBody} sent as it is, with no content type of the
   * client's (the call's headers set it): a `Uint8Array` (a Buffer) as many times as the call's
   * attempts need, an `AsyncIterable<Uint8Array>` (a Readable, a generator) streamed once, read
   * only while its attempt lasts, and never replayed once read (see {@link isReplayable}).
   * @default `'json'`
   */
  readonly encoding?: 'json' | 'bytes';
}

/**
 * A body of bytes, for a route whose body is `bytes` ({@link BodySpec.encoding}): a Uint8Array
 * (a Buffer), or an AsyncIterable of them (a Node Readable, a generator, a web ReadableStream).
 */
export type BytesBody = Uint8Array | AsyncIterable<Uint8Array>;

/** JSON pointer into the call's input (`/deploymentId`, `/body/text`) plus what is wrong there. */
export interface ValidationProblem {
  /** A JSON pointer into the input: `/deploymentId`, `/body/text`; empty for the input as a whole. */
  readonly pointer: string;
  /** What is wrong there: `is required`, `must be an integer`, … */
  readonly message: string;
}

/** Extra checks a descriptor can carry (a compiled JSON Schema, say); an empty list means valid. */
export type InputValidator = (input: unknown) => readonly ValidationProblem[];

declare const routeTypes: unique symbol;

/**
 * One API operation as plain data: method, path template, parameters, body, auth scheme. Build
 * one with {@link defineRoute} to fix its `Input` and `Output` types.
 *
 * @typeParam Input - what a call takes: path and query parameters by name, and `body`.
 * @typeParam Output - the parsed body of a successful response.
 */
export interface RouteDescriptor<Input = unknown, Output = unknown> {
  /** A unique name for the operation (`getWebchatDeployment`): in errors, events, spans and logs. */
  readonly operationId: string;
  /** The HTTP method. */
  readonly method: HttpMethod;
  /**
   * Path template relative to the base URL, with `{name}` placeholders: `/api/v2/things/{thingId}`.
   * With {@link RouteDescriptor.absoluteUrl}, only the template that events, spans and metrics
   * report (`/uploads/{presigned}`): the request goes to the input's `url`.
   */
  readonly path: string;
  /**
   * Whether the call's input gives the whole URL, as `input.url`: an absolute http or https URL
   * with its query (a presigned upload or download URL), sent as it is instead of `path` under
   * the client's `baseUrl`. Such a route has no path or query parameters, and the client's own
   * `headers` are not sent with it (its host is not the API's; the call's `headers` are). Its URL
   * is checked like any input (an absolute http or https URL, no user info) and never quoted in an
   * error; events and spans carry it through the redaction rule, which hides the values of
   * secret query parameters (`X-Amz-Signature`, `X-Amz-Credential`, `signature`, …).
   * @default `false`
   */
  readonly absoluteUrl?: boolean;
  /** One entry per `{name}` placeholder of `path`. */
  readonly pathParams: readonly ParamSpec[];
  /** The query parameters the operation accepts; an input key that is no parameter (path, query or header) is a validation problem. */
  readonly queryParams: readonly ParamSpec[];
  /**
   * The request headers the operation takes from its input.
   * @default none
   */
  readonly headerParams?: readonly HeaderParamSpec[];
  /**
   * Present when the operation takes a body, passed as `input.body`: JSON unless its `encoding` says `bytes`.
   * @default no body
   */
  readonly body?: BodySpec;
  /** Name of the auth scheme that auth middleware resolves (`none`, `oauth`, `guestJwt`, …). */
  readonly auth: string;
  /** True when sending it twice has the same effect as once: retry middleware may replay it. */
  readonly idempotent: boolean;
  /** Whether the API has deprecated the operation (reported in `call.start` events and spans). */
  readonly deprecated: boolean;
  /** The status the operation documents on success (any 2xx is accepted). */
  readonly successStatus: number;
  /**
   * True when the operation's success answer has a body (a model): a 2xx without one is then a
   * ResponseParseError rather than `data: undefined` under a type that promises a value.
   * @default `false`: a success may come without a body
   */
  readonly responseBody?: boolean;
  /**
   * Extra checks on the input, run after the parameter checks; their problems join the same ValidationError.
   * @default none
   */
  readonly validate?: InputValidator;
  /**
   * Type-only: carries Input and Output so that calls infer them; never set at run time.
   * Method syntax keeps Input bivariant, so any descriptor is a `RouteDescriptor` for middleware.
   */
  readonly [routeTypes]?: {
    /** Type-only: the call's input type. */
    input(input: Input): void;
    /** Type-only: the call's output type. */
    readonly output: Output;
  };
}

/** The input type of a route descriptor: `InputOf<typeof getThing>`. */
export type InputOf<R> = R extends RouteDescriptor<infer I, unknown> ? I : never;
/** The output type of a route descriptor: `OutputOf<typeof getThing>`. */
export type OutputOf<R> = R extends RouteDescriptor<unknown, infer O> ? O : never;

/**
 * Identity at run time; fixes a descriptor's Input and Output types:
 * `const getThing = defineRoute<{ thingId: string }, Thing>({ operationId: 'getThing', … })`.
 */
export function defineRoute<Input, Output>(descriptor: RouteDescriptor<Input, Output>): RouteDescriptor<Input, Output> {
  return descriptor;
}
