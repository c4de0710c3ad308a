/** The emulator serves its own copy of the WebChat API definition; the repository's spec/ stays the one source. */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const source = fileURLToPath(new URL('../../../spec/webchat-api.json', import.meta.url));
const copy = fileURLToPath(new URL('../spec/webchat-api.json', import.meta.url));

describe('the emulator’s copy of the spec', () => {
  it('is byte-identical to the repository’s spec/webchat-api.json (run `node packages/emulator/scripts/copy-spec.mjs` if not)', () => {
    const copied = readFileSync(copy);
    expect(
      copied.equals(readFileSync(source)),
      `${copy} is stale: run \`node packages/emulator/scripts/copy-spec.mjs\` (or build the emulator)`,
    ).toBe(true);
  });
});
