/**
 * Real Redis topologies for integration tests, on 127.0.0.1 and without persistence: a cluster of primaries, or a primary with
 * one replica watched by three sentinels. Everything started is stopped again, also when set-up fails half-way.
 */
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify, stripVTControlCharacters } from 'node:util';
import { closedPort } from './loopback.js';
import { eventually } from './time.js';

const run = promisify(execFile);

const HOST = '127.0.0.1';
const MASTER_NAME = 'switchboard';
const SLOTS = 16_384;
/** How much of each server's output is kept for error messages: the end is what explains a failure. */
const OUTPUT_TAIL = 3_000;
const READY = 'Ready to accept connections';

export interface RedisAddress {
  readonly host: '127.0.0.1';
  readonly port: number;
}

export interface RedisClusterServer {
  /** Every primary; any of them can seed a cluster client. */
  readonly nodes: readonly RedisAddress[];
  /** SIGKILLs the primary on `port` (there are no replicas: its slots stay down until stop()). */
  killNode(port: number): Promise<void>;
  /** Stops every node (SIGTERM) and removes the temp dir. */
  stop(): Promise<void>;
}

export interface RedisSentinelServer {
  /** The name the sentinels monitor the primary under ('switchboard'). */
  readonly masterName: string;
  readonly sentinels: readonly RedisAddress[];
  /** The current primary as far as this module knows: the first one, or the one the last killPrimary() failed over to. */
  primary(): RedisAddress;
  /**
   * SIGKILLs the current primary and waits until every sentinel names the promoted replica, and it answers ROLE as master.
   * There is one replica, so this works once per set-up.
   */
  killPrimary(): Promise<RedisAddress & { readonly failoverMs: number }>;
  /** Stops every server still running (SIGTERM, SIGKILL after 5 s) and removes the temp dir. */
  stop(): Promise<void>;
}

/** A redis-server (or sentinel) this module started, with the end of what it printed. */
interface Server {
  readonly name: string;
  readonly port: number;
  readonly child: ChildProcess;
  /** Set when it was ended on purpose, so that waits do not take it for a crash. */
  expectedExit: boolean;
  tail: string;
}

/** Everything one topology started, so that it can all be stopped together however far set-up got. */
interface Fleet {
  readonly dir: string;
  readonly servers: Server[];
  /** Ports handed out so far: closedPort() can return a port twice while nothing listens on it yet. */
  readonly ports: Set<number>;
}

const running = new Set<ChildProcess>();
// A test process that ends without stop() must not leave redis-servers behind; kill() is synchronous, as 'exit' handlers must be.
const killRunning = () => {
  for (const child of running) child.kill('SIGKILL');
};

/** Kills the child when this process exits; the listener is there only while children run, so module copies do not pile up listeners. */
function track(child: ChildProcess): void {
  if (child.pid === undefined) return; // spawn failed: no process, and no 'exit' will come
  if (running.size === 0) process.on('exit', killRunning);
  running.add(child);
  child.once('exit', () => {
    running.delete(child);
    if (running.size === 0) process.off('exit', killRunning);
  });
}

const address = (port: number): RedisAddress => ({ host: HOST, port });
const exited = (child: ChildProcess) => child.exitCode !== null || child.signalCode !== null;

async function newFleet(prefix: string): Promise<Fleet> {
  return { dir: await mkdtemp(join(tmpdir(), prefix)), servers: [], ports: new Set() };
}

async function freePort(fleet: Fleet): Promise<number> {
  for (;;) {
    const port = await closedPort();
    if (fleet.ports.has(port)) continue;
    fleet.ports.add(port);
    return port;
  }
}

/** What every server printed last, for error messages. */
function report(fleet: Fleet): string {
  return fleet.servers
    .map(
      (s) =>
        `--- ${s.name} (port ${s.port}${exited(s.child) ? `, exited with ${s.child.exitCode ?? s.child.signalCode}` : ''}) ---\n${s.tail.trimEnd()}`,
    )
    .join('\n');
}

