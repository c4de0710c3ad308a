/**
 * Genesys Cloud's 18 regions and their hosts: `api.{domain}` for the API, `login.{domain}` for
 * OAuth, `webmessaging.{domain}` for the Web Messaging guest WebSocket.
 */

export const REGION_DOMAINS = {
  /** `us_east_1`: `api.mypurecloud.com` and `login.mypurecloud.com`. */
  us_east_1: 'mypurecloud.com',
  /** `eu_west_1`: `api.mypurecloud.ie` and `login.mypurecloud.ie`. */
  eu_west_1: 'mypurecloud.ie',
  /** `ap_southeast_2`: `api.mypurecloud.com.au` and `login.mypurecloud.com.au`. */
  ap_southeast_2: 'mypurecloud.com.au',
  /** `ap_northeast_1`: `api.mypurecloud.jp` and `login.mypurecloud.jp`. */
  ap_northeast_1: 'mypurecloud.jp',
  /** `eu_central_1`: `api.mypurecloud.de` and `login.mypurecloud.de`. */
  eu_central_1: 'mypurecloud.de',
  /** `us_west_2`: `api.usw2.pure.cloud` and `login.usw2.pure.cloud`. */
  us_west_2: 'usw2.pure.cloud',
  /** `ca_central_1`: `api.cac1.pure.cloud` and `login.cac1.pure.cloud`. */
  ca_central_1: 'cac1.pure.cloud',
  /** `eu_central_2`: `api.euc2.pure.cloud` and `login.euc2.pure.cloud`. */
  eu_central_2: 'euc2.pure.cloud',
  /** `ap_southeast_1`: `api.apse1.pure.cloud` and `login.apse1.pure.cloud`. */
  ap_southeast_1: 'apse1.pure.cloud',
  /** `ap_northeast_2`: `api.apne2.pure.cloud` and `login.apne2.pure.cloud`. */
  ap_northeast_2: 'apne2.pure.cloud',
  /** `eu_west_2`: `api.euw2.pure.cloud` and `login.euw2.pure.cloud`. */
  eu_west_2: 'euw2.pure.cloud',
  /** `ap_south_1`: `api.aps1.pure.cloud` and `login.aps1.pure.cloud`. */
  ap_south_1: 'aps1.pure.cloud',
  /** `us_east_2`: `api.use2.us-gov-pure.cloud` and `login.use2.us-gov-pure.cloud`. */
  us_east_2: 'use2.us-gov-pure.cloud',
  /** `sa_east_1`: `api.sae1.pure.cloud` and `login.sae1.pure.cloud`. */
  sa_east_1: 'sae1.pure.cloud',
  /** `me_central_1`: `api.mec1.pure.cloud` and `login.mec1.pure.cloud`. */
  me_central_1: 'mec1.pure.cloud',
  /** `ap_northeast_3`: `api.apne3.pure.cloud` and `login.apne3.pure.cloud`. */
  ap_northeast_3: 'apne3.pure.cloud',
  /** `mx_central_1`: `api.mxc1.pure.cloud` and `login.mxc1.pure.cloud`. */
  mx_central_1: 'mxc1.pure.cloud',
  /** `eusc_de_east_1`: `api.edee1.eusc-pure.cloud` and `login.edee1.eusc-pure.cloud`. */
  eusc_de_east_1: 'edee1.eusc-pure.cloud',
} as const;

/**
 * `us_east_1` spelled `us-east-1`.
 * @inline
 */
type Hyphenated<S extends string> = S extends `${infer Head}_${infer Tail}` ? `${Head}-${Hyphenated<Tail>}` : S;

/**
 * `us_east_1` or `us-east-1`.
 * @useDeclaredType
 */
export type RegionName = keyof typeof REGION_DOMAINS | Hyphenated<keyof typeof REGION_DOMAINS>;

/** A region's hosts. */
export interface RegionUrls {
  /** The API's base URL: `https://api.<domain>`. */
  readonly apiUrl: string;
  /** The OAuth login host: `https://login.<domain>`. */
  readonly loginUrl: string;
  /** The Web Messaging guest WebSocket's base URL, without its query: `wss://webmessaging.<domain>/v1`. */
  readonly webMessagingUrl: string;
}

/** The hosts of a region, named `us_east_1` or `us-east-1` (any case); undefined for an unknown region. */
export function regionUrls(region: string): RegionUrls | undefined {
  const key = region.toLowerCase().replaceAll('-', '_');
  if (!Object.prototype.hasOwnProperty.call(REGION_DOMAINS, key)) return undefined;
  const domain = REGION_DOMAINS[key as keyof typeof REGION_DOMAINS];
  // Genesys' Java web-messaging SDK lists 16 regions' WebSocket hosts, each `wss://webmessaging.<domain>/v1`
  // (spec/webmessaging-guest-protocol.notes.json, regionWebSocketHosts); its Kotlin transport derives
  // the host from the domain by the same rule, which is how sa_east_1 and eusc_de_east_1, absent
  // from the Java list, get theirs here.
  return { apiUrl: `https://api.${domain}`, loginUrl: `https://login.${domain}`, webMessagingUrl: `wss://webmessaging.${domain}/v1` };
}
