import { describe, it } from 'vitest';
import { WebMessagingAPI } from '@switchboard/webmessaging';
import { expectConfigurationErrors } from '../../../test/support/configuration.js';

describe('WebMessagingAPI’s settings', () => {
  it('fail as a ConfigurationError, which a catch of SwitchboardError sees, without a known region or a base URL', () => {
    expectConfigurationErrors(
      () => new WebMessagingAPI({ region: 'mars-1' as 'us-east-1' }),
      // @ts-expect-error: a region or a base URL is required.
      () => new WebMessagingAPI({}),
      // Client credentials need a login host: a base URL alone does not say which.
      () => new WebMessagingAPI({ baseUrl: 'http://127.0.0.1:9', oauth: { clientId: 'id', clientSecret: 'secret' } }),
    );
  });
});
