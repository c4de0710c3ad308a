import { availableParallelism } from 'node:os';
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
    // One file more than there are cores: much of the suite's time is spent waiting on real servers
    // (redis-server, the emulator, child processes) rather than computing, and with one file per
    // core the cores sat idle a third of the time. On 2 cores, 3 files at a time took the whole
    // suite from 210-213 s to 178-199 s (`time npx vitest run`, quiet, 3 and 2 runs), and it
    // passed beside two CPU hogs.
    // (vitest's default, one fewer than the cores, is a single file at a time there.)
    maxWorkers: availableParallelism() + 1,
    testTimeout: 15_000,
    hookTimeout: 30_000,
  },
});
