import { describe, it } from 'vitest';
import { LocalLimiter } from '@switchboard/middleware';
import { expectConfigurationErrors } from '../../../test/support/configuration.js';

describe('a limiter’s settings', () => {
  it.each([
    ['a limit of 0', { limit: 0, intervalMs: 1_000 }],
    ['no interval', { limit: 5, intervalMs: 0 }],
    ['a negative spacing', { limit: 5, intervalMs: 1_000, minSpacingMs: -1 }],
    ['a spacing over setTimeout’s ceiling', { limit: 5, intervalMs: 1_000, minSpacingMs: 2 ** 31 }],
  ])('refuse %s with a ConfigurationError, which a catch of SwitchboardError sees', (_name, options) => {
    expectConfigurationErrors(() => new LocalLimiter(options));
  });
});
