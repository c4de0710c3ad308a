/**
 * Every code block of the READMEs and CONTRIBUTING.md is checked, so the docs cannot drift from
 * the code:
 * - a `ts` block runs as written (tsx, the packages as the workspace resolves them), must exit 0,
 *   and must print what its `// → …` comments say it prints;
 * - a `ts` block whose first line is `// examples/<file>.ts` is an excerpt: its lines must stand in
 *   that file verbatim, and the file must be one that test/integration/examples.test.ts runs;
 * - a `sh` block may only run `npm run`/`pnpm` scripts that exist, `npx switchboard-emulator` with
 *   flags the emulator knows, and `npm install` of packages this repository uses;
 * - `json` blocks parse; `text` blocks are output or diagrams. A fence without a language fails.
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const DOCUMENTS = [
  'README.md',
  'CONTRIBUTING.md',
  ...['core', 'middleware', 'genesys', 'webchat', 'webmessaging', 'emulator'].map((name) => `packages/${name}/README.md`),
];
const scratch = join(root, 'test', '.doc-blocks');

interface Block {
  readonly document: string;
  readonly line: number;
  readonly language: string;
  readonly code: string;
}

function blocksOf(document: string): Block[] {
  const lines = readFileSync(join(root, document), 'utf8').split('\n');
  const blocks: Block[] = [];
  for (let index = 0; index < lines.length; index++) {
    const open = /^```(\S*)\s*$/.exec(lines[index] ?? '');
    if (!open) continue;
    const start = index;
    const body: string[] = [];
    while (++index < lines.length && lines[index] !== '```') body.push(lines[index] ?? '');
    blocks.push({ document, line: start + 1, language: open[1] ?? '', code: body.join('\n') });
  }
  return blocks;
}

const blocks = DOCUMENTS.filter((document) => existsSync(join(root, document))).flatMap(blocksOf);
const label = (block: Block) => `${block.document}:${block.line}`;
const byLanguage = (language: string) => blocks.filter((block) => block.language === language);
/** An excerpt names its file on its first line: an example that examples.test.ts runs, or a consumer-check script that check.ts runs. */
const excerptOf = (block: Block) => /^\/\/ (examples\/\S+\.ts|test\/consumer\/src\/\S+\.mjs)$/.exec(block.code.split('\n')[0] ?? '')?.[1];
/** The examples (`examples/<name>.ts`) whose source imports `specifier`. */
const examplesImporting = (specifier: string): string[] =>
  readdirSync(join(root, 'examples'))
    .filter((name) => name.endsWith('.ts') && readFileSync(join(root, 'examples', name), 'utf8').includes(`from '${specifier}'`))
    .map((name) => `examples/${name}`);

const rootScripts = Object.keys(
  (JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { scripts: Record<string, string> }).scripts,
);
const PNPM_COMMANDS = new Set(['install', 'test', 'changeset', 'exec']);
/** Every package some package.json of the repository names, and ours. */
const knownPackages = new Set(
  [
    'package.json',
    ...['packages', 'examples', 'test', 'bench'].flatMap((folder) =>
      existsSync(join(root, folder, 'package.json'))
        ? [`${folder}/package.json`]
        : readdirSync(join(root, folder)).map((name) => `${folder}/${name}/package.json`),
    ),
  ]
    .filter((file) => existsSync(join(root, file)))
    .flatMap((file) => {
      const manifest = JSON.parse(readFileSync(join(root, file), 'utf8')) as Record<string, Record<string, string> | string | undefined>;
      const names = ['dependencies', 'devDependencies', 'peerDependencies'].flatMap((key) =>
        Object.keys((manifest[key] as Record<string, string> | undefined) ?? {}),
      );
      return typeof manifest.name === 'string' ? [manifest.name, ...names] : names;
    }),
);

