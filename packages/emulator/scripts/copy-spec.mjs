#!/usr/bin/env node
// The emulator ships its own copies of the contracts it serves (the WebChat API, the Web Messaging
// platform API, and Genesys' guest WebSocket protocol with its notes), so that an installed
// emulator needs nothing outside its package. The repository's spec/ stays the one source: this
// copies them to packages/emulator/spec/ (not committed) after install and before every build.
import { copyFileSync, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Every contract the emulator reads at run time; test/spec-copy.test.ts checks the same list. */
export const CONTRACTS = [
  'webchat-api.json',
  'webmessaging-platform-api.json',
  'webmessaging-guest-protocol.json',
  'webmessaging-guest-protocol.notes.json',
];

const emulator = join(dirname(fileURLToPath(import.meta.url)), '..');
mkdirSync(join(emulator, 'spec'), { recursive: true });
for (const name of CONTRACTS) copyFileSync(join(emulator, '..', '..', 'spec', name), join(emulator, 'spec', name));
