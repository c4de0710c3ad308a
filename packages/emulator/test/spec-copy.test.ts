/** The emulator serves its own copies of the contracts; the repository's spec/ stays the one source. */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const CONTRACTS = [
  'webchat-api.json',
  'webmessaging-platform-api.json',
  'webmessaging-guest-protocol.json',
  'webmessaging-guest-protocol.notes.json',
];

describe('the emulator’s copies of the contracts', () => {
  it.each(CONTRACTS)('%s is byte-identical to the repository’s (run `node packages/emulator/scripts/copy-spec.mjs` if not)', (name) => {
    const source = fileURLToPath(new URL(`../../../spec/${name}`, import.meta.url));
    const copy = fileURLToPath(new URL(`../spec/${name}`, import.meta.url));
    expect(
      readFileSync(copy).equals(readFileSync(source)),
      `${copy} is stale: run \`node packages/emulator/scripts/copy-spec.mjs\` (or build the emulator)`,
    ).toBe(true);
  });
});
