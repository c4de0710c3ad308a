/**
 * The undici dispatcher a transport keeps its connections on: a keep-alive Agent of its own
 * (never the process-wide one), or the proxy agent its proxy setting asks for.
 */
import type * as UndiciModule from 'undici';
import { type ProxySetting, proxyEnvironment } from '../proxy.js';

/** The Agent options both transports set. */
export interface AgentSettings {
  readonly keepAliveTimeout: number;
  readonly connections?: number;
}

/**
 * An Agent, a ProxyAgent for an explicit proxy, or, when the environment names a proxy, undici's
 * own EnvHttpProxyAgent (which also keeps reading `no_proxy` as it changes). With no proxy
 * variable set, a plain Agent: the environment costs nothing where it names no proxy.
 */
export function createDispatcher(undici: typeof UndiciModule, proxy: ProxySetting, agent: AgentSettings): UndiciModule.Dispatcher {
  const options = {
    keepAliveTimeout: agent.keepAliveTimeout,
    ...(agent.connections !== undefined ? { connections: agent.connections } : {}),
  };
  if (typeof proxy === 'string') return new undici.ProxyAgent({ ...options, uri: proxy });
  if (proxy === false) return new undici.Agent(options);
  const { httpProxy, httpsProxy } = proxyEnvironment();
  if (httpProxy === undefined && httpsProxy === undefined) return new undici.Agent(options);
  // The variables as proxyEnvironment() read them, so that proxyFor() and the agent agree.
  return new undici.EnvHttpProxyAgent({ ...options, ...(httpProxy ? { httpProxy } : {}), ...(httpsProxy ? { httpsProxy } : {}) });
}
