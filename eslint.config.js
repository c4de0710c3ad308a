// @ts-check
import js from '@eslint/js';
import { createTypeScriptImportResolver } from 'eslint-import-resolver-typescript';
import prettier from 'eslint-config-prettier';
import importX from 'eslint-plugin-import-x';
import tseslint from 'typescript-eslint';

const PACKAGES = ['core', 'middleware', 'genesys', 'webchat', 'webmessaging', 'emulator'];

/** One no-restricted-imports block per package: the packages it may not import, and no reaching into another's files. */
function layers(allowed) {
  return Object.entries(allowed).map(([name, uses]) => ({
    files: [`packages/${name}/src/**/*.ts`],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            ...PACKAGES.filter((other) => other !== name && !uses.includes(other)).map((other) => ({
              group: [`@switchboard/${other}`, `@switchboard/${other}/*`],
              message: `@switchboard/${name} may import ${uses.length ? uses.map((u) => `@switchboard/${u}`).join(' and ') : 'no other Switchboard package'}.`,
            })),
            {
              group: ['../../*', '**/packages/*'],
              message: 'Import another package by its name and exports, not by a path into its files.',
            },
          ],
        },
      ],
    },
  }));
}

export default tseslint.config(
  { ignores: ['**/dist/**', '**/node_modules/**', 'coverage/**', 'docs/api/**', 'test/.doc-blocks/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: { allowDefaultProject: ['*.js', 'scripts/*.mjs'] }, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/consistent-type-imports': ['error', { fixStyle: 'inline-type-imports' }],
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', destructuredArrayIgnorePattern: '^_' },
      ],
      eqeqeq: ['error', 'always'],
    },
  },
  // No import cycles inside a package (between packages, the layers below rule them out): a cycle
  // makes the order modules load in matter, and a reader cannot start at either end. The rule sees
  // value imports; a cycle of `import type` alone loads nothing, and is left to review.
  {
    files: ['packages/*/src/**/*.ts'],
    plugins: { 'import-x': importX },
    settings: {
      ...importX.flatConfigs.typescript.settings,
      'import-x/resolver-next': [createTypeScriptImportResolver({ project: 'tsconfig.json' })],
    },
    rules: { 'import-x/no-cycle': 'error' },
  },
  // A function a reader can take in at once (tests are exempt: a describe block is a function too).
  {
    files: [
      'packages/*/src/**/*.ts',
      'examples/**/*.ts',
      'bench/**/*.ts',
      'scripts/**/*.mjs',
      'test/support/**/*.ts',
      'test/consumer/**/*.ts',
    ],
    rules: { 'max-lines-per-function': ['error', { max: 80, skipBlankLines: true, skipComments: true }] },
  },
  // The package layers: core imports no other package; middleware only core; genesys core and
  // middleware; webchat and webmessaging those three, and never each other; the emulator none of them (it stands in for Genesys, not for us). Nothing
  // reaches into another package's files by a relative path.
  ...layers({
    core: [],
    middleware: ['core'],
    genesys: ['core', 'middleware'],
    webchat: ['core', 'middleware', 'genesys'],
    webmessaging: ['core', 'middleware', 'genesys'],
    emulator: [],
  }),
  {
    files: ['**/*.js', '**/*.mjs'],
    ...tseslint.configs.disableTypeChecked,
    languageOptions: {
      ...tseslint.configs.disableTypeChecked.languageOptions,
      globals: { process: 'readonly', console: 'readonly', setTimeout: 'readonly' },
    },
  },
  // Last: layout is prettier's (`prettier --check` in `pnpm lint`), so no ESLint rule may disagree with it.
  prettier,
);
