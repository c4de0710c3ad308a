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
    // Two files at a time at least: vitest's default (one fewer than the cores) is a single worker
    // on a 2-core machine, yet most of the suite's time is spent waiting on real servers
    // (redis-server, the emulator, child processes), not computing. Not more: 3 files at a time
    // took the whole suite from 212 to 178 s on 2 cores, but under two CPU hogs the multi-worker
    // example then met more 429s than it allows (the reservoir's refill inside the server's
    // first window, docs/retry-and-auth.md), which a suite that must pass on a loaded machine cannot take.
    maxWorkers: Math.max(2, availableParallelism() - 1),
    testTimeout: 15_000,
    hookTimeout: 30_000,
  },
});