function launch(fleet: Fleet, name: string, port: number, args: readonly string[], ready: string): Promise<Server> {
  const child = spawn('redis-server', args, { stdio: ['ignore', 'pipe', 'pipe'] });
  const server: Server = { name, port, child, expectedExit: false, tail: '' };
  fleet.servers.push(server);
  track(child);
  return new Promise((resolve, reject) => {
    const fail = (message: string) => {
      clearTimeout(timer);
      reject(new Error(`${name} (port ${port}) ${message}:\n${server.tail.trimEnd()}`));
    };
    const timer = setTimeout(() => fail('did not get ready within 10 s'), 10_000);
    let seen = false;
    const onData = (chunk: Buffer) => {
      // Keep reading even when ready: a full pipe would block the server.
      server.tail = (server.tail + chunk.toString()).slice(-OUTPUT_TAIL);
      if (seen || !server.tail.includes(ready)) return;
      seen = true;
      clearTimeout(timer);
      resolve(server);
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.on('error', (error) => fail(`did not start (${error.message}); run \`node scripts/ensure-redis.mjs\``));
    child.once('exit', (code, signal) => fail(`exited with ${code ?? signal}`));
  });
}

type ArgsFor = (port: number) => readonly string[] | Promise<readonly string[]>;

/** Starts a server on a fresh port, and on another one if something else (a parallel test worker) took it in between. */
async function launchOnFreePort(fleet: Fleet, name: string, ready: string, argsFor: ArgsFor): Promise<Server> {
  for (let attempt = 1; ; attempt++) {
    const port = await freePort(fleet);
    try {
      return await launch(fleet, name, port, await argsFor(port), ready);
    } catch (error) {
      if (attempt >= 3 || !(error instanceof Error) || !error.message.includes('Address already in use')) throw error;
      for (const server of fleet.servers) if (server.port === port) server.expectedExit = true;
    }
  }
}

/** SIGTERM, then SIGKILL if it has not ended after 5 s: stop() must not hang on a stuck (or frozen) server. */
async function stopServer(server: Server): Promise<void> {
  const { child } = server;
  server.expectedExit = true;
  // No pid: spawn failed, there is no process and no 'exit' will come.
  if (child.pid === undefined || exited(child)) return;
  const ended = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
  await ended;
  clearTimeout(timer);
}

async function stopFleet(fleet: Fleet): Promise<void> {
  // Sentinels first, so that none of them starts a failover while the data nodes go down.
  const [sentinels, others] = [
    fleet.servers.filter((s) => s.name.startsWith('sentinel')),
    fleet.servers.filter((s) => !s.name.startsWith('sentinel')),
  ];
  await Promise.all(sentinels.map(stopServer));
  await Promise.all(others.map(stopServer));
  await rm(fleet.dir, { recursive: true, force: true });
}

/** How a {@link waitFor} ended: with the probe's value, or with a server that died that nobody stopped. */
type Wait<T> = { readonly value: T } | { readonly crashed: Server };

/**
 * Polls probe until it resolves, for at most timeoutMs; the probe throws to say "not yet", and why. Fails early when a
 * server died that nobody stopped, since then waiting longer cannot help.
 */
async function waitFor<T>(fleet: Fleet, what: string, timeoutMs: number, probe: () => Promise<T>): Promise<T> {
  let reason = 'none yet';
  let outcome: Wait<T>;
  try {
    outcome = await eventually(
      async (): Promise<Wait<T>> => {
        try {
          return { value: await probe() };
        } catch (error) {
          reason = error instanceof Error ? error.message : String(error);
        }
        // A crash ends the polling (eventually stops at the first answer), to be thrown below.
        const crashed = fleet.servers.find((s) => exited(s.child) && !s.expectedExit);
        if (crashed) return { crashed };
        throw new Error(reason);
      },
      { timeoutMs, intervalMs: 100 },
    );
  } catch {
    throw new Error(`Timed out after ${timeoutMs / 1000} s waiting for ${what} (last check: ${reason})\n${report(fleet)}`);
  }
  if ('value' in outcome) return outcome.value;
  const { crashed } = outcome;
  throw new Error(`${crashed.name} (port ${crashed.port}) exited while waiting for ${what} (last check: ${reason})\n${report(fleet)}`);
}

/** One redis-cli command; -e makes an error reply fail the call instead of printing "ERR …" with exit code 0. */
async function cli(port: number, ...args: string[]): Promise<string> {
  try {
    const { stdout } = await run('redis-cli', ['-e', '-h', HOST, '-p', String(port), ...args], { timeout: 5_000 });
    return stdout.trim();
  } catch (error) {
    const printed =
      error instanceof Error && 'stdout' in error && 'stderr' in error ? `${String(error.stdout)} ${String(error.stderr)}`.trim() : '';
    throw new Error(`redis-cli -p ${port} ${args.join(' ')}: ${printed || String(error)}`);
  }
}

/** A reply as JSON (maps become objects under RESP3), which is easier to read reliably than redis-cli's flat lines. */
async function cliJson(port: number, ...args: string[]): Promise<unknown> {
  return JSON.parse(await cli(port, '--json', ...args)) as unknown;
}

function asArray(value: unknown): readonly unknown[] {
  if (!Array.isArray(value)) throw new Error(`expected an array, got ${JSON.stringify(value)}`);
  return value as unknown[];
}

function asRecord(value: unknown): Readonly<Record<string, unknown>> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new Error(`expected a map, got ${JSON.stringify(value)}`);
  return value as Record<string, unknown>;
}

