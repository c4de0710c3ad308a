/**
 * A real forward proxy for a test: tinyproxy on a free 127.0.0.1 port, with its own configuration
 * and log in a temporary directory, optionally requiring Basic credentials, stopped afterwards.
 * `node scripts/ensure-proxy.mjs` installs tinyproxy (`npm test` runs it).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { closedPort } from './loopback.js';
import { sleep } from './time.js';

export interface ProxyCredentials {
  readonly user: string;
  readonly password: string;
}

export interface ProxyOptions {
  /**
   * Basic credentials the proxy requires (tinyproxy's `BasicAuth`): without them it answers 407,
   * for plain-HTTP forwarding and CONNECT alike. tinyproxy's configuration syntax limits both to
   * letters, digits, `-`, `.` and `_`.
   */
  readonly auth?: ProxyCredentials;
}

/** One request tinyproxy received, from its log: refused ones (a 407, say) are listed too. */
export interface ProxyLogEntry {
  /** `CONNECT` for a tunnel, `GET`, `POST`… for a plain-HTTP request the proxy forwards. */
  readonly method: string;
  /**
   * The request target as the client sent it: `host:port` for CONNECT, an absolute URL otherwise
   * (tinyproxy cuts log lines at 800 characters, so a longer URL is cut short).
   */
  readonly target: string;
  /** The host the request is for (IPv6 in brackets); undefined if the target names none. */
  readonly host: string | undefined;
  /** The port the request is for (80 for an `http:` URL without one); undefined if the target names none. */
  readonly port: number | undefined;
}

export interface Proxy {
  /** `http://127.0.0.1:PORT`, without credentials. */
  readonly url: string;
  readonly port: number;
  /** The URL with credentials in it (`http://user:password@127.0.0.1:PORT`): the configured ones by default. */
  urlWithAuth(credentials?: ProxyCredentials): string;
  /** Every request received so far, in order (until stop()). Its log line is written before the proxy answers it. */
  requests(): Promise<ProxyLogEntry[]>;
  /** tinyproxy's whole log, for a failing test's message. */
  log(): Promise<string>;
  /** Stops it (SIGTERM, which also closes open tunnels), waits for the process to end, removes its files. */
  stop(): Promise<void>;
}

/** The `Proxy-Authorization` value for these credentials. */
export function basicAuthorization({ user, password }: ProxyCredentials): string {
  return `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;
}

/** A proxy URL on a loopback port nothing listens on: connecting to it is refused (a proxy that is down). */
export async function downProxyUrl(): Promise<string> {
  return `http://127.0.0.1:${await closedPort()}`;
}

const TOKEN = /^[-A-Za-z0-9._]+$/;

function configuration(port: number, logFile: string, auth: ProxyCredentials | undefined): string {
  if (auth && !(TOKEN.test(auth.user) && TOKEN.test(auth.password)))
    throw new Error('tinyproxy BasicAuth takes only letters, digits, "-", "." and "_" in the user and the password');
  return [
    // No User/Group: as root, tinyproxy would switch to that user and then could not open its log
    // in our root-owned temporary directory (it carries on without logging). Without them it stays
    // the current user, with a warning in the log.
    `Port ${port}`,
    // Listen is the address it accepts on. No Bind (the address of outgoing connections): it would
    // break targets that resolve to ::1, and loopback targets go out from loopback anyway.
    'Listen 127.0.0.1',
    'Allow 127.0.0.1',
    // No ConnectPort line: CONNECT is allowed to every port (a test server's port is random).
    'Timeout 600',
    'MaxClients 100',
    // A fixed Via name (a forwarded plain-HTTP request carries `via: 1.1 switchboard-test-proxy (…)`)
    // rather than this machine's host name.
    'ViaProxyName "switchboard-test-proxy"',
    `LogFile "${logFile}"`,
    // Info: every connection, request line and tunnel closing, for requests() and for debugging.
    'LogLevel Info',
    ...(auth ? [`BasicAuth ${auth.user} ${auth.password}`] : []),
    '',
  ].join('\n');
}

