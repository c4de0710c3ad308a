#!/usr/bin/env node
// Runs in a package's folder when it is packed (its `prepack` script): builds it, so a tarball
// never holds stale output, and puts the repository's LICENSE beside its package.json, where npm
// looks for it. The copy is not committed: the root LICENSE is the only one.
import { spawnSync } from 'node:child_process';
import { copyFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
// The consumer check packs right after the build of the same run: it says so, and nothing is built twice.
if (process.env.SWITCHBOARD_PACK_BUILT !== '1') {
  const build = spawnSync('npm', ['run', '--silent', 'build'], { stdio: 'inherit', shell: process.platform === 'win32' });
  if (build.status !== 0) process.exit(build.status ?? 1);
}
copyFileSync(join(root, 'LICENSE'), join(process.cwd(), 'LICENSE'));
