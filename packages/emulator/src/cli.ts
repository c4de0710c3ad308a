/**
 * `pnpm emulator [--port N] [--rate-limit N/Ws] [--org-rate-limit N/Ws] [--token-ttl S] [--seed N] [--heartbeat-ms N]`
 * Starts the emulator on 127.0.0.1, prints how to reach it, and runs until SIGINT or SIGTERM.
 */
import { parseArgs } from 'node:util';
import type { RateLimit } from './rate-limit.js';
import { startEmulator } from './server.js';

function rate(text: string | undefined, flag: string): RateLimit | undefined {
  if (text === undefined) return undefined;
  const match = /^([1-9]\d*)\/([1-9]\d*)s$/.exec(text);
  if (!match) throw new Error(`${flag} takes N/Ws with N and W above 0, such as 300/60s`);
  return { limit: Number(match[1]), windowSeconds: Number(match[2]) };
}

function integer(text: string | undefined, flag: string): number | undefined {
  if (text === undefined) return undefined;
  if (!/^\d+$/.test(text)) throw new Error(`${flag} takes a whole number`);
  return Number(text);
}

try {
  const { values } = parseArgs({
    options: {
      port: { type: 'string' },
      'rate-limit': { type: 'string' },
      'org-rate-limit': { type: 'string' },
      'token-ttl': { type: 'string' },
      seed: { type: 'string' },
      'heartbeat-ms': { type: 'string' },
    },
  });
  const emulator = await startEmulator({
    port: integer(values.port, '--port'),
    rateLimit: rate(values['rate-limit'], '--rate-limit'),
    orgRateLimit: rate(values['org-rate-limit'], '--org-rate-limit'),
    tokenTtlSeconds: integer(values['token-ttl'], '--token-ttl'),
    seed: integer(values.seed, '--seed'),
    heartbeatMs: integer(values['heartbeat-ms'], '--heartbeat-ms'),
  });
  const lines = [
    'Genesys Cloud WebChat emulator',
    `  API        ${emulator.apiUrl}/api/v2/webchat/...`,
    `  login      ${emulator.loginUrl}/oauth/token`,
    `  org        ${emulator.organizationId}`,
    `  deployment ${emulator.deploymentId}`,
    `  client id  ${emulator.client.clientId}`,
    `  secret     ${emulator.client.clientSecret}`,
    `  controls   ${emulator.apiUrl}/__emulator/stats, /__emulator/faults`,
    'Ctrl-C stops it.',
  ];
  console.log(lines.join('\n'));
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    console.log(`\n${signal}: stopping`);
    emulator.stop().then(
      () => process.exit(0),
      (error: unknown) => {
        console.error(error);
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
} catch (error) {
  console.error(error instanceof Error ? error.message : error);
  process.exit(2);
}