/** One connection attempt: true if something accepted it (the socket is closed again at once). */
function connects(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

/**
 * Waits for tinyproxy to accept connections: it prints nothing when ready. Rejects when it fails to
 * start (missing binary, bad configuration, port taken) or is not accepting after 10 s.
 */
async function ready(child: ChildProcess, port: number, output: () => string): Promise<void> {
  let settled = false;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const failed = new Promise<never>((_resolve, reject) => {
    child.once('error', (error) => reject(new Error(`tinyproxy did not start (${error.message}); run \`node scripts/ensure-proxy.mjs\``)));
    child.once('exit', (code, signal) => reject(new Error(`tinyproxy exited with ${code ?? signal}: ${output()}`)));
    timer = setTimeout(() => reject(new Error(`tinyproxy did not accept connections on ${port} within 10 s: ${output()}`)), 10_000);
  });
  // Once ready, a later exit (stop() ends it) must not surface as an unhandled rejection.
  failed.catch(() => undefined);
  const poll = async () => {
    while (!settled && !(await connects(port))) await sleep(20);
  };
  try {
    await Promise.race([poll(), failed]);
  } finally {
    settled = true;
    clearTimeout(timer);
  }
}

async function stopProcess(child: ChildProcess): Promise<void> {
  // No pid: it never started (the binary is missing), so no exit will come.
  if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  await exited;
}

const REQUEST_LINE = /: Request \(file descriptor \d+\): (\S+) (\S+)/;

/** The request lines of tinyproxy's log, e.g. `… Request (file descriptor 5): CONNECT 127.0.0.1:4431 HTTP/1.1`. */
export function parseProxyLog(text: string): ProxyLogEntry[] {
  // Complete lines only: a line tinyproxy is writing while we read would give a cut-off target.
  return text
    .split('\n')
    .slice(0, -1)
    .flatMap((line) => {
      const [, method, target] = REQUEST_LINE.exec(line) ?? [];
      if (!method || !target) return [];
      return [{ method, target, ...destination(method, target) }];
    });
}

function destination(method: string, target: string): Pick<ProxyLogEntry, 'host' | 'port'> {
  // CONNECT names `host:port`; the other methods an absolute URL (an origin-form `/path`, sent to the
  // proxy as if it were the server, names no host).
  const text = method === 'CONNECT' ? `http://${target}` : target;
  if (!URL.canParse(text)) return { host: undefined, port: undefined };
  const url = new URL(text);
  return { host: url.hostname, port: url.port ? Number(url.port) : url.protocol === 'https:' ? 443 : 80 };
}

/** Starts a tinyproxy of its own (never the system's service) on a free loopback port. */
export async function startProxy(options: ProxyOptions = {}): Promise<Proxy> {
  const dir = await mkdtemp(join(tmpdir(), 'switchboard-proxy-'));
  const logFile = join(dir, 'tinyproxy.log');
  const configFile = join(dir, 'tinyproxy.conf');
  // A port nothing listens on is free for tinyproxy.
  const port = await closedPort();
  let child: ChildProcess | undefined;
  try {
    await writeFile(configFile, configuration(port, logFile, options.auth));
    // -d: in the foreground, so it is our child and SIGTERM reaches it.
    child = spawn('tinyproxy', ['-d', '-c', configFile], { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    const collect = (chunk: Buffer) => {
      output = (output + chunk.toString()).slice(-4_000);
    };
    child.stdout?.on('data', collect);
    child.stderr?.on('data', collect);
    await ready(child, port, () => output);
  } catch (error) {
    if (child) await stopProcess(child);
    await rm(dir, { recursive: true, force: true });
    throw error;
  }
  return handle(child, port, dir, logFile, options.auth);
}

function handle(child: ChildProcess, port: number, dir: string, logFile: string, auth: ProxyCredentials | undefined): Proxy {
  const url = `http://127.0.0.1:${port}`;
  // tinyproxy creates the file before it listens: reading it fails only after stop().
  const log = () => readFile(logFile, 'utf8');
  return {
    url,
    port,
    urlWithAuth: (credentials = auth) => {
      if (!credentials) throw new Error('urlWithAuth(): this proxy was started without auth; pass the credentials to put in the URL');
      return `http://${encodeURIComponent(credentials.user)}:${encodeURIComponent(credentials.password)}@127.0.0.1:${port}`;
    },
    requests: async () => parseProxyLog(await log()),
    log,
    stop: async () => {
      await stopProcess(child);
      await rm(dir, { recursive: true, force: true });
    },
  };
}
