/**
 * The contracts the emulator serves: read from the package's own copies of the official API
 * definitions (`spec/*.json`, copied from the repository's by `scripts/copy-spec.mjs` on install
 * and on every build), never from the client's code. Routes, auth schemes, parameters and body
 * schemas all come from here. Both REST contracts (WebChat, Web Messaging) have the same shape,
 * so one loader reads either; the guest WebSocket protocol is a plain swagger 2.0 definitions file.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export type AuthScheme = 'none' | 'guestJwt' | 'oauth';

/** The REST contracts, by file name (without `.json`). */
export type ApiSpecName = 'webchat-api' | 'webmessaging-platform-api';

export interface SpecParam {
  readonly name: string;
  readonly type: 'string' | 'integer' | 'boolean' | 'number' | 'array';
  readonly required?: boolean;
  readonly enum?: readonly string[];
  readonly default?: string | number | boolean;
  /** An array parameter's items. */
  readonly items?: { readonly type: string; readonly enum?: readonly string[] };
  /** How an array parameter goes on the wire; `multi` repeats the key. */
  readonly collectionFormat?: 'multi' | 'csv';
}

export interface SpecOperation {
  readonly operationId: string;
  readonly method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  readonly path: string;
  readonly authScheme: AuthScheme;
  readonly pathParams: readonly SpecParam[];
  readonly queryParams: readonly SpecParam[];
  /** Header parameters, by their wire names (`X-Journey-Session-Id`); absent in the WebChat contract. */
  readonly headerParams?: readonly SpecParam[];
  readonly body: { readonly required: boolean; readonly schemaRef: string } | null;
  readonly responses: Readonly<Record<string, { readonly schemaRef: string | null }>>;
}

export interface SpecFile {
  /** Which contract this is: also the id its models are registered under for validation. */
  readonly name: ApiSpecName;
  readonly operations: readonly SpecOperation[];
  readonly definitions: Readonly<Record<string, unknown>>;
}

/** The guest WebSocket protocol (`webmessaging-guest-protocol.json`): Genesys' swagger 2.0 models. */
export interface ProtocolFile {
  readonly definitions: Readonly<
    Record<
      string,
      {
        readonly required?: readonly string[];
        readonly enum?: readonly string[];
        /** A property's JSON Schema `type` (`string`, `boolean`, `integer`, …) when it has one rather than a `$ref`. */
        readonly properties?: Readonly<Record<string, { readonly type?: string }>>;
      }
    >
  >;
}

/** A copy beside `src/` and `dist/` alike, so an installed emulator needs nothing outside its package. */
export function specPath(file: string): URL {
  return new URL(`../spec/${file}`, import.meta.url);
}

function readContract(file: string): unknown {
  const path = specPath(file);
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    if ((error as { code?: unknown }).code !== 'ENOENT') throw error;
    throw new Error(
      `the emulator's copy of ${file} is missing (${fileURLToPath(path)}): run \`node packages/emulator/scripts/copy-spec.mjs\` (or build the emulator) in the repository`,
      { cause: error },
    );
  }
  return JSON.parse(text) as unknown;
}

const loaded = new Map<string, unknown>();

/** One of the REST contracts, read once per process. */
export function loadSpec(name: ApiSpecName = 'webchat-api'): SpecFile {
  let spec = loaded.get(name) as SpecFile | undefined;
  if (!spec) {
    const file = readContract(`${name}.json`) as Omit<SpecFile, 'name'>;
    spec = { name, operations: file.operations, definitions: file.definitions };
    loaded.set(name, spec);
  }
  return spec;
}

/** Genesys' guest WebSocket protocol schema, read once per process. */
export function loadProtocol(): ProtocolFile {
  let protocol = loaded.get('protocol') as ProtocolFile | undefined;
  if (!protocol) {
    protocol = readContract('webmessaging-guest-protocol.json') as ProtocolFile;
    loaded.set('protocol', protocol);
  }
  return protocol;
}
