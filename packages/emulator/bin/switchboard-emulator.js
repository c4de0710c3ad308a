#!/usr/bin/env node
// The `switchboard-emulator` command. A file of its own rather than dist/cli.js itself: a package
// manager links a bin when it installs, and in the repository that is before the first build, when
// dist/ does not exist yet (pnpm warned once per workspace package that depends on the emulator).
import '../dist/cli.js';
