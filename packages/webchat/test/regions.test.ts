import { describe, expect, it } from 'vitest';
import { REGION_DOMAINS, regionUrls, WebChatAPI } from '@switchboard/webchat';

describe('regions', () => {
  it('know all 18, in either spelling', () => {
    expect(Object.keys(REGION_DOMAINS)).toHaveLength(18);
    expect(regionUrls('us_east_1')).toEqual({ apiUrl: 'https://api.mypurecloud.com', loginUrl: 'https://login.mypurecloud.com' });
    expect(regionUrls('eu-west-2')).toEqual({ apiUrl: 'https://api.euw2.pure.cloud', loginUrl: 'https://login.euw2.pure.cloud' });
    expect(regionUrls('eusc-de-east-1')?.apiUrl).toBe('https://api.edee1.eusc-pure.cloud');
    expect(regionUrls('us_east_2')?.apiUrl).toBe('https://api.use2.us-gov-pure.cloud');
    expect(regionUrls('mars-1')).toBeUndefined();
    expect(regionUrls('constructor')).toBeUndefined();
  });

  it('give WebChatAPI its base URL, or fail clearly', () => {
    expect(new WebChatAPI({ region: 'ap-southeast-2' }).baseUrl).toBe('https://api.mypurecloud.com.au');
    expect(new WebChatAPI({ region: 'ap-southeast-2', baseUrl: 'http://127.0.0.1:9' }).baseUrl).toBe('http://127.0.0.1:9');
    expect(() => new WebChatAPI({ region: 'mars-1' as 'us-east-1' })).toThrow(/unknown Genesys Cloud region/);
    expect(() => new WebChatAPI({})).toThrow(/region or a baseUrl/);
  });
});
