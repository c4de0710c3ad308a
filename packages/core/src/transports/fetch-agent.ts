/**
 * An Agent of the undici that Node's own fetch runs on, for the ky transport's `dispatcher`.
 *
 * Node's fetch is the undici bundled inside Node (6 on Node 20 and 22, 7 on 24). Handed an Agent of
 * npm undici 7 instead, it works, but each request then crosses from one undici into the other:
 * in a side-by-side run of the ky transport on Node 20 (loopback, one request at a time), an npm
 * Agent cost 50 to 65 µs of CPU a request over bare ky, an Agent of Node's own undici 2 to 15 µs.
 * Node exports no Agent of its own undici, but the process-wide dispatcher Node's fetch installs
 * (under undici's documented global key) is one: its constructor makes another, of our own, that
 * `close()` closes like any other.
 */
import type * as UndiciModule from 'undici';
import type { AgentSettings } from './dispatcher.js';

/** Where every undici, bundled or not, keeps the process-wide dispatcher (undici's lib/global.js). */
export const GLOBAL_DISPATCHER = Symbol.for('undici.globalDispatcher.1');

type AgentClass = new (options: { keepAliveTimeout: number; connections?: number }) => UndiciModule.Dispatcher;

/**
 * A new Agent of the same undici as the process-wide dispatcher, when that dispatcher is a plain
 * Agent of an undici other than `undici` (ours): Node's own, unless the user installed another.
 * Undefined otherwise (a proxy agent, a mock, a dispatcher of the user's own making, or ours): the
 * caller then uses an Agent of `undici`, which works everywhere, only more slowly.
 */
export function nodeFetchAgent(undici: typeof UndiciModule, settings: AgentSettings): UndiciModule.Dispatcher | undefined {
  const installed = (globalThis as Record<symbol, unknown>)[GLOBAL_DISPATCHER];
  if (typeof installed !== 'object' || installed === null || installed instanceof undici.Agent) return undefined;
  const Agent = installed.constructor as AgentClass | undefined;
  // By name: another undici's Agent is of another class than ours. Any other dispatcher (an
  // EnvHttpProxyAgent, a MockAgent, a RetryAgent) would bring behaviour of its own to our requests.
  if (typeof Agent !== 'function' || Agent.name !== 'Agent') return undefined;
  try {
    const agent = new Agent({
      keepAliveTimeout: settings.keepAliveTimeout,
      ...(settings.connections !== undefined ? { connections: settings.connections } : {}),
    });
    return typeof agent.dispatch === 'function' && typeof agent.close === 'function' && typeof agent.destroy === 'function'
      ? agent
      : undefined;
  } catch {
    // Not an Agent we can make after all: ours will do.
    return undefined;
  }
}
