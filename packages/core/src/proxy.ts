/**
 * Which forward proxy a request goes through: the one rule every connection of Switchboard
 * follows (both transports, OAuth logins, websocket streams). By default it is read from the
 * environment the way undici's EnvHttpProxyAgent and Node 24's `NODE_USE_ENV_PROXY=1` read it:
 * `https_proxy`/`HTTPS_PROXY` for https (falling back to the http one), `http_proxy`/`HTTP_PROXY`
 * for http, lower case first, and `no_proxy`/`NO_PROXY` (host names, their subdomains, optional
 * `:port`, `*` for none). The transports hand the same variables to EnvHttpProxyAgent itself;
 * {@link proxyFor} mirrors its choice for what is not an undici request (a websocket) and for
 * naming the proxy in errors.
 */
import { CONNECT_FAILURE_CODES, ConfigurationError } from './errors.js';

/**
 * Where requests go: `undefined` reads the proxy variables of the environment, a URL
 * (`http://user:pass@proxy.example:3128`) sends every request of the client through that proxy,
 * and `false` connects directly whatever the environment says.
 */
export type ProxySetting = string | false | undefined;

/** The environment's proxy variables, as undici's EnvHttpProxyAgent reads them (lower case first). */
export interface ProxyEnvironment {
  /** The proxy of http targets: `http_proxy`, else `HTTP_PROXY`; undefined when neither is set or empty. */
  readonly httpProxy: string | undefined;
  /** The proxy of https targets: `https_proxy`, else `HTTPS_PROXY`, else the http one. */
  readonly httpsProxy: string | undefined;
  /** The hosts reached directly: `no_proxy`, else `NO_PROXY`, else empty (comma or space separated; `*` for all). */
  readonly noProxy: string;
}

/**
 * A proxy variable's URL: `lower`'s value, else `upper`'s; undefined when unset or empty. A value
 * without a scheme (`proxy.corp:3128`, common in company settings) is taken as http, as curl does.
 * One that is no http(s) URL is a ConfigurationError naming the variable, never quoting its value
 * (it may hold the proxy's password).
 */
function variable(lower: string, upper: string): string | undefined {
  const lowerValue = process.env[lower];
  const [name, value] = lowerValue !== undefined ? [lower, lowerValue.trim()] : [upper, process.env[upper]?.trim()];
  if (value === undefined || value === '') return undefined;
  const url = /^[a-z][a-z0-9+.-]*:\/\//i.test(value) ? value : `http://${value}`;
  if (!isProxyUrl(url)) throw new ConfigurationError(`the ${name} variable must be a proxy URL such as http://proxy.example:3128`);
  return url;
}

/** `no_proxy`, else `NO_PROXY`, as it is now (undici's EnvHttpProxyAgent reads it again as it changes). */
export function noProxyVariable(): string {
  return process.env.no_proxy ?? process.env.NO_PROXY ?? '';
}

/** The proxy variables of the environment right now; a ConfigurationError for one that is no proxy URL. */
export function proxyEnvironment(): ProxyEnvironment {
  const httpProxy = variable('http_proxy', 'HTTP_PROXY');
  return { httpProxy, httpsProxy: variable('https_proxy', 'HTTPS_PROXY') ?? httpProxy, noProxy: noProxyVariable() };
}

function isProxyUrl(value: string): boolean {
  const url = URL.canParse(value) ? new URL(value) : undefined;
  return url !== undefined && (url.protocol === 'http:' || url.protocol === 'https:') && url.hostname !== '';
}

/** Throws a ConfigurationError unless `setting` is absent, false, or an http(s) URL; the message never quotes it (it may hold credentials). */
export function checkProxySetting(setting: unknown): asserts setting is ProxySetting {
  if (setting === undefined || setting === false || (typeof setting === 'string' && isProxyUrl(setting))) return;
  throw new ConfigurationError('proxy must be an http(s) URL such as http://proxy.example:3128, or false for none');
}

const DEFAULT_PORTS: Record<string, number> = { 'http:': 80, 'https:': 443, 'ws:': 80, 'wss:': 443 };

/** Whether `no_proxy` exempts this host and port (undici's EnvHttpProxyAgent's rule). */
function exempt(noProxy: string, url: URL): boolean {
  const host = url.host.replace(/:\d*$/, '').toLowerCase();
  const port = Number.parseInt(url.port, 10) || DEFAULT_PORTS[url.protocol] || 0;
  const entries = noProxy.split(/[,\s]/).filter((entry) => entry !== '');
  if (entries.length === 0) return false;
  if (noProxy === '*') return true;
  return entries.some((entry) => {
    const parsed = /^(.+):(\d+)$/.exec(entry);
    const name = (parsed ? parsed[1]! : entry).replace(/^\*?\./, '').toLowerCase();
    const entryPort = parsed ? Number.parseInt(parsed[2]!, 10) : 0;
    if (entryPort !== 0 && entryPort !== port) return false;
    return host === name || host.endsWith(`.${name}`);
  });
}

/**
 * The proxy a connection to `target` goes through under `setting`, or undefined for a direct one.
 * `ws:` and `wss:` count as `http:` and `https:`.
 */
export function proxyFor(target: string | URL, setting: ProxySetting, environment: ProxyEnvironment = proxyEnvironment()): URL | undefined {
  if (setting === false) return undefined;
  if (typeof setting === 'string') return new URL(setting);
  const url = typeof target === 'string' ? new URL(target) : target;
  const secure = url.protocol === 'https:' || url.protocol === 'wss:';
  const proxy = secure ? environment.httpsProxy : environment.httpProxy;
  if (proxy === undefined || exempt(environment.noProxy, url)) return undefined;
  return new URL(proxy);
}

/**
 * Whether a connection through a proxy that failed with this code failed at the proxy: it could not
 * be reached (every connection goes to the proxy, so a failure to connect is the proxy's).
 */
export function isProxyConnectFailure(code: string): boolean {
  return CONNECT_FAILURE_CODES.has(code);
}
