#!/usr/bin/env node
// The emulator ships its own copy of the WebChat API definition, so that an installed emulator
// needs nothing outside its package. The repository's spec/webchat-api.json stays the one source:
// this copies it to packages/emulator/spec/ (not committed) after install and before every build.
import { copyFileSync, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const emulator = join(dirname(fileURLToPath(import.meta.url)), '..');
mkdirSync(join(emulator, 'spec'), { recursive: true });
copyFileSync(join(emulator, '..', '..', 'spec', 'webchat-api.json'), join(emulator, 'spec', 'webchat-api.json'));
