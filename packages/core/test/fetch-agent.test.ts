/**
 * The ky transport hands Node's fetch an Agent of the undici inside Node when it can make one
 * (fetch-agent.ts): an Agent of npm undici there cost about 50 µs of CPU a request more. These
 * tests stand in for Node's own Agent with a subclass of it that counts, installed as the
 * process-wide dispatcher, and put Node's back afterwards.
 */
import type * as UndiciModule from 'undici';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createClient } from '@switchboard/core';
import { GLOBAL_DISPATCHER, nodeFetchAgent } from '../src/transports/fetch-agent.js';
import { json, type Loopback, startLoopback } from '../../../test/support/loopback.js';
import { getThing } from '../../../test/support/routes.js';

type Dispatch = (options: unknown, handler: unknown) => boolean;
type AgentClass = new (options: object) => { dispatch: Dispatch; close(): Promise<void> };

const globals = globalThis as Record<symbol, unknown>;
let nodes: unknown;
let undici: typeof UndiciModule;

beforeAll(async () => {
  // Node's fetch installs its own Agent process-wide on first use; importing undici first would install undici's.
  await (await fetch('data:,')).arrayBuffer();
  nodes = globals[GLOBAL_DISPATCHER];
  undici = await import('undici');
  expect(nodes).not.toBeInstanceOf(undici.Agent);
});

afterEach(() => {
  globals[GLOBAL_DISPATCHER] = nodes;
});

/** A class named Agent, as Node's is, that extends Node's own and records what it is made with and sends. */
function countingNodeAgent(): { made: object[]; sent: string[] } {
  const NodeAgent = (nodes as { constructor: AgentClass }).constructor;
  const made: object[] = [];
  const sent: string[] = [];
  const Agent = class extends NodeAgent {
    constructor(options: object) {
      super(options);
      made.push(options);
    }
    override dispatch: Dispatch = (options, handler) => {
      sent.push((options as { path: string }).path);
      return super.dispatch(options, handler);
    };
  };
  Object.defineProperty(Agent, 'name', { value: 'Agent' });
  globals[GLOBAL_DISPATCHER] = new Agent({});
  made.length = 0;
  return { made, sent };
}

describe('nodeFetchAgent', () => {
  it('makes a new Agent of the process-wide dispatcher’s class, with the given settings', () => {
    const { made } = countingNodeAgent();
    const agent = nodeFetchAgent(undici, { keepAliveTimeout: 4_000 });
    expect(agent).toBeDefined();
    expect(agent).not.toBe(globals[GLOBAL_DISPATCHER]);
    expect(made).toEqual([{ keepAliveTimeout: 4_000 }]);
    void agent?.close();
  });

  it('declines a dispatcher that is not a plain Agent, one of npm undici, or none', async () => {
    const proxy = new undici.EnvHttpProxyAgent({ httpProxy: 'http://127.0.0.1:9' });
    const ours = new undici.Agent();
    for (const installed of [new undici.MockAgent(), proxy, ours, undefined, { constructor: 'Agent' }]) {
      globals[GLOBAL_DISPATCHER] = installed;
      expect(nodeFetchAgent(undici, { keepAliveTimeout: 4_000 })).toBeUndefined();
    }
    await Promise.all([proxy.close(), ours.close()]);
  });
});

describe('the ky transport', () => {
  let server: Loopback | undefined;
  afterEach(async () => {
    await server?.close();
    server = undefined;
  });

  it('sends through an Agent of Node’s own undici, of its own, and closes it', async () => {
    const { made, sent } = countingNodeAgent();
    server = await startLoopback(json(200, { id: 't1', name: 'thing' }));
    const client = createClient({ baseUrl: server.url, transport: 'ky', proxy: false });
    await expect(client.call(getThing, { thingId: 't1' })).resolves.toMatchObject({ data: { id: 't1' } });
    await client.close();
    expect(made).toEqual([{ keepAliveTimeout: 4_000 }]);
    expect(sent).toEqual(['/api/things/t1']);
  });
});
