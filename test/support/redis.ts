/** A real redis-server for a test: on a free 127.0.0.1 port, without persistence, stopped afterwards. */
import { type ChildProcess, spawn } from 'node:child_process';
import { closedPort } from './loopback.js';

export interface RedisServer {
  readonly host: '127.0.0.1';
  readonly port: number;
  /** Stops it (SIGTERM), waiting for the process to end. */
  stop(): Promise<void>;
  /** Stops it and starts a fresh, empty one on the same port (a restart without persistence). */
  restart(): Promise<void>;
  /** Freezes the process (SIGSTOP): sockets stay open, nothing answers. */
  freeze(): void;
  /** Lets a frozen process run again (SIGCONT). */
  thaw(): void;
}

function launch(port: number): Promise<ChildProcess> {
  const child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  return new Promise((resolve, reject) => {
    let output = '';
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      if (output.includes('Ready to accept connections')) resolve(child);
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.once('error', (error) =>
      reject(new Error(`redis-server did not start (${error.message}); run \`node scripts/ensure-redis.mjs\``)),
    );
    child.once('exit', (code) => reject(new Error(`redis-server exited with ${code}: ${output}`)));
    setTimeout(() => reject(new Error(`redis-server did not get ready: ${output}`)), 10_000).unref();
  });
}

async function stopProcess(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  await exited;
}

export async function startRedis(): Promise<RedisServer> {
  // A port nothing listens on is free for redis-server.
  const port = await closedPort();
  let child = await launch(port);
  return {
    host: '127.0.0.1',
    port,
    stop: () => stopProcess(child),
    freeze: () => void child.kill('SIGSTOP'),
    thaw: () => void child.kill('SIGCONT'),
    restart: async () => {
      await stopProcess(child);
      child = await launch(port);
    },
  };
}
