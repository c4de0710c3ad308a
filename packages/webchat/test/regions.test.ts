import { describe, expect, it } from 'vitest';
import { WebChatAPI } from '@switchboard/webchat';
import { expectConfigurationErrors } from '../../../test/support/configuration.js';

describe('regions (their table is tested in @switchboard/genesys)', () => {
  it('give WebChatAPI its base URL, or fail clearly', () => {
    expect(new WebChatAPI({ region: 'ap-southeast-2' }).baseUrl).toBe('https://api.mypurecloud.com.au');
    expect(new WebChatAPI({ region: 'ap-southeast-2', baseUrl: 'http://127.0.0.1:9' }).baseUrl).toBe('http://127.0.0.1:9');
    expect(() => new WebChatAPI({ region: 'mars-1' as 'us-east-1' })).toThrow(/unknown Genesys Cloud region/);
    // @ts-expect-error: a region or a base URL is required.
    expect(() => new WebChatAPI({})).toThrow(/region or a baseUrl/);
  });

  it('fail as a ConfigurationError, which a catch of SwitchboardError sees, like every bad setting', () => {
    expectConfigurationErrors(
      () => new WebChatAPI({ region: 'mars-1' as 'us-east-1' }),
      // @ts-expect-error: a region or a base URL is required.
      () => new WebChatAPI({}),
      // Client credentials need a login host: a base URL alone does not say which.
      () => new WebChatAPI({ baseUrl: 'http://127.0.0.1:9', oauth: { clientId: 'id', clientSecret: 'secret' } }),
    );
  });
});
