/**
 * The consumer check: Switchboard as a user gets it. Packs the six packages with pnpm (which
 * turns `workspace:*` into versions and drops the workspace-only export condition), installs the
 * tarballs with plain npm into scratch projects outside the repository (no pnpm, no workspace, no
 * patches), compiles a strict NodeNext TypeScript consumer against them and runs it on every Node.js
 * version users run, against a real redis-server and a real forward proxy (tinyproxy). A second project installs without ioredis and
 * proves the main entry needs none. Any failure exits 1, which fails `npm test` and CI.
 *
 * Run by the root `check` script after its build; alone: `npm run build && npm run consumer-check`
 * (it packs what is built, without building again).
 */
import { execFileSync, spawn } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { NODE_VERSIONS, nodeBinary, otherVersions } from '../matrix/node-binary.js';
import { type Proxy, startProxy } from '../support/proxy.js';
import { type RedisServer, startRedis } from '../support/redis.js';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..', '..');
const PACKAGES = ['core', 'middleware', 'genesys', 'webchat', 'webmessaging', 'emulator'] as const;
const rootManifest = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as {
  packageManager: string;
  devDependencies: Record<string, string>;
};
const testManifest = JSON.parse(readFileSync(join(root, 'test', 'package.json'), 'utf8')) as {
  dependencies: Record<string, string>;
  devDependencies: Record<string, string>;
};

/**
 * This process's environment without what pnpm adds for the scripts it runs (`npm_config_*`,
 * `npm_package_*`, …): the scratch projects get plain npm, as a user has it.
 */
const plainEnv: NodeJS.ProcessEnv = Object.fromEntries(
  Object.entries(process.env).filter(([name]) => !/^npm_/i.test(name) && !/^pnpm_/i.test(name)),
);

