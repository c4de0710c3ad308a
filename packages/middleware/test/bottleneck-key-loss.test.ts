/** The guard on our bottleneck fix: it applies to 2.19.5 only, and refuses anything else loudly. */
import { ConfigurationError } from '@switchboard/core';
import Bottleneck from 'bottleneck';
import { describe, expect, it } from 'vitest';
import { checkBottleneckVersion, FIXED_BOTTLENECK_VERSION, fixKeyLoss } from '../src/bottleneck-key-loss.js';

describe("the fix for bottleneck's Redis key loss", () => {
  it('accepts the bottleneck installed here, which is the version it was written for', () => {
    expect((Bottleneck as unknown as { version: string }).version).toBe(FIXED_BOTTLENECK_VERSION);
    expect(() => checkBottleneckVersion()).not.toThrow();
  });

  it.each(['2.19.4', '2.19.6', '3.0.0'])('refuses bottleneck %s with a ConfigurationError that names both versions', (version) => {
    const refusal = (() => {
      try {
        checkBottleneckVersion(version);
      } catch (error) {
        return error;
      }
      return undefined;
    })();
    expect(refusal).toBeInstanceOf(ConfigurationError);
    expect((refusal as Error).message).toContain(`needs bottleneck 2.19.5, found ${version}`);
  });

  it('refuses a limiter whose datastore is not the Redis one it was written for', async () => {
    const local = new Bottleneck({ maxConcurrent: 1 });
    expect(() => fixKeyLoss(local)).toThrow(ConfigurationError);
    await local.disconnect();
  });
});
