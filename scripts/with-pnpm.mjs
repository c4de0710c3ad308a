#!/usr/bin/env node
// Lets `npm test` and `npm run demo` work on a machine that has only Node and npm:
// finds (or fetches) the pnpm pinned in package.json, installs the workspace from the
// lockfile, then runs the named root script with it.
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const script = process.argv[2];
const extraArgs = process.argv.slice(3);
if (!script) {
  console.error('usage: node scripts/with-pnpm.mjs <root script> [args…]');
  process.exit(2);
}

const { packageManager } = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
const pinned = /^pnpm@([^+]+)/.exec(packageManager)?.[1];
if (!pinned) throw new Error('package.json must pin pnpm in "packageManager"');

// Corepack must not stop a non-interactive run (CI has no stdin) to ask before downloading.
const env = { ...process.env, COREPACK_ENABLE_DOWNLOAD_PROMPT: '0', COREPACK_ENABLE_STRICT: '0' };
const isWindows = process.platform === 'win32';

function works(command, args) {
  const probe = spawnSync(command, [...args, '--version'], { cwd: root, env, encoding: 'utf8', shell: isWindows });
  return probe.status === 0 && probe.stdout.trim() === pinned;
}

const candidates = [
  ['pnpm', []],
  ['corepack', ['pnpm']],
  ['npx', ['--yes', `pnpm@${pinned}`]],
];
const found = candidates.find(([command, args]) => works(command, args));
if (!found) {
  console.error(`could not run pnpm ${pinned} through pnpm, corepack or npx`);
  process.exit(1);
}
const [command, prefix] = found;

function run(args) {
  const child = spawnSync(command, [...prefix, ...args], { cwd: root, env, stdio: 'inherit', shell: isWindows });
  if (child.status !== 0) process.exit(child.status ?? 1);
}

// Warnings and errors only: the demo's first lines should be the demo. The first install on a
// machine downloads a few hundred packages, so it says what it is doing before it goes quiet.
console.error(`switchboard: installing the workspace from its lockfile with pnpm ${pinned}…`);
run(['install', '--frozen-lockfile', '--loglevel', 'warn', ...(process.env.CI ? [] : ['--prefer-offline'])]);
// The test suite runs real Redis servers and real forward proxies (tinyproxy). Redis first: when
// both are missing, ensure-proxy.mjs reuses the package lists its `apt-get update` fetched.
if (script === 'check') {
  for (const ensure of ['ensure-redis.mjs', 'ensure-proxy.mjs']) {
    const servers = spawnSync(process.execPath, [join(root, 'scripts', ensure)], { cwd: root, stdio: 'inherit' });
    if (servers.status !== 0) process.exit(servers.status ?? 1);
  }
}
run(['run', script, ...extraArgs]);
