/**
 * The contract the emulator serves: read from the package's own copy of the official WebChat
 * API definition (`spec/webchat-api.json`, copied from the repository's by
 * `scripts/copy-spec.mjs` on install and on every build), never from the client's code. Routes,
 * auth schemes, query parameters and body schemas all come from here.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export type AuthScheme = 'none' | 'guestJwt' | 'oauth';

export interface SpecParam {
  readonly name: string;
  readonly type: 'string' | 'integer' | 'boolean' | 'number';
  readonly required?: boolean;
  readonly enum?: readonly string[];
  readonly default?: string | number | boolean;
}

export interface SpecOperation {
  readonly operationId: string;
  readonly method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  readonly path: string;
  readonly authScheme: AuthScheme;
  readonly pathParams: readonly SpecParam[];
  readonly queryParams: readonly SpecParam[];
  readonly body: { readonly required: boolean; readonly schemaRef: string } | null;
  readonly responses: Readonly<Record<string, { readonly schemaRef: string | null }>>;
}

export interface SpecFile {
  readonly operations: readonly SpecOperation[];
  readonly definitions: Readonly<Record<string, unknown>>;
}

/** The package's copy, beside `src/` and `dist/` alike, so an installed emulator needs nothing outside its package. */
export const SPEC_PATH = new URL('../spec/webchat-api.json', import.meta.url);

let loaded: SpecFile | undefined;

function readSpec(): string {
  try {
    return readFileSync(SPEC_PATH, 'utf8');
  } catch (error) {
    if ((error as { code?: unknown }).code !== 'ENOENT') throw error;
    throw new Error(
      `the emulator's copy of the WebChat API definition is missing (${fileURLToPath(SPEC_PATH)}): run \`node packages/emulator/scripts/copy-spec.mjs\` (or build the emulator) in the repository`,
      { cause: error },
    );
  }
}

export function loadSpec(): SpecFile {
  loaded ??= JSON.parse(readSpec()) as SpecFile;
  return loaded;
}
