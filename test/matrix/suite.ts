/**
 * The unit and integration suite again on the other Node.js versions users run (the first run,
 * on this machine's Node, is the `vitest run` before it in the `check` script). Child processes
 * the tests start (workers, examples, the emulator's CLI) run on the same version: it comes first
 * on PATH, and they use `process.execPath`.
 */
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { NODE_VERSIONS, nodeBinary, otherVersions } from './node-binary.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const vitest = join(root, 'node_modules', 'vitest', 'vitest.mjs');
for (const version of otherVersions(NODE_VERSIONS.suite)) {
  const node = nodeBinary(version);
  console.log(`\nThe suite on Node.js ${version}:`);
  const started = performance.now();
  const run = spawnSync(node, [vitest, 'run', ...process.argv.slice(2)], {
    cwd: root,
    stdio: 'inherit',
    env: { ...process.env, PATH: `${dirname(node)}:${process.env.PATH ?? ''}` },
  });
  if (run.status !== 0) {
    console.error(`the suite failed on Node.js ${version}`);
    process.exit(run.status ?? 1);
  }
  console.log(`the suite passed on Node.js ${version} in ${((performance.now() - started) / 1000).toFixed(1)} s`);
}
