/**
 * The connections a transport keeps: a keep-alive undici Agent of its own (never the process-wide
 * one), or the proxy agent its proxy setting asks for, with what the transport needs to know of it.
 */
import type * as UndiciModule from 'undici';
import { noProxyVariable, type ProxyEnvironment, type ProxySetting, proxyEnvironment, proxyFor } from '../proxy.js';

/** The Agent options both transports set. */
export interface AgentSettings {
  readonly keepAliveTimeout: number;
  readonly connections?: number;
}

/** A transport's dispatcher and what it knows of its proxies. */
export interface Connections {
  readonly dispatcher: UndiciModule.Dispatcher;
  /** Whether any request may go through a proxy. */
  readonly proxied: boolean;
  /** The proxy a request to `url` goes through, by the variables the dispatcher was made with (NO_PROXY as it is now). */
  proxyOf(url: string): URL | undefined;
  /** Closes the connections: gracefully, then at once after {@link CLOSE_GRACE_MS} (a proxy that never answers holds a graceful close). */
  close(): Promise<void>;
}

/**
 * How long a proxy may take to answer CONNECT. undici waits 300 s by default and does not act on an
 * abort while a request waits for its tunnel, so a proxy that accepts connections and never answers
 * would hold a call for five minutes. 10 s is undici's own bound on opening a connection.
 */
export const PROXY_CONNECT_TIMEOUT_MS = 10_000;

/** How long `close()` lets connections finish before destroying them. */
const CLOSE_GRACE_MS = 1_000;

function options(agent: AgentSettings, undici: typeof UndiciModule, proxied: boolean) {
  return {
    keepAliveTimeout: agent.keepAliveTimeout,
    ...(agent.connections !== undefined ? { connections: agent.connections } : {}),
    // The proxy's own connection, which carries the CONNECTs: an unanswered one fails in bounded time.
    ...(proxied
      ? {
          clientFactory: (origin: URL, settings: object) =>
            new undici.Pool(origin, { ...settings, headersTimeout: PROXY_CONNECT_TIMEOUT_MS }),
        }
      : {}),
  };
}

/**
 * An Agent, a ProxyAgent for an explicit proxy, or, when the environment names a proxy, undici's
 * own EnvHttpProxyAgent (which also keeps reading `no_proxy` as it changes). With no proxy
 * variable set, a plain Agent: the environment costs nothing where it names no proxy.
 */
export function createConnections(undici: typeof UndiciModule, proxy: ProxySetting, agent: AgentSettings): Connections {
  const environment: ProxyEnvironment | undefined = proxy === undefined ? proxyEnvironment() : undefined;
  // httpsProxy falls back to httpProxy: it is set whenever the environment names any proxy.
  const proxied = typeof proxy === 'string' || environment?.httpsProxy !== undefined;
  let dispatcher: UndiciModule.Dispatcher;
  if (typeof proxy === 'string') {
    dispatcher = new undici.ProxyAgent({ ...options(agent, undici, true), uri: proxy });
  } else if (environment && proxied) {
    const { httpProxy, httpsProxy } = environment;
    // The variables as proxyEnvironment() read and checked them, so that proxyOf() and the agent agree.
    dispatcher = new undici.EnvHttpProxyAgent({ ...options(agent, undici, true), ...(httpProxy ? { httpProxy } : {}), httpsProxy });
  } else {
    dispatcher = new undici.Agent(options(agent, undici, false));
  }
  return {
    dispatcher,
    proxied,
    proxyOf: (url) => (proxied ? proxyFor(url, proxy, environment && { ...environment, noProxy: noProxyVariable() }) : undefined),
    close: () => closeWithin(dispatcher, CLOSE_GRACE_MS),
  };
}

/** Closes `dispatcher`, destroying what is still open after `graceMs`. */
async function closeWithin(dispatcher: UndiciModule.Dispatcher, graceMs: number): Promise<void> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<'late'>((resolve) => (timer = setTimeout(() => resolve('late'), graceMs)));
  const closed = dispatcher.close().then(() => 'closed' as const);
  const first = await Promise.race([closed, late]);
  clearTimeout(timer);
  if (first === 'late') await dispatcher.destroy();
}
