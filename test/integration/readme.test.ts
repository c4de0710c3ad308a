/**
 * Every code block of the READMEs, CONTRIBUTING.md and the guides in docs/ is checked, so the docs
 * cannot drift from the code:
 * - a `ts` block runs as written (tsx, the packages as the workspace resolves them), must exit 0,
 *   and must print what its `// → …` comments say it prints; and all these blocks, together, type-check
 *   under the repository's strict settings (tsconfig.base.json, with the workspace's
 *   `@switchboard/source` condition), since tsx strips types without checking them;
 * - a `ts` block whose first line is `// examples/<file>.ts` is an excerpt: its lines must stand in
 *   that file verbatim, and the file must be one that test/integration/examples.test.ts runs;
 * - a `sh` block may only run `npm run`/`pnpm` scripts that exist, `npx switchboard-emulator` with
 *   flags the emulator knows, and `npm install` of packages this repository uses;
 * - `json` blocks parse; `text` blocks are output or diagrams. A fence without a language fails.
 *
 * And every relative link of those documents leads to a file that exists, and to a heading of it
 * when it names one (`guide.md#a-heading`, `#a-heading`).
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
  // The guides; docs/api is TypeDoc's output, not a document of ours.
  ...readdirSync(join(root, 'docs'))
    .filter((name) => name.endsWith('.md'))
    .sort()
    .map((name) => `docs/${name}`),
  ...['core', 'middleware', 'genesys', 'webchat', 'webmessaging', 'emulator'].map((name) => `packages/${name}/README.md`),
];
const scratch = join(root, 'test', '.doc-blocks');

interface Block {
  readonly document: string;
  readonly line: number;
  readonly language: string;
  readonly code: string;
}

const linesOf = (document: string): string[] => readFileSync(join(root, document), 'utf8').split('\n');

function blocksOf(document: string): Block[] {
  const lines = linesOf(document);
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

/** The lines outside code blocks, with their line numbers: where headings and links are. */
function proseOf(document: string): { readonly line: number; readonly text: string }[] {
  const prose: { line: number; text: string }[] = [];
  let fenced = false;
  linesOf(document).forEach((text, index) => {
    if (fenced ? text === '```' : /^```(\S*)\s*$/.test(text)) fenced = !fenced;
    else if (!fenced) prose.push({ line: index + 1, text });
  });
  return prose;
}

/** The anchors of a document's headings, as GitHub makes them: lower case, punctuation dropped, spaces as hyphens, `-1`, `-2`, … on repeats. */
function anchorsOf(document: string): Set<string> {
  const anchors = new Set<string>();
  for (const { text } of proseOf(document)) {
    const heading = /^#{1,6}\s+(.+?)\s*$/.exec(text)?.[1];
    if (heading === undefined) continue;
    const slug = heading
      .replace(/!?\[([^\]]*)\]\([^)]*\)/g, '$1')
      .toLowerCase()
      .replace(/[^\p{L}\p{M}\p{N}\p{Pc} -]/gu, '')
      .replaceAll(' ', '-');
    let anchor = slug;
    for (let repeat = 1; anchors.has(anchor); repeat++) anchor = `${slug}-${repeat}`;
    anchors.add(anchor);
  }
  return anchors;
}

/** Every relative link of a document (`[text](target)`, images too) with its line; inline code is not prose. */
function relativeLinksOf(document: string): { readonly line: number; readonly target: string }[] {
  return proseOf(document).flatMap(({ line, text }) =>
    [...text.replace(/`[^`]*`/g, '').matchAll(/\]\(([^)\s]+)(?:\s+"[^"]*")?\)/g)]
      .map((match) => match[1] ?? '')
      .filter((target) => !/^[a-z][a-z\d+.-]*:/i.test(target))
      .map((target) => ({ line, target })),
  );
}

/** What is wrong with a relative link of `document`: its file is missing, or the heading it names. */
function brokenLink(document: string, target: string): string | undefined {
  const [path = '', anchor] = target.split('#');
  const file = path === '' ? document : join(dirname(document), path);
  if (!existsSync(join(root, file))) return `${target}: no file ${file}`;
  if (anchor === undefined) return undefined;
  if (!file.endsWith('.md')) return `${target}: an anchor into a file that is not Markdown`;
  return anchorsOf(file).has(anchor) ? undefined : `${target}: no heading #${anchor} in ${file}`;
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

interface Ran {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

function runTool(tool: 'tsx' | 'tsc', args: readonly string[], timeoutMs: number): Promise<Ran> {
  return new Promise((resolve) => {
    execFile(
      join(root, 'node_modules', '.bin', tool),
      args,
      { cwd: root, timeout: timeoutMs, env: { ...process.env, NODE_NO_WARNINGS: '1' } },
      (error, stdout, stderr) => resolve({ code: error ? Number((error as { code?: unknown }).code ?? 1) : 0, stdout, stderr }),
    );
  });
}

const run = (file: string): Promise<Ran> => runTool('tsx', ['--conditions=@switchboard/source', file], 60_000);

/** Where a block is written to be run and type-checked: named after its document and line. */
const fileNameOf = (block: Block): string => `${block.document.replaceAll('/', '-').replace(/\.md$/, '')}-${block.line}.ts`;

function writeBlock(block: Block): string {
  mkdirSync(scratch, { recursive: true });
  const file = join(scratch, fileNameOf(block));
  writeFileSync(file, `${block.code}\n`);
  return file;
}

/**
 * tsc's errors over the blocks, each at its document's line: `README.md:52:7 error TS2322: …`. The blocks
 * are compiled as their own project, beside the test's scratch files: the strict settings of
 * tsconfig.base.json (its `@switchboard/source` condition resolves the packages to their sources,
 * as for the repository's own typecheck), every block a module of its own.
 */
async function typeErrorsOf(checked: readonly Block[]): Promise<{ readonly code: number; readonly errors: string[] }> {
  const byFile = new Map(checked.map((block) => [fileNameOf(block), block] as const));
  for (const block of checked) writeBlock(block);
  const project = join(scratch, 'tsconfig.json');
  writeFileSync(project, JSON.stringify({ extends: '../../tsconfig.base.json', compilerOptions: { noEmit: true }, include: ['*.ts'] }));
  const { code, stdout, stderr } = await runTool('tsc', ['-p', project, '--pretty', 'false'], 170_000);
  const errors = `${stdout}${stderr}`
    .split('\n')
    .filter((line) => line.includes('error TS'))
    .map((line) => {
      const at = /(?:^|[\\/])([^\\/(]+\.ts)\((\d+),(\d+)\): (.*)$/.exec(line);
      const block = at ? byFile.get(at[1] ?? '') : undefined;
      return at && block ? `${block.document}:${block.line + Number(at[2])}:${at[3]} ${at[4]}` : line;
    });
  return { code, errors };
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
      const { code, stdout, stderr } = await run(writeBlock(block));
      expect({ code, stderr: code === 0 ? '' : stderr }).toEqual({ code: 0, stderr: '' });
      const printed = [...block.code.matchAll(/\/\/ → (.+)$/gm)].map((match) => (match[1] ?? '').trim());
      for (const expected of printed) expect(stdout).toContain(expected);
    },
    90_000,
  );

  // Excerpts are fragments, compiled where they live (examples/ by the repository's typecheck).
  it('every ts block that runs type-checks under the strict settings', async () => {
    expect(executed.length).toBeGreaterThan(0);
    const { code, errors } = await typeErrorsOf(executed);
    expect(errors).toEqual([]);
    expect(code).toBe(0);
  }, 180_000);

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

describe('links in the docs', () => {
  it.each(DOCUMENTS.filter((document) => existsSync(join(root, document))))(
    '%s links only to files, and headings, that exist',
    (document) => {
      const broken = relativeLinksOf(document).flatMap(({ line, target }) => {
        const problem = brokenLink(document, target);
        return problem === undefined ? [] : [`${document}:${line}: ${problem}`];
      });
      expect(broken).toEqual([]);
    },
  );
});