/** INFO and CLUSTER INFO: `key:value` lines. */
function parseInfo(text: string): ReadonlyMap<string, string> {
  const fields = new Map<string, string>();
  for (const line of text.split(/\r?\n/)) {
    const colon = line.indexOf(':');
    if (colon > 0) fields.set(line.slice(0, colon), line.slice(colon + 1).trim());
  }
  return fields;
}

function dataArgs(port: number, dir: string): string[] {
  return [
    ...['--port', String(port), '--bind', HOST, '--save', '', '--appendonly', 'no', '--dir', dir],
    // Own dump file per server: a replica writes the RDB it receives into --dir, and the servers share the temp dir.
    ...['--dbfilename', `dump-${port}.rdb`],
    // A primary otherwise waits 5 s for more replicas before a diskless full sync, which would be most of the set-up time.
    ...['--repl-diskless-sync-delay', '0'],
  ];
}

async function clusterArgs(fleet: Fleet, port: number): Promise<string[]> {
  // The bus port defaults to port + 10000, which does not exist for ephemeral ports above 55535 (redis-server refuses to start).
  const busPort = await freePort(fleet);
  return [
    ...dataArgs(port, fleet.dir),
    ...['--cluster-enabled', 'yes', '--cluster-config-file', join(fleet.dir, `nodes-${port}.conf`), '--cluster-node-timeout', '2000'],
    ...['--cluster-port', String(busPort)],
  ];
}

/** Every node agrees: state ok, all slots served, and it knows all the others (so CLUSTER SLOTS is complete wherever a client asks). */
async function clusterReady(nodes: readonly Server[]): Promise<void> {
  for (const node of nodes) {
    const info = parseInfo(await cli(node.port, 'cluster', 'info'));
    const [state, slots, known] = [info.get('cluster_state'), info.get('cluster_slots_ok'), info.get('cluster_known_nodes')];
    if (state !== 'ok' || slots !== String(SLOTS) || known !== String(nodes.length)) {
      throw new Error(`port ${node.port}: cluster_state:${state} cluster_slots_ok:${slots} cluster_known_nodes:${known}`);
    }
  }
}

async function createCluster(fleet: Fleet, nodes: readonly Server[]): Promise<void> {
  const args = ['--cluster', 'create', ...nodes.map((n) => `${HOST}:${n.port}`), '--cluster-replicas', '0', '--cluster-yes'];
  try {
    await run('redis-cli', args, { timeout: 30_000 });
  } catch (error) {
    const printed = error instanceof Error && 'stdout' in error ? String(error.stdout) : String(error);
    // redis-cli --cluster colours its output even when it is not a terminal.
    throw new Error(`redis-cli ${args.join(' ')} failed: ${stripVTControlCharacters(printed)}\n${report(fleet)}`);
  }
}

export async function startRedisCluster(options: { primaries?: number } = {}): Promise<RedisClusterServer> {
  const primaries = options.primaries ?? 3;
  // redis-cli --cluster create refuses fewer than 3 primaries.
  if (!Number.isInteger(primaries) || primaries < 3) throw new Error(`startRedisCluster needs at least 3 primaries, got ${primaries}`);
  const fleet = await newFleet('redis-cluster-');
  try {
    const nodes: Server[] = [];
    // One after the other: if one fails, nothing is still being spawned while the fleet is stopped.
    for (let i = 1; i <= primaries; i++) nodes.push(await launchOnFreePort(fleet, `node ${i}`, READY, (port) => clusterArgs(fleet, port)));
    await createCluster(fleet, nodes);
    await waitFor(fleet, `cluster_state:ok and cluster_slots_ok:${SLOTS} on every node`, 20_000, () => clusterReady(nodes));
    const killNode = async (port: number): Promise<void> => {
      const node = nodes.find((n) => n.port === port);
      if (!node) throw new Error(`killNode: no node of this cluster on port ${port}`);
      node.expectedExit = true;
      if (exited(node.child)) return;
      const ended = new Promise((resolve) => node.child.once('exit', resolve));
      node.child.kill('SIGKILL');
      await ended;
    };
    return { nodes: nodes.map((n) => address(n.port)), killNode, stop: () => stopFleet(fleet) };
  } catch (error) {
    await stopFleet(fleet);
    throw error;
  }
}

async function replicaLinkUp(port: number): Promise<void> {
  const status = parseInfo(await cli(port, 'info', 'replication')).get('master_link_status');
  if (status !== 'up') throw new Error(`port ${port}: master_link_status:${status}`);
}

