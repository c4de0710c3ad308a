import { describe, expect, it } from 'vitest';
import { REGION_DOMAINS, regionUrls, WebChatAPI } from '@switchboard/webchat';

describe('regions', () => {
  it('know all 18 with their domains, in either spelling', () => {
    // The list in shared/design.md §3.
    const expected = {
      us_east_1: 'mypurecloud.com',
      eu_west_1: 'mypurecloud.ie',
      ap_southeast_2: 'mypurecloud.com.au',
      ap_northeast_1: 'mypurecloud.jp',
      eu_central_1: 'mypurecloud.de',
      us_west_2: 'usw2.pure.cloud',
      ca_central_1: 'cac1.pure.cloud',
      eu_central_2: 'euc2.pure.cloud',
      ap_southeast_1: 'apse1.pure.cloud',
      ap_northeast_2: 'apne2.pure.cloud',
      eu_west_2: 'euw2.pure.cloud',
      ap_south_1: 'aps1.pure.cloud',
      us_east_2: 'use2.us-gov-pure.cloud',
      sa_east_1: 'sae1.pure.cloud',
      me_central_1: 'mec1.pure.cloud',
      ap_northeast_3: 'apne3.pure.cloud',
      mx_central_1: 'mxc1.pure.cloud',
      eusc_de_east_1: 'edee1.eusc-pure.cloud',
    };
    expect(REGION_DOMAINS).toEqual(expected);
    for (const [region, domain] of Object.entries(expected)) {
      expect(regionUrls(region)).toEqual({ apiUrl: `https://api.${domain}`, loginUrl: `https://login.${domain}` });
      expect(regionUrls(region.replaceAll('_', '-'))?.apiUrl).toBe(`https://api.${domain}`);
    }
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
    // @ts-expect-error: a region or a base URL is required.
    expect(() => new WebChatAPI({})).toThrow(/region or a baseUrl/);
  });
});
