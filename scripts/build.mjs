#!/usr/bin/env node
// Builds the packages in dependency order, each through its own `build` script (so what a
// package's build does, the emulator's copy of the spec included, happens the same way on pack).
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
for (const name of ['core', 'middleware', 'genesys', 'webchat', 'webmessaging', 'emulator']) {
  const build = spawnSync('npm', ['run', '--silent', 'build'], {
    cwd: join(root, 'packages', name),
    stdio: 'inherit',
    shell: process.platform === 'win32',
  });
  if (build.status !== 0) process.exit(build.status ?? 1);
}
