/**
 * The consumer check: Switchboard as a user gets it. Packs the four packages with pnpm (which
 * turns `workspace:*` into versions and drops the workspace-only export condition), installs the
 * tarballs with plain npm into scratch projects outside the repository (no pnpm, no workspace, no
 * patches), compiles a strict NodeNext TypeScript consumer against them and runs it on every Node.js
 * version users run, against a real redis-server. A second project installs without ioredis and
 * proves the main entry needs none. Any failure exits 1, which fails `npm test` and CI.
 *
 * Run by the root `check` script; alone: `pnpm build && tsx test/consumer/check.ts`.
 */
import { execFileSync, spawn } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { NODE_VERSIONS, nodeBinary } from '../matrix/node-binary.js';
import { startRedis } from '../support/redis.js';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..', '..');
const PACKAGES = ['core', 'middleware', 'webchat', 'emulator'] as const;
const rootManifest = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { packageManager: string; devDependencies: Record<string, string> };
const testManifest = JSON.parse(readFileSync(join(root, 'test', 'package.json'), 'utf8')) as { devDependencies: Record<string, string> };

/**
 * This process's environment without what pnpm adds for the scripts it runs (`npm_config_*`,
 * `npm_package_*`, …): the scratch projects get plain npm, as a user has it.
 */
const plainEnv: NodeJS.ProcessEnv = Object.fromEntries(Object.entries(process.env).filter(([name]) => !/^npm_/i.test(name) && !/^pnpm_/i.test(name)));

