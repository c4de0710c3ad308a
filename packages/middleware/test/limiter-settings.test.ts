import { describe, expect, it } from 'vitest';
import { ConfigurationError, SwitchboardError } from '@switchboard/core';
import { LocalLimiter } from '@switchboard/middleware';

describe('a limiter’s settings', () => {
  it.each([
    ['a limit of 0', { limit: 0, intervalMs: 1_000 }],
    ['no interval', { limit: 5, intervalMs: 0 }],
    ['a negative spacing', { limit: 5, intervalMs: 1_000, minSpacingMs: -1 }],
    ['a spacing over setTimeout’s ceiling', { limit: 5, intervalMs: 1_000, minSpacingMs: 2 ** 31 }],
  ])('refuse %s with a ConfigurationError, which a catch of SwitchboardError sees', (_name, options) => {
    const make = () => new LocalLimiter(options);
    expect(make).toThrow(ConfigurationError);
    expect(make).toThrow(SwitchboardError);
  });
});
