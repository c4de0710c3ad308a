import { defineConfig } from 'vitest/config';

// `source` makes workspace packages resolve to their TypeScript (see each exports map), so tests
// need no build step and still import only through a package's public entry point.
const conditions = ['@switchboard/source', 'import', 'node', 'default'];

export default defineConfig({
  resolve: { conditions },
  ssr: { resolve: { conditions, externalConditions: conditions } },
  test: {
    include: ['packages/*/test/**/*.test.ts', 'test/**/*.test.ts'],
    // A real OpenTelemetry SDK under every test file, and a scan of every span for secrets.
    setupFiles: ['test/support/suite-telemetry.ts'],
    testTimeout: 15_000,
    hookTimeout: 30_000,
  },
});
