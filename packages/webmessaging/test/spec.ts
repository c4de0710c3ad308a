/** The contract, read for tests that compare the package against it. */
import { readFileSync } from 'node:fs';
import type { Spec } from '../scripts/generate.js';

export const spec = JSON.parse(readFileSync(new URL('../../../spec/webmessaging-platform-api.json', import.meta.url), 'utf8')) as Spec;
