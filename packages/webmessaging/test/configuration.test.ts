import { describe, expect, it } from 'vitest';
import { ConfigurationError, SwitchboardError } from '@switchboard/core';
import { WebMessagingAPI } from '@switchboard/webmessaging';

describe('WebMessagingAPI’s settings', () => {
  it('fail as a ConfigurationError, which a catch of SwitchboardError sees, without a known region or a base URL', () => {
    const attempts = [
      () => new WebMessagingAPI({ region: 'mars-1' as 'us-east-1' }),
      // @ts-expect-error: a region or a base URL is required.
      () => new WebMessagingAPI({}),
      // Client credentials need a login host: a base URL alone does not say which.
      () => new WebMessagingAPI({ baseUrl: 'http://127.0.0.1:9', oauth: { clientId: 'id', clientSecret: 'secret' } }),
    ];
    for (const attempt of attempts) {
      expect(attempt).toThrow(ConfigurationError);
      expect(attempt).toThrow(SwitchboardError);
    }
  });
});