function run(command: string, args: readonly string[], cwd: string, env: NodeJS.ProcessEnv = plainEnv): string {
  return execFileSync(command, args, { cwd, env, encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
}

/** Packages npm installed in a project, nested ones included. */
function packageCount(folder: string): number {
  return run('npm', ['ls', '--all', '--parseable'], folder).trim().split('\n').length - 1;
}

/** pnpm as it runs this script (`npm_execpath`), or the pinned one through npx. */
function pnpm(args: readonly string[], cwd: string): string {
  // The packages were built just before (see the header): their prepack need not build again.
  const env = { ...process.env, SWITCHBOARD_PACK_BUILT: '1' };
  const execPath = process.env.npm_execpath;
  if (execPath && /pnpm/.test(execPath)) return run(process.execPath, [execPath, ...args], cwd, env);
  const pinned = /^pnpm@([^+]+)/.exec(rootManifest.packageManager)?.[1] ?? '10';
  return run('npx', ['--yes', `pnpm@${pinned}`, ...args], cwd, env);
}

function sizeOf(path: string): number {
  const stat = statSync(path);
  if (!stat.isDirectory()) return stat.size;
  return readdirSync(path).reduce((total, name) => total + sizeOf(join(path, name)), 0);
}

const kb = (bytes: number): string => `${(bytes / 1024).toFixed(0)} KB`;
const mb = (bytes: number): string => `${(bytes / 1024 / 1024).toFixed(1)} MB`;
const seconds = (since: number): string => `${((performance.now() - since) / 1000).toFixed(1)} s`;

/** A failed check: thrown, so that the scratch folders and redis-server are cleaned up on the way out. */
class CheckFailure extends Error {}

function fail(text: string): never {
  throw new CheckFailure(text);
}

/** A scratch project depending on the tarballs (all of them: npm takes nested @switchboard deps from them too), installed with npm. */
function project(
  name: string,
  tarballs: Record<string, string>,
  dependencies: Record<string, string>,
  devDependencies: readonly string[],
): string {
  const folder = mkdtempSync(join(tmpdir(), `switchboard-${name}-`));
  folders.push(folder);
  const fromTarballs = Object.fromEntries(Object.entries(tarballs).map(([pkg, file]) => [pkg, `file:${file}`]));
  writeFileSync(
    join(folder, 'package.json'),
    JSON.stringify(
      { name: `switchboard-${name}`, private: true, type: 'module', dependencies: { ...fromTarballs, ...dependencies } },
      null,
      2,
    ),
  );
  const started = performance.now();
  run('npm', ['install', '--no-audit', '--no-fund', '--loglevel=error'], folder);
  if (devDependencies.length > 0)
    run('npm', ['install', '--no-audit', '--no-fund', '--loglevel=error', '--save-dev', ...devDependencies], folder);
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
    for (const file of ['LICENSE', 'README.md'])
      if (!existsSync(join(installed, file))) fail(`@switchboard/${name}'s tarball has no ${file}`);
  }
}

/** Compiles a project's src/ (these files) with the consumer's tsconfig: strict, NodeNext, every library's types checked. */
function compile(folder: string, sources: readonly string[]): void {
  mkdirSync(join(folder, 'src'));
  for (const source of sources) copyFileSync(join(here, 'src', source), join(folder, 'src', source));
  copyFileSync(join(here, 'tsconfig.consumer.json'), join(folder, 'tsconfig.json'));
  run(join(folder, 'node_modules', '.bin', 'tsc'), ['-p', 'tsconfig.json'], folder);
}

const typescript = [`typescript@${rootManifest.devDependencies.typescript}`, `@types/node@${rootManifest.devDependencies['@types/node']}`];
const ioredis = { ioredis: testManifest.devDependencies.ioredis ?? '^5.11.1' };
/** The consumer drives the Web Messaging guest WebSocket by hand, as a user without a guest client would: with ws. */
const ws = { ws: testManifest.dependencies.ws ?? '^8.23.0' };
const wsTypes = [`@types/ws@${testManifest.devDependencies['@types/ws'] ?? '^8.18.2'}`];
/**
 * The OpenTelemetry set-ups the otel project is checked under: the SDK line, its packages (the
 * auto-instrumentation release of that line), and the Node.js versions to run it on.
 */
const OTEL_SDKS: readonly (readonly [string, Record<string, string>, readonly string[]])[] = [
  [
    '2',
    {
      '@opentelemetry/api': '1.9.1',
      '@opentelemetry/sdk-node': '0.222.0',
      '@opentelemetry/sdk-trace-base': '2.12.1',
      '@opentelemetry/auto-instrumentations-node': '0.80.0',
    },
    [process.version.slice(1)],
  ],
  [
    '3',
    {
      '@opentelemetry/api': '1.10.0',
      '@opentelemetry/sdk-node': '0.301.0',
      '@opentelemetry/sdk-trace': '3.1.0',
      '@opentelemetry/auto-instrumentations-node': '0.82.0',
    },
    NODE_VERSIONS.consumer.filter((version) => version.startsWith('24.')),
  ],
];
const folders: string[] = [];
let redis: RedisServer | undefined;
let proxy: Proxy | undefined;

/** Runs the consumer on one Node.js; fails unless it exits 0 and its proxied client tunnelled through `via`. */
async function runConsumer(node: string, version: string, consumer: string, env: NodeJS.ProcessEnv, via: Proxy): Promise<void> {
  const tunnelsBefore = (await via.requests()).filter((request) => request.method === 'CONNECT').length;
  const code = await new Promise<number | null>((resolve, reject) => {
    const child = spawn(node, ['dist/main.js'], { cwd: consumer, env, stdio: 'inherit' });
    child.once('error', reject);
    child.once('exit', resolve);
  });
  if (code !== 0) fail(`the consumer exited with ${code} on Node.js ${version}`);
  // The proxied client's login, API calls and websocket: a tunnel each at least, as the proxy logged them.
  const tunnels = (await via.requests()).filter((request) => request.method === 'CONNECT').length - tunnelsBefore;
  if (tunnels < 3) fail(`the proxy saw ${tunnels} tunnels on Node.js ${version}, not the login's, the API's and the stream's`);
  console.log(`  ok  the proxy logged ${tunnels} tunnels (CONNECT): the login's, the API calls' and the event stream's`);
}

async function check(): Promise<void> {
  const total = performance.now();
  const packs = mkdtempSync(join(tmpdir(), 'switchboard-packs-'));
  folders.push(packs);
  const tarballs: Record<string, string> = {};
  for (const name of PACKAGES) {
    const output = pnpm(['pack', '--pack-destination', packs], join(root, 'packages', name));
    const file = output.trim().split('\n').pop()?.trim() ?? '';
    if (!file.endsWith('.tgz')) fail(`pnpm pack printed no tarball for ${name}: ${output}`);
    tarballs[`@switchboard/${name}`] = file;
  }
  console.log('\ntarball                          size');
  for (const [name, file] of Object.entries(tarballs)) console.log(`${name.padEnd(32)} ${kb(statSync(file).size)}`);

  // The consumer with Redis.
  const consumer = project('consumer', tarballs, { ...ioredis, ...ws }, [...typescript, ...wsTypes]);
  checkInstalled(consumer);
  compile(consumer, ['main.ts', 'webmessaging.ts', 'guest-session.ts']);
  console.log('the consumer compiles: strict, NodeNext, skipLibCheck off');
  if (!run('npx', ['switchboard-emulator', '--help'], consumer).includes('--json'))
    fail('`npx switchboard-emulator --help` does not mention --json');
  console.log('npx switchboard-emulator --help works in the consumer project');

  // The project without ioredis: the main entry compiles without its types, loads and works.
  const plain = project('no-redis', tarballs, {}, typescript);
  if (existsSync(join(plain, 'node_modules', 'ioredis'))) fail('npm installed ioredis for a project that did not ask for it');
  compile(plain, ['no-redis.ts']);

  // What a service deploys: the client packages and ioredis, without the emulator (a dev dependency).
  const { '@switchboard/emulator': _emulator, ...clientTarballs } = tarballs;
  const runtime = project('runtime', clientTarballs, ioredis, []);
  run(
    process.execPath,
    [
      '--input-type=module',
      '-e',
      "await import('@switchboard/webchat'); await import('@switchboard/webchat/redis'); await import('@switchboard/webmessaging');",
    ],
    runtime,
  );
  console.log('@switchboard/webchat, its /redis entry and @switchboard/webmessaging load without the emulator installed');

  // A service with OpenTelemetry: NodeSDK and Node auto-instrumentation, SDK 2 (Node 20+) and SDK 3
  // (Node 22.15+), the versions users have: one CLIENT span and one traceparent per request.
  const otel: { major: string; folder: string; versions: readonly string[] }[] = [];
  for (const [major, dependencies, versions] of OTEL_SDKS) {
    const folder = project(`otel${major}`, clientTarballs, dependencies, []);
    copyFileSync(join(here, 'src', 'otel.mjs'), join(folder, 'otel.mjs'));
    otel.push({ major, folder, versions });
  }

  redis = await startRedis();
  proxy = await startProxy();
  const timings: string[] = [];
  for (const version of [process.version.slice(1), ...otherVersions(NODE_VERSIONS.consumer)]) {
    const node = nodeBinary(version);
    // The emulator's bin and npx run on the Node.js under test: it comes first on PATH.
    const env = {
      ...plainEnv,
      REDIS_URL: `redis://${redis.host}:${redis.port}`,
      PROXY_URL: proxy.url,
      PATH: `${dirname(node)}:${process.env.PATH ?? ''}`,
    };
    console.log(`\nNode.js ${version}:`);
    const started = performance.now();
    await runConsumer(node, version, consumer, env, proxy);
    if (version === process.version.slice(1)) process.stdout.write(run(node, ['dist/no-redis.js'], plain, env));
    timings.push(`${version.padEnd(10)} ${seconds(started)}`);
  }

  for (const { major, folder, versions } of otel) {
    for (const version of versions) {
      const node = nodeBinary(version);
      process.stdout.write(run(node, ['otel.mjs'], folder, { ...plainEnv, OTEL_SDK_MAJOR: major }));
    }
  }

  console.log('\nNode.js    consumer run');
  for (const line of timings) console.log(line);
  console.log(`\n${'installed (npm)'.padEnd(72)} node_modules   packages`);
  for (const [what, folder] of [
    ['the consumer: webchat, webmessaging, emulator, ioredis, ws, TypeScript', consumer],
    ['webchat and emulator, TypeScript, no ioredis', plain],
    ['what a service deploys: webchat and ioredis', runtime],
  ] as const) {
    console.log(`${what.padEnd(72)} ${mb(sizeOf(join(folder, 'node_modules'))).padStart(12)} ${String(packageCount(folder)).padStart(10)}`);
  }
  console.log(`consumer check passed in ${seconds(total)}`);
}

try {
  await check();
} catch (error) {
  console.error(`consumer check FAILED: ${error instanceof CheckFailure ? error.message : String(error)}`);
  if (!(error instanceof CheckFailure)) console.error(error);
  process.exitCode = 1;
} finally {
  await redis?.stop();
  await proxy?.stop();
  for (const folder of folders) rmSync(folder, { recursive: true, force: true });
}
