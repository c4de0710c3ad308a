/** Genesys Cloud's 18 regions and their hosts: `api.{domain}` for the API, `login.{domain}` for OAuth. */

export const REGION_DOMAINS = {
  /** Americas (US East, Virginia). */
  us_east_1: 'mypurecloud.com',
  /** EMEA (Dublin). */
  eu_west_1: 'mypurecloud.ie',
  /** Asia Pacific (Sydney). */
  ap_southeast_2: 'mypurecloud.com.au',
  /** Asia Pacific (Tokyo). */
  ap_northeast_1: 'mypurecloud.jp',
  /** EMEA (Frankfurt). */
  eu_central_1: 'mypurecloud.de',
  /** Americas (US West, Oregon). */
  us_west_2: 'usw2.pure.cloud',
  /** Americas (Canada). */
  ca_central_1: 'cac1.pure.cloud',
  /** EMEA (Zurich). */
  eu_central_2: 'euc2.pure.cloud',
  /** Asia Pacific (AWS ap-southeast-1). */
  ap_southeast_1: 'apse1.pure.cloud',
  /** Asia Pacific (Seoul). */
  ap_northeast_2: 'apne2.pure.cloud',
  /** EMEA (London). */
  eu_west_2: 'euw2.pure.cloud',
  /** Asia Pacific (Mumbai). */
  ap_south_1: 'aps1.pure.cloud',
  /** Americas (US East 2, the US government cloud). */
  us_east_2: 'use2.us-gov-pure.cloud',
  /** Americas (São Paulo). */
  sa_east_1: 'sae1.pure.cloud',
  /** Middle East (UAE). */
  me_central_1: 'mec1.pure.cloud',
  /** Asia Pacific (Osaka). */
  ap_northeast_3: 'apne3.pure.cloud',
  /** Americas (Mexico). */
  mx_central_1: 'mxc1.pure.cloud',
  /** The EU Sovereign Cloud (Germany). */
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

/** A region's two hosts. */
export interface RegionUrls {
  /** The API's base URL: `https://api.<domain>`. */
  readonly apiUrl: string;
  /** The OAuth login host: `https://login.<domain>`. */
  readonly loginUrl: string;
}

/** The hosts of a region, named `us_east_1` or `us-east-1` (any case); undefined for an unknown region. */
export function regionUrls(region: string): RegionUrls | undefined {
  const key = region.toLowerCase().replaceAll('-', '_');
  if (!Object.prototype.hasOwnProperty.call(REGION_DOMAINS, key)) return undefined;
  const domain = REGION_DOMAINS[key as keyof typeof REGION_DOMAINS];
  return { apiUrl: `https://api.${domain}`, loginUrl: `https://login.${domain}` };
}
