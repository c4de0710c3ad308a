/** The one check of a bad setting: whatever throws it, it is a ConfigurationError, which a catch of SwitchboardError sees. */
import { ConfigurationError, SwitchboardError } from '@switchboard/core';
import { expect } from 'vitest';

export function expectConfigurationErrors(...attempts: readonly (() => unknown)[]): void {
  for (const attempt of attempts) {
    expect(attempt).toThrow(ConfigurationError);
    expect(attempt).toThrow(SwitchboardError);
  }
}
