/** Genesys Cloud's 18 regions and their hosts: `api.{domain}` for the API, `login.{domain}` for OAuth. */

export const REGION_DOMAINS = {
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
} as const;

type Hyphenated<S extends string> = S extends `${infer Head}_${infer Tail}` ? `${Head}-${Hyphenated<Tail>}` : S;

/** `us_east_1` or `us-east-1`. */
export type RegionName = keyof typeof REGION_DOMAINS | Hyphenated<keyof typeof REGION_DOMAINS>;

export interface RegionUrls {
  readonly apiUrl: string;
  readonly loginUrl: string;
}

export function regionUrls(region: string): RegionUrls | undefined {
  const key = region.toLowerCase().replaceAll('-', '_');
  if (!Object.prototype.hasOwnProperty.call(REGION_DOMAINS, key)) return undefined;
  const domain = REGION_DOMAINS[key as keyof typeof REGION_DOMAINS];
  return { apiUrl: `https://api.${domain}`, loginUrl: `https://login.${domain}` };
}
