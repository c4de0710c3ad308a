#!/usr/bin/env node
// `npm run pack`: the six packages' tarballs in packs/, as a user installs them (workspace:*
// replaced by the real version, the emulator's spec copies, each package's LICENSE). Each
// package's prepack builds it first. Install them together: see CONTRIBUTING.md.
import { spawnSync } from 'node:child_process';
import { mkdirSync, readdirSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const packs = join(root, 'packs');
const pnpm = process.env.npm_execpath;
if (!pnpm || !/pnpm/.test(pnpm)) {
  console.error('run it as `npm run pack`, which finds the pinned pnpm');
  process.exit(2);
}
rmSync(packs, { recursive: true, force: true });
mkdirSync(packs);
const packed = spawnSync(process.execPath, [pnpm, '--recursive', '--filter', './packages/*', 'pack', '--pack-destination', packs], {
  cwd: root,
  stdio: 'inherit',
});
if (packed.status !== 0) process.exit(packed.status ?? 1);
console.log(`\n${readdirSync(packs).length} tarballs in packs/: install them together, npm install <path>/packs/*.tgz`);