async function sentinelArgs(dir: string, port: number, primaryPort: number): Promise<string[]> {
  // Sentinel rewrites its config file (its id, what it discovered), so each one needs a writable file of its own.
  const file = join(dir, `sentinel-${port}.conf`);
  const lines = [
    `port ${port}`,
    `bind ${HOST}`,
    'protected-mode no',
    `dir ${dir}`,
    `sentinel monitor ${MASTER_NAME} ${HOST} ${primaryPort} 2`,
    // Short timeouts so that a failover takes seconds, not minutes.
    `sentinel down-after-milliseconds ${MASTER_NAME} 1000`,
    `sentinel failover-timeout ${MASTER_NAME} 5000`,
    `sentinel parallel-syncs ${MASTER_NAME} 1`,
  ];
  await writeFile(file, `${lines.join('\n')}\n`);
  return [file, '--sentinel'];
}

/** Each sentinel must know the replica (healthy, so it can be promoted) and both other sentinels (to reach quorum and elect a leader). */
async function sentinelsReady(sentinels: readonly Server[], replicaPort: number): Promise<void> {
  for (const sentinel of sentinels) {
    const replicas = asArray(await cliJson(sentinel.port, 'sentinel', 'replicas', MASTER_NAME)).map(asRecord);
    const replica = replicas.find((r) => r.port === String(replicaPort));
    if (replica?.flags !== 'slave' || replica['master-link-status'] !== 'ok') {
      throw new Error(
        `sentinel on port ${sentinel.port} sees replicas ${JSON.stringify(replicas.map((r) => [r.name, r.flags, r['master-link-status']]))}`,
      );
    }
    const others = asArray(await cliJson(sentinel.port, 'sentinel', 'sentinels', MASTER_NAME));
    if (others.length !== 2) throw new Error(`sentinel on port ${sentinel.port} knows ${others.length} other sentinels`);
  }
}

/** The port every sentinel names as primary, once that is not the old one and it answers ROLE as master. */
async function promoted(sentinels: readonly Server[], oldPort: number): Promise<number> {
  const ports = new Set<number>();
  for (const sentinel of sentinels) {
    const reply = asArray(await cliJson(sentinel.port, 'sentinel', 'get-master-addr-by-name', MASTER_NAME));
    ports.add(Number(reply[1]));
  }
  const [port] = ports;
  if (ports.size !== 1 || port === undefined) throw new Error(`sentinels disagree on the primary: ports ${[...ports].join(', ')}`);
  if (port === oldPort) throw new Error(`sentinels still name port ${oldPort}`);
  const role = (await cli(port, 'role')).split('\n')[0];
  if (role !== 'master') throw new Error(`port ${port} answers ROLE with ${role}`);
  return port;
}

export async function startRedisSentinel(): Promise<RedisSentinelServer> {
  const fleet = await newFleet('redis-sentinel-');
  try {
    const first = await launchOnFreePort(fleet, 'primary', READY, (port) => dataArgs(port, fleet.dir));
    const replicaArgs = (port: number) => [...dataArgs(port, fleet.dir), '--replicaof', HOST, String(first.port)];
    const replica = await launchOnFreePort(fleet, 'replica', READY, replicaArgs);
    await waitFor(fleet, 'the replica to sync with the primary', 15_000, () => replicaLinkUp(replica.port));
    const sentinels: Server[] = [];
    for (let i = 1; i <= 3; i++) {
      sentinels.push(
        await launchOnFreePort(fleet, `sentinel ${i}`, `+monitor master ${MASTER_NAME}`, (port) =>
          sentinelArgs(fleet.dir, port, first.port),
        ),
      );
    }
    await waitFor(fleet, 'every sentinel to see the replica and the 2 other sentinels', 20_000, () =>
      sentinelsReady(sentinels, replica.port),
    );
    const dataServers = [first, replica];
    let current = first;
    return {
      masterName: MASTER_NAME,
      sentinels: sentinels.map((s) => address(s.port)),
      primary: () => address(current.port),
      killPrimary: async () => {
        const old = current;
        if (!dataServers.some((s) => s !== old && !exited(s.child)))
          throw new Error('killPrimary: no replica left to fail over to (the set-up has one)');
        const started = performance.now();
        old.expectedExit = true;
        if (!exited(old.child)) {
          const ended = new Promise((resolve) => old.child.once('exit', resolve));
          old.child.kill('SIGKILL');
          await ended;
        }
        const port = await waitFor(fleet, `the sentinels to fail over from port ${old.port}`, 30_000, () => promoted(sentinels, old.port));
        const next = dataServers.find((s) => s.port === port);
        if (!next) throw new Error(`the sentinels promoted port ${port}, which this module did not start\n${report(fleet)}`);
        current = next;
        return { ...address(port), failoverMs: Math.round(performance.now() - started) };
      },
      stop: () => stopFleet(fleet),
    };
  } catch (error) {
    await stopFleet(fleet);
    throw error;
  }
}