function problemsOfShellLine(line: string, emulatorFlags: ReadonlySet<string>): string[] {
  const command = line.replace(/\s+#.*$/, '').trim();
  if (command === '' || command.startsWith('#')) return [];
  // `corepack pnpm …` is pnpm, fetched by Node's corepack when it is not on PATH.
  const words = command.split(/\s+/);
  if (words[0] === 'corepack' && words[1] === 'pnpm') words.shift();
  const [tool, first, ...rest] = words;
  if (tool === 'npm' && (first === 'test' || first === 'ci')) return [];
  if (tool === 'npm' && first === 'run') return rootScripts.includes(rest[0] ?? '') ? [] : [`no root script "${rest[0]}"`];
  if (tool === 'pnpm') {
    const script = first === 'run' ? rest[0] : first;
    return rootScripts.includes(script ?? '') || PNPM_COMMANDS.has(script ?? '') ? [] : [`no root script "${script}"`];
  }
  if (tool === 'npm' && (first === 'install' || first === 'i')) {
    return (
      rest
        // Tarballs npm run pack made are ours.
        .filter((word) => !word.startsWith('-') && !/\/packs\/[^/]*\.tgz$/.test(word))
        .flatMap((name) => (knownPackages.has(name.replace(/(.)@[^/]*$/, '$1')) ? [] : [`"${name}" is not a package this repository uses`]))
    );
  }
  if (tool === 'npx' && first === 'switchboard-emulator')
    return rest.filter((word) => word.startsWith('--') && !emulatorFlags.has(word)).map((flag) => `switchboard-emulator has no ${flag}`);
  if (tool === 'git' || tool === 'cd' || tool === 'bash') return [];
  return [`no rule checks the command "${command}"`];
}

function run(file: string): Promise<{ code: number; stdout: string; stderr: string }> {
  const tsx = join(root, 'node_modules', '.bin', 'tsx');
  return new Promise((resolve) => {
    execFile(
      tsx,
      ['--conditions=@switchboard/source', file],
      { cwd: root, timeout: 60_000, env: { ...process.env, NODE_NO_WARNINGS: '1' } },
      (error, stdout, stderr) => resolve({ code: error ? Number((error as { code?: unknown }).code ?? 1) : 0, stdout, stderr }),
    );
  });
}

afterAll(() => rmSync(scratch, { recursive: true, force: true }));

describe('code blocks in the docs', () => {
  it('every fence says what it holds', () => {
    expect(blocks.length).toBeGreaterThan(0);
    const unlabelled = blocks.filter((block) => !['ts', 'sh', 'json', 'text'].includes(block.language)).map(label);
    expect(unlabelled).toEqual([]);
  });

  const executed = byLanguage('ts').filter((block) => !excerptOf(block));
  it.each(executed.map((block) => [label(block), block] as const))(
    '%s runs as written and prints what it says',
    async (_name, block) => {
      mkdirSync(scratch, { recursive: true });
      const file = join(scratch, `${block.document.replaceAll('/', '-').replace(/\.md$/, '')}-${block.line}.ts`);
      writeFileSync(file, `${block.code}\n`);
      const { code, stdout, stderr } = await run(file);
      expect({ code, stderr: code === 0 ? '' : stderr }).toEqual({ code: 0, stderr: '' });
      const printed = [...block.code.matchAll(/\/\/ → (.+)$/gm)].map((match) => (match[1] ?? '').trim());
      for (const expected of printed) expect(stdout).toContain(expected);
    },
    90_000,
  );

  it.each(
    byLanguage('ts')
      .filter(excerptOf)
      .map((block) => [label(block), block] as const),
  )('%s is an excerpt of an example a test runs', (_name, block) => {
    const path = excerptOf(block) ?? '';
    const source = readFileSync(join(root, path), 'utf8');
    const excerpt = block.code.split('\n').slice(1).join('\n');
    expect(source.includes(excerpt), `${label(block)} differs from ${path}`).toBe(true);
    const runner = path.startsWith('examples/')
      ? join(root, 'test', 'integration', 'examples.test.ts')
      : join(root, 'test', 'consumer', 'check.ts');
    // A support file of the examples is run through the example that imports it.
    const support = /^examples\/support\/(\S+)\.ts$/.exec(path)?.[1];
    const runs = support
      ? examplesImporting(`./support/${support}.js`)
      : [path.startsWith('examples/') ? path : (path.split('/').pop() ?? path)];
    expect(runs.length, `no example imports ${path}`).toBeGreaterThan(0);
    for (const ran of runs) expect(readFileSync(runner, 'utf8')).toContain(ran);
  });

  it('shell blocks run only what exists', async () => {
    const help = await promisify(execFile)(
      process.execPath,
      ['--conditions=@switchboard/source', '--import', 'tsx', join(root, 'packages', 'emulator', 'src', 'cli.ts'), '--help'],
      { cwd: root },
    );
    const emulatorFlags = new Set(help.stdout.match(/--[a-z][a-z-]*/g) ?? []);
    const problems = byLanguage('sh').flatMap((block) =>
      block.code
        .split('\n')
        .flatMap((line, offset) =>
          problemsOfShellLine(line, emulatorFlags).map((problem) => `${block.document}:${block.line + offset + 1}: ${problem}`),
        ),
    );
    expect(problems).toEqual([]);
  });

  it.each(byLanguage('json').map((block) => [label(block), block] as const))('%s is valid JSON', (_name, block) => {
    expect(() => JSON.parse(block.code) as unknown).not.toThrow();
  });
});

describe('the package READMEs', () => {
  // npm shows a package's README alone: a link into the repository by a relative path is broken there.
  it.each(DOCUMENTS.filter((document) => document.startsWith('packages/')))(
    '%s links nothing outside its package by a relative path',
    (document) => {
      const text = readFileSync(join(root, document), 'utf8');
      expect(text.match(/\]\(\.\.\/[^)]*\)/g) ?? []).toEqual([]);
    },
  );
});
