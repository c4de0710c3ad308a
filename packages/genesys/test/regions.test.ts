import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { REGION_DOMAINS, regionUrls } from '@switchboard/genesys';

const notes = JSON.parse(readFileSync(new URL('../../../spec/webmessaging-guest-protocol.notes.json', import.meta.url), 'utf8')) as {
  regionWebSocketHosts: { hosts: Record<string, string> };
};

describe('regions', () => {
  it('know all 18 with their domains, in either spelling', () => {
    // Genesys' published list of regions and their domains (its Platform API SDKs' PureCloudRegionHosts).
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
      expect(regionUrls(region)).toEqual({
        apiUrl: `https://api.${domain}`,
        loginUrl: `https://login.${domain}`,
        webMessagingUrl: `wss://webmessaging.${domain}/v1`,
      });
      expect(regionUrls(region.replaceAll('_', '-'))?.apiUrl).toBe(`https://api.${domain}`);
    }
    expect(regionUrls('eu-west-2')?.loginUrl).toBe('https://login.euw2.pure.cloud');
    expect(regionUrls('US-EAST-1')?.apiUrl).toBe('https://api.mypurecloud.com');
    expect(regionUrls('mars-1')).toBeUndefined();
    expect(regionUrls('constructor')).toBeUndefined();
  });

  it("give every Web Messaging host Genesys' Java SDK lists, and its REST host by that SDK's rule", () => {
    const hosts = Object.entries(notes.regionWebSocketHosts.hosts);
    expect(hosts).toHaveLength(16);
    for (const [region, host] of hosts) {
      const urls = regionUrls(region);
      expect(urls?.webMessagingUrl, region).toBe(host);
      // asApiHost(): wss://webmessaging. → https://api., without /v1.
      expect(urls?.apiUrl, region).toBe(host.replace('wss://webmessaging.', 'https://api.').replace('/v1', ''));
    }
  });
});