function run(command: string, args: readonly string[], cwd: string, env: NodeJS.ProcessEnv = plainEnv): string {
  return execFileSync(command, args, { cwd, env, encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
}

/** Packages npm installed in a project, nested ones included. */
function packageCount(folder: string): number {
  return run('npm', ['ls', '--all', '--parseable'], folder).trim().split('\n').length - 1;
}

/** pnpm as it runs this script (`npm_execpath`), or the pinned one through npx. */
function pnpm(args: readonly string[], cwd: string): string {
  const execPath = process.env.npm_execpath;
  if (execPath && /pnpm/.test(execPath)) return run(process.execPath, [execPath, ...args], cwd, process.env);
  const pinned = /^pnpm@([^+]+)/.exec(rootManifest.packageManager)?.[1] ?? '10';
  return run('npx', ['--yes', `pnpm@${pinned}`, ...args], cwd);
}

function sizeOf(path: string): number {
  const stat = statSync(path);
  if (!stat.isDirectory()) return stat.size;
  return readdirSync(path).reduce((total, name) => total + sizeOf(join(path, name)), 0);
}

const kb = (bytes: number): string => `${(bytes / 1024).toFixed(0)} KB`;
const mb = (bytes: number): string => `${(bytes / 1024 / 1024).toFixed(1)} MB`;
const seconds = (since: number): string => `${((performance.now() - since) / 1000).toFixed(1)} s`;

function fail(text: string): never {
  console.error(`consumer check FAILED: ${text}`);
  process.exit(1);
}

/** A scratch project depending on the tarballs (all four: npm takes nested @switchboard deps from them too). */
function project(name: string, tarballs: Record<string, string>, extra: Record<string, string>): string {
  const folder = mkdtempSync(join(tmpdir(), `switchboard-${name}-`));
  const dependencies = Object.fromEntries(Object.entries(tarballs).map(([pkg, file]) => [pkg, `file:${file}`]));
  writeFileSync(join(folder, 'package.json'), JSON.stringify({ name: `switchboard-${name}`, private: true, type: 'module', dependencies: { ...dependencies, ...extra } }, null, 2));
  const started = performance.now();
  run('npm', ['install', '--no-audit', '--no-fund', '--loglevel=error'], folder);
  console.log(`npm install in ${folder}: ${seconds(started)}`);
  return folder;
}

/** What each installed package holds: real versions, no workspace condition, its LICENSE and README. */
function checkInstalled(folder: string): void {
  for (const name of PACKAGES) {
    const installed = join(folder, 'node_modules', '@switchboard', name);
    const manifest = readFileSync(join(installed, 'package.json'), 'utf8');
    if (manifest.includes('@switchboard/source')) fail(`@switchboard/${name}'s installed exports map still has the workspace condition`);
    if (manifest.includes('workspace:')) fail(`@switchboard/${name}'s installed package.json still has a workspace: range`);
    for (const file of ['LICENSE', 'README.md']) {
      try {
        statSync(join(installed, file));
      } catch {
        fail(`@switchboard/${name}'s tarball has no ${file}`);
      }
    }
  }
}

const total = performance.now();
const packs = mkdtempSync(join(tmpdir(), 'switchboard-packs-'));
const tarballs: Record<string, string> = {};
for (const name of PACKAGES) {
  const output = pnpm(['pack', '--pack-destination', packs], join(root, 'packages', name));
  const file = output.trim().split('\n').pop()?.trim() ?? '';
  if (!file.endsWith('.tgz')) fail(`pnpm pack printed no tarball for ${name}: ${output}`);
  tarballs[`@switchboard/${name}`] = file;
}
console.log('\ntarball                          size');
for (const [name, file] of Object.entries(tarballs)) console.log(`${name.padEnd(32)} ${kb(statSync(file).size)}`);

// The consumer with Redis: strict TypeScript, NodeNext, and every library's types checked.
const consumer = project('consumer', tarballs, { ioredis: testManifest.devDependencies.ioredis ?? '^5.11.1' });
run('npm', ['install', '--no-audit', '--no-fund', '--loglevel=error', '--save-dev', `typescript@${rootManifest.devDependencies.typescript}`, `@types/node@${rootManifest.devDependencies['@types/node']}`], consumer);
checkInstalled(consumer);
mkdirSync(join(consumer, 'src'));
copyFileSync(join(here, 'src', 'main.ts'), join(consumer, 'src', 'main.ts'));
copyFileSync(join(here, 'tsconfig.consumer.json'), join(consumer, 'tsconfig.json'));
run(join(consumer, 'node_modules', '.bin', 'tsc'), ['-p', 'tsconfig.json'], consumer);
console.log('the consumer compiles: strict, NodeNext, skipLibCheck off');
if (!run('npx', ['switchboard-emulator', '--help'], consumer).includes('--json')) fail('`npx switchboard-emulator --help` does not mention --json');
console.log('npx switchboard-emulator --help works in the consumer project');

// The project without ioredis: the main entry loads and works, and compiles without its types.
const plain = project('no-redis', tarballs, {});
try {
  statSync(join(plain, 'node_modules', 'ioredis'));
  fail('npm installed ioredis for a project that did not ask for it');
} catch {
  // Not installed, as it should be.
}
writeFileSync(
  join(plain, 'main.mjs'),
  [
    "import { startEmulator } from '@switchboard/emulator';",
    "import { WebChatAPI, LocalLimiter } from '@switchboard/webchat';",
    'const emulator = await startEmulator({ port: 0 });',
    'const api = new WebChatAPI({ baseUrl: emulator.apiUrl, rateLimit: { limiter: new LocalLimiter({ limit: 10, intervalMs: 1000 }) }, onDeprecated: () => {} });',
    "const chat = await api.startGuestChat({ organizationId: emulator.organizationId, deploymentId: emulator.deploymentId, routingTarget: { targetType: 'QUEUE', targetAddress: 'Support' }, memberInfo: { displayName: 'Plain' } });",
    "await chat.sendMessage('hello');",
    'await chat.leave();',
    'await api.close();',
    'await emulator.stop();',
    "console.log('  ok  @switchboard/webchat without ioredis: a guest chat against @switchboard/emulator started in-process');",
  ].join('\n'),
);

// What a service deploys: the client packages and ioredis, without the emulator (a dev dependency).
const { '@switchboard/emulator': _emulator, ...clientTarballs } = tarballs;
const runtime = project('runtime', clientTarballs, { ioredis: testManifest.devDependencies.ioredis ?? '^5.11.1' });
run(process.execPath, ['--input-type=module', '-e', "await import('@switchboard/webchat'); await import('@switchboard/webchat/redis');"], runtime);
console.log('@switchboard/webchat and its /redis entry load without the emulator installed');

const redis = await startRedis();
const timings: string[] = [];
try {
  for (const version of [process.version.slice(1), ...NODE_VERSIONS.consumer]) {
    const node = nodeBinary(version);
    // The emulator's bin and npx run on the Node.js under test: it comes first on PATH.
    const env = { ...plainEnv, REDIS_URL: `redis://${redis.host}:${redis.port}`, PATH: `${dirname(node)}:${process.env.PATH ?? ''}` };
    console.log(`\nNode.js ${version}:`);
    const started = performance.now();
    const code = await new Promise<number | null>((resolve) => {
      const child = spawn(node, ['dist/main.js'], { cwd: consumer, env, stdio: 'inherit' });
      child.once('exit', resolve);
    });
    if (code !== 0) fail(`the consumer exited with ${code} on Node.js ${version}`);
    if (version === process.version.slice(1)) run(node, ['main.mjs'], plain, env);
    timings.push(`${version.padEnd(10)} ${seconds(started)}`);
  }
} finally {
  await redis.stop();
}

console.log('\nNode.js    consumer run');
for (const line of timings) console.log(line);
console.log('\ninstalled (npm)                                              node_modules   packages');
for (const [what, folder] of [
  ['the consumer: webchat, emulator, ioredis, TypeScript', consumer],
  ['webchat and emulator, no ioredis', plain],
  ['what a service deploys: webchat and ioredis', runtime],
] as const) {
  console.log(`${what.padEnd(60)} ${mb(sizeOf(join(folder, 'node_modules'))).padStart(12)} ${String(packageCount(folder)).padStart(10)}`);
}
for (const folder of [packs, consumer, plain, runtime]) rmSync(folder, { recursive: true, force: true });
console.log(`consumer check passed in ${seconds(total)}`);
